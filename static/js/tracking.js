/* Customer tracking page map: the destination, and the van only while this is its next stop
   (the server decides; the position URL is present only then). The page works without it. */
(function () {
  "use strict";
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var dest = [parseFloat(el.dataset.lat), parseFloat(el.dataset.lon)];
  var map = L.map(el, { scrollWheelZoom: false }).setView(dest, 13);
  L.tileLayer(el.dataset.tiles, {
    maxZoom: 19, attribution: "&copy; OpenStreetMap contributors", referrerPolicy: "no-referrer"
  }).addTo(map);
  // The server sends only the centre of a ~1 km square (the link may be forwarded): an area.
  var radius = parseFloat(el.dataset.radius) || 700;
  L.circle(dest, { radius: radius, color: "#1f5fbf", fillOpacity: 0.15 }).addTo(map).bindTooltip("Your delivery area");
  var url = el.dataset.positionUrl;
  if (!url) return;
  var van = null;
  function refresh() {
    fetch(url, { credentials: "omit", cache: "no-store" }).then(function (r) { return r.ok ? r.json() : null; })
      .then(function (p) {
        if (!p || p.latitude === null) return;
        var at = [p.latitude, p.longitude];
        if (!van) {
          van = L.marker(at, { title: "Delivery van" }).addTo(map).bindTooltip("Delivery van");
          map.fitBounds(L.latLngBounds([dest, at]).pad(0.3));
        } else { van.setLatLng(at); }
      }).catch(function () {});
  }
  refresh();
  setInterval(refresh, 15000);
})();
