// Sangkat's service worker (served at /sw.js by cms.views.service_worker; the version below is a
// hash of this file as rendered, so any change installs a new worker and drops the old shell).
// It keeps two things: the shell (the offline pages in both languages, the style sheet, the icon
// and offline.js) and the courses a learner saved with "Save for offline" (one cache per learner
// and course, written by offline.js). Pages always come from the network first; only when that
// fails do they come from a saved course of the learner signed in last on this device, or else
// the offline page. Nothing is sent from here: queued answers are sent by the page (offline.js).
"use strict";
var VERSION = "{{ version }}";
var SHELL = "sangkat-shell-" + VERSION;
var SHELL_URLS = {{ shell_urls|safe }};
var OFFLINE_PAGES = {{ offline_pages|safe }}; // language -> offline page
var USER_POINTER = "/__sangkat/offline-user"; // in the "sangkat-meta" cache, set by offline.js

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(SHELL).then(function (cache) { return cache.addAll(SHELL_URLS); })
    .then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (name) {
      return name.indexOf("sangkat-shell-") === 0 && name !== SHELL;
    }).map(function (name) { return caches.delete(name); }));
  }).then(function () { return self.clients.claim(); }));
});

function currentUser() {
  return caches.open("sangkat-meta").then(function (cache) { return cache.match(USER_POINTER); })
    .then(function (response) { return response ? response.text() : ""; });
}

// A saved page or file, only from the caches of the learner signed in last on this device.
function fromSaved(request) {
  return currentUser().then(function (user) {
    if (!/^[0-9]+$/.test(user)) return caches.match(request, { cacheName: SHELL });
    var prefix = "sangkat-course-" + user + "-";
    return caches.keys().then(function (names) {
      var own = names.filter(function (name) { return name.indexOf(prefix) === 0; });
      own.push(SHELL);
      return own.reduce(function (found, name) {
        return found.then(function (response) {
          return response || caches.open(name).then(function (cache) {
            return cache.match(request, { ignoreVary: true });
          });
        });
      }, Promise.resolve(undefined));
    });
  });
}

function offlinePage(url) {
  var language = url.pathname.split("/")[1];
  var page = OFFLINE_PAGES[language] || OFFLINE_PAGES[Object.keys(OFFLINE_PAGES)[0]];
  return caches.match(page, { cacheName: SHELL }).then(function (response) {
    return response || new Response("Offline", { status: 503, headers: { "Content-Type": "text/plain" } });
  });
}

self.addEventListener("fetch", function (event) {
  var request = event.request;
  var url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  // H5P's player and package files are never the worker's: re-sent by the worker, a page's request
  // for a package file no longer carries the Fetch Metadata by which the server refuses to let
  // package code run as a script of a page of the site (courses/h5p/views.py; checked in Chromium,
  // tests/browser/test_h5p_offline.py). Saved courses keep none of them here: with H5P_PACKAGE_ORIGIN
  // each package's own origin has a worker of its own for that (courses/h5p/static/h5p/package-sw.js).
  if (url.pathname.indexOf("/h5p/") === 0) return;
  if (url.pathname.indexOf("/admin/") === 0 || url.pathname.indexOf("/xapi/") === 0 || url.pathname === "/sw.js") return;
  event.respondWith(fetch(request).catch(function () {
    return fromSaved(request).then(function (response) {
      if (response) return response;
      if (request.mode === "navigate") return offlinePage(url);
      return Response.error();
    });
  }));
});
