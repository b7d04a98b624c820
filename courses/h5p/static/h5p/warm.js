// Framed (hidden) by cms/offline.js at a package's own origin when a learner saves a course: our
// code, not the package's (none of it runs here). Registers the origin's service worker
// (h5p/package-sw.js, served at /h5p/sw.js) and keeps the player and every file it loads in this
// origin's cache, then tells the saving page how many bytes that took. Nothing secret is sent.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("h5p-warm").textContent);
  var CACHE = "sangkat-h5p";

  function report(message) {
    message.type = "sangkat-h5p-warmed";
    message.block = config.block;
    if (window.parent !== window) window.parent.postMessage(message, config.lessonOrigin);
  }

  if (!("serviceWorker" in navigator) || !window.caches) { report({ ok: false, bytes: 0 }); return; }
  var bytes = 0;
  navigator.serviceWorker.register(config.worker, { scope: "/h5p/" }).then(function () {
    return caches.open(CACHE);
  }).then(function (cache) {
    // A few at a time: a phone on a slow link, and a package may have hundreds of files.
    var queue = config.files.slice();
    function next() {
      var url = queue.shift();
      if (!url) return Promise.resolve();
      return fetch(url, { credentials: "omit" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status + " " + url);
        return response.clone().arrayBuffer().then(function (data) {
          bytes += data.byteLength;
          return cache.put(url, response);
        });
      }).then(next);
    }
    return Promise.all([next(), next(), next(), next()]);
  }).then(function () {
    return navigator.serviceWorker.ready;
  }).then(function () {
    report({ ok: true, bytes: bytes });
  }, function () {
    report({ ok: false, bytes: bytes });
  });
})();
