// Progressive map: the server-rendered plan stays visible unless Leaflet and its tiles load.
(function () {
  var el = document.getElementById("map");
  var dataEl = document.getElementById("map-data");
  if (!el || !dataEl || !window.L) return;
  var data = JSON.parse(dataEl.textContent);
  var map = L.map(el).setView(data.center, 15);
  var tiles = L.tileLayer(data.tiles, {attribution: data.attribution, maxZoom: 19});
  var loaded = false;
  tiles.on("tileload", function () {
    if (!loaded) { loaded = true; el.hidden = false; document.getElementById("map-fallback").hidden = true; map.invalidateSize(); }
  });
  tiles.addTo(map);
  var bounds = [];
  data.unsafe.forEach(function (p) {
    L.circle([p.lat, p.lon], {radius: 40, color: "#c83c3c"}).addTo(map).bindPopup(p.place + " (" + p.score + ")");
    bounds.push([p.lat, p.lon]);
  });
  data.points.forEach(function (p) {
    var m = L.marker([p.lat, p.lon]).addTo(map);
    var a = document.createElement("a"); a.href = p.url; a.textContent = p.title;
    m.bindPopup(a);
    bounds.push([p.lat, p.lon]);
  });
  if (bounds.length) map.fitBounds(bounds, {maxZoom: 17});
})();
