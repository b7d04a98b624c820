// A hostile service worker for tests/browser/hostile_h5p/hostile.js: installed, it would answer
// every request of its scope. Package files are never served as workers, so it never is.
self.addEventListener("fetch", function (event) { event.respondWith(new Response("hijacked")); });
