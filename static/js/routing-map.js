/* Plan map: depots, one coloured line per route and numbered stops, from the JSON the page
   embeds (#plan-map-data). Tiles come from data-tiles on this script tag (MAP_TILES_URL); with
   none, or when they fail to load, the map still draws everything on a plain background. */
(function () {
  "use strict";
  var script = document.currentScript;
  var el = document.getElementById("plan-map");
  var dataEl = document.getElementById("plan-map-data");
  if (!el || !dataEl || typeof L === "undefined") return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el, { zoomControl: true, attributionControl: true, zoomSnap: 0.25 });
  var tiles = script && script.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  }
  var bounds = L.latLngBounds([]);

  function pin(text, colour) {
    return L.divIcon({
      className: "",
      html: '<div class="stop-pin" style="background:' + colour + '">' + text + "</div>",
      iconSize: [22, 22],
      iconAnchor: [11, 11],
    });
  }

  data.routes.forEach(function (route) {
    if (route.line.length > 1) {
      L.polyline(route.line, { color: route.colour, weight: 4, opacity: 0.8, dashArray: route.locked ? "6 6" : null })
        .bindTooltip("Route " + route.number + " · " + route.vehicle)
        .addTo(map);
    }
    route.stops.forEach(function (stop) {
      var ll = [stop.lat, stop.lon];
      bounds.extend(ll);
      L.marker(ll, { icon: pin(stop.n, route.colour), title: stop.order })
        .bindPopup(
          "<strong>" + stop.order + "</strong>" + (stop.pickup ? " · pickup" : "") +
          "<br>Route " + route.number + ", stop " + stop.n +
          "<br>" + new Date(stop.arrival).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) +
          " · " + stop.status
        )
        .addTo(map);
    });
  });
  data.depots.forEach(function (depot) {
    var ll = [depot.lat, depot.lon];
    bounds.extend(ll);
    L.marker(ll, {
      icon: L.divIcon({ className: "", html: '<div class="depot-pin">' + depot.code + "</div>", iconSize: [44, 22], iconAnchor: [22, 11] }),
      title: depot.name,
      zIndexOffset: 1000,
    }).addTo(map);
  });
  if (bounds.isValid()) {
    map.fitBounds(bounds.pad(0.08));
  } else {
    map.setView([52.52, 13.4], 11);
  }
})();
