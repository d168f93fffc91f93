// Order location map: shows the delivery point (or the depot) and lets a dispatcher click to
// place it; the coordinates go into the form next to the map.
(function () {
  var el = document.getElementById("map");
  if (!el || typeof L === "undefined") return;
  var lat = parseFloat(el.dataset.lat), lon = parseFloat(el.dataset.lon);
  var has = !isNaN(lat) && !isNaN(lon);
  var centre = has ? [lat, lon] : [parseFloat(el.dataset.depotLat), parseFloat(el.dataset.depotLon)];
  var map = L.map(el).setView(centre, has ? 15 : 12);
  // data-tiles="" (MAP_TILES_URL empty) means offline: the map draws without tiles.
  var tiles = el.dataset.tiles === undefined ? "https://tile.openstreetmap.org/{z}/{x}/{y}.png" : el.dataset.tiles;
  if (tiles) {
    L.tileLayer(tiles, { maxZoom: 19, attribution: "&copy; OpenStreetMap contributors" }).addTo(map);
  }
  var marker = has ? L.marker(centre, { draggable: true }).addTo(map) : null;
  function place(ll) {
    if (!marker) marker = L.marker(ll, { draggable: true }).addTo(map);
    marker.setLatLng(ll);
    document.getElementById("id_latitude").value = ll.lat.toFixed(6);
    document.getElementById("id_longitude").value = ll.lng.toFixed(6);
    marker.off("dragend").on("dragend", function () { place(marker.getLatLng()); });
  }
  if (marker) marker.on("dragend", function () { place(marker.getLatLng()); });
  map.on("click", function (e) { place(e.latlng); });
})();
