// Optional map picker: tapping the map fills the latitude/longitude fields, which work without it.
(function () {
  var el = document.getElementById("pick-map");
  var lat = document.getElementById("id_latitude");
  var lon = document.getElementById("id_longitude");
  var settingsEl = document.getElementById("map-settings");
  if (!el || !lat || !lon || !settingsEl || !window.L) return;
  var s = JSON.parse(settingsEl.textContent);
  var start = lat.value && lon.value ? [parseFloat(lat.value), parseFloat(lon.value)] : s.center;
  el.hidden = false;
  document.getElementById("pick-help").hidden = false;
  var map = L.map(el).setView(start, 15);
  var tiles = L.tileLayer(s.tiles, {attribution: s.attribution, maxZoom: 19});
  tiles.on("tileerror", function () { el.hidden = true; document.getElementById("pick-help").hidden = true; });
  tiles.addTo(map);
  var marker = lat.value && lon.value ? L.marker(start).addTo(map) : null;
  map.on("click", function (e) {
    lat.value = e.latlng.lat.toFixed(6);
    lon.value = e.latlng.lng.toFixed(6);
    if (marker) marker.setLatLng(e.latlng); else marker = L.marker(e.latlng).addTo(map);
  });
})();
