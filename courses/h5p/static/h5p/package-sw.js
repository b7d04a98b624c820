// The service worker of one H5P package's own origin (H5P_PACKAGE_ORIGIN): ours, served at
// /h5p/sw.js there and registered by our player or warm-up page, never by package code (package
// files are refused as workers). What h5p/warm.js kept for a saved course (the player, our scripts,
// the package's files) is served from this origin's cache when the network fails; everything comes
// from the network first. The cache is this origin's alone: another package cannot touch it.
"use strict";
var CACHE = "sangkat-h5p";

self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  event.respondWith(fetch(request).catch(function () {
    return caches.open(CACHE).then(function (cache) {
      return cache.match(request).then(function (response) {
        // A player page kept under another grant of the same lesson block opens it as well.
        if (response || request.mode !== "navigate") return response;
        return cache.match(request, { ignoreSearch: true });
      });
    }).then(function (response) { return response || Response.error(); });
  }));
});
