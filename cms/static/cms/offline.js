// Learning that survives the Wi-Fi (the page side of /sw.js). On every page: registers the service
// worker and remembers who is signed in (the worker serves saved pages only of that learner). On a
// course page: "Save for offline" stores its lessons and their pictures, styles and scripts in a
// cache of this learner. Offline, a form marked data-offline-kind (a quiz, "I finished this lesson")
// is kept in IndexedDB under the learner's user id with an id made here; once online (on the
// `online` event and on every page load) the page sends only the items of the learner signed in
// now, each once: the id is the quiz's answer-sheet token, and the server refuses an item whose
// learner is not the one signed in. Store names are documented in docs/security.md.
(function () {
  "use strict";
  var DB = "sangkat-offline", QUEUE = "queue", COURSES = "courses";
  var POINTER = "/__sangkat/offline-user";
  var meta = document.querySelector("meta[name=sangkat-user]");
  var status = document.getElementById("offline-status");
  var offlinePage = document.body.hasAttribute("data-offline-page");
  var signedIn = meta ? meta.content : "";

  if ("serviceWorker" in navigator) navigator.serviceWorker.register("/sw.js").catch(function () {});
  if (!window.indexedDB || !window.caches) return;

  function uuid4() {
    if (crypto.randomUUID) return crypto.randomUUID();
    var b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 15) | 64; b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join("");
    return [h.slice(0, 8), h.slice(8, 12), h.slice(12, 16), h.slice(16, 20), h.slice(20)].join("-");
  }
  function say(key, n) {
    if (!status || !status.dataset[key]) return;
    status.hidden = false;
    status.dataset.showing = key;
    status.textContent = status.dataset[key].replace("%(n)s", n);
  }

  // ---- IndexedDB, as promises ----
  var opening = null;
  function db() {
    opening = opening || new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB, 1);
      request.onupgradeneeded = function () {
        request.result.createObjectStore(QUEUE, { keyPath: "id" }).createIndex("user", "user");
        request.result.createObjectStore(COURSES, { keyPath: "key" }).createIndex("user", "user");
      };
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
    return opening;
  }
  function run(store, mode, work) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var request = work(d.transaction(store, mode).objectStore(store));
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { reject(request.error); };
      });
    });
  }
  function mine(store, user) {
    return run(store, "readonly", function (s) { return s.index("user").getAll(user); });
  }

  // ---- who is signed in on this device (read by the service worker) ----
  function pointer() {
    return caches.open("sangkat-meta").then(function (c) { return c.match(POINTER); })
      .then(function (r) { return r ? r.text() : ""; });
  }
  var who = offlinePage ? pointer() : caches.open("sangkat-meta").then(function (c) {
    return c.put(POINTER, new Response(signedIn)).then(function () { return signedIn; });
  });

  // ---- the queue ----
  // Other scripts of the page keep queues of their own and announce their size with a
  // "sangkat-offline-queue" event ({kind, count}): h5p/frames.js for H5P statements.
  var others = {};
  function othersWaiting() {
    return Object.keys(others).reduce(function (sum, kind) { return sum + others[kind]; }, 0);
  }
  function showWaiting(user) {
    return mine(QUEUE, user).then(function (items) {
      var n = items.length + othersWaiting();
      if (n) say("waiting", n);
      else if (status && status.dataset.showing === "waiting") status.hidden = true;
      return items;
    });
  }
  document.addEventListener("sangkat-offline-queue", function (event) {
    var detail = event.detail || {};
    if (typeof detail.kind !== "string" || typeof detail.count !== "number") return;
    others[detail.kind] = detail.count;
    if (signedIn) showWaiting(signedIn);
  });
  var flushing = false;
  function flush() {
    if (flushing || !signedIn || offlinePage || !navigator.onLine) return;
    var token = document.querySelector("input[name=csrfmiddlewaretoken]");
    if (!token) return;
    flushing = true;
    var sent = 0;
    function next(items) {
      if (!items.length) { flushing = false; if (sent) say("sent", sent); return; }
      var item = items.shift();
      var body = new URLSearchParams(item.fields);
      body.set("learner", item.user);
      body.set("csrfmiddlewaretoken", token.value);
      // redirect "manual": a signed-out session answers with a redirect to the login page, not a result.
      fetch(item.url, { method: "POST", body: body, credentials: "same-origin", redirect: "manual",
                        headers: { "Accept": "application/json", "X-Sangkat-Queued": "1" } })
        .then(function (response) {
          // Stored (200) or refused for good (400): it leaves the queue. Another learner's (409),
          // session ended, throttled or server trouble: it stays for later.
          if (response.status !== 200 && response.status !== 400) {
            return response.json().catch(function () { return {}; }).then(function (answer) {
              flushing = false;
              if (answer.message) { status.hidden = false; status.textContent = answer.message; } else showWaiting(signedIn);
            });
          }
          return response.json().catch(function () { return {}; }).then(function (answer) {
            if (response.status === 400 && answer.message) window.alert(answer.message);
            return run(QUEUE, "readwrite", function (s) { return s.delete(item.id); });
          }).then(function () { sent++; next(items); });
        }, function () { flushing = false; showWaiting(signedIn); });
    }
    mine(QUEUE, signedIn).then(function (items) {
      items.sort(function (a, b) { return a.at - b.at; });
      next(items);
    }, function () { flushing = false; });
  }

  function queueForm(form, event) {
    var user = signedIn;
    if (navigator.onLine || !user) return;
    event.preventDefault();
    var item = { id: uuid4(), user: user, kind: form.dataset.offlineKind, url: form.getAttribute("action"),
                 title: document.title, at: Date.now(), fields: [] };
    new FormData(form).forEach(function (value, name) {
      // The quiz's answer-sheet token becomes this item's id: the server keeps one attempt per token.
      if (name === "token") value = item.id;
      if (name !== "csrfmiddlewaretoken") item.fields.push([name, value]);
    });
    run(QUEUE, "readwrite", function (s) { return s.put(item); }).then(function () {
      var button = form.querySelector("button[type=submit]");
      if (button) button.disabled = true;
      return showWaiting(user);
    });
  }
  document.addEventListener("submit", function (event) {
    if (event.target.matches && event.target.matches("form[data-offline-kind]")) queueForm(event.target, event);
  });

  // ---- save a course for offline use ----
  function assets(html, base) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var urls = [];
    doc.querySelectorAll("img[src], script[src], link[rel=stylesheet][href], link[rel=icon][href]").forEach(function (node) {
      urls.push(node.getAttribute("src") || node.getAttribute("href"));
    });
    return urls.map(function (u) { return new URL(u, base); })
      .filter(function (u) { return u.origin === location.origin && u.pathname.indexOf("/h5p/") !== 0; })
      .map(function (u) { return u.href; });
  }
  // H5P activities on their packages' own origins (H5P_PACKAGE_ORIGIN): a saved lesson names, for each,
  // a warm-up page of that origin (our code) that registers the origin's worker and keeps the player
  // and its files there; framed here hidden, it answers with how many bytes that took.
  function warmUrls(html, base) {
    var doc = new DOMParser().parseFromString(html, "text/html");
    var urls = [];
    doc.querySelectorAll("iframe.h5p-frame[data-h5p-warm]").forEach(function (node) {
      try {
        var url = new URL(node.getAttribute("data-h5p-warm"), base);
        if (url.protocol === "https:" || url.protocol === "http:") urls.push(url.href);
      } catch (e) { /* not a URL: skipped */ }
    });
    return urls;
  }
  var WARM_WAIT_MS = 120000;
  function warm(url) {
    return new Promise(function (resolve, reject) {
      var origin = new URL(url).origin, frame = document.createElement("iframe"), timer = null;
      function done(error, bytes) {
        window.removeEventListener("message", heard);
        clearTimeout(timer);
        frame.remove();
        if (error) reject(error); else resolve(bytes);
      }
      function heard(event) {
        var data = event.data;
        if (event.source !== frame.contentWindow || event.origin !== origin || !data || data.type !== "sangkat-h5p-warmed") return;
        var bytes = typeof data.bytes === "number" && isFinite(data.bytes) && data.bytes > 0 ? Math.min(data.bytes, 1e10) : 0;
        if (data.ok === true) done(null, bytes); else done(new Error("not kept: " + url));
      }
      window.addEventListener("message", heard);
      timer = setTimeout(function () { done(new Error("no answer: " + url)); }, WARM_WAIT_MS);
      frame.hidden = true;
      frame.setAttribute("sandbox", "allow-scripts allow-same-origin");
      frame.setAttribute("aria-hidden", "true");
      frame.tabIndex = -1;
      frame.src = url;
      document.body.appendChild(frame);
    });
  }
  function saveCourse(button) {
    var course = button.dataset.course, list = document.getElementById("offline-pages");
    var pages = list ? JSON.parse(list.textContent) : [];
    var name = "sangkat-course-" + signedIn + "-" + course, bytes = 0, seen = {}, activities = [];
    button.disabled = true;
    say("saving", 0);
    function keep(cache, url, parse) {
      if (seen[url]) return Promise.resolve();
      seen[url] = true;
      return fetch(url, { credentials: "same-origin", headers: { "X-Sangkat-Save": "1" } }).then(function (r) {
        if (!r.ok) return;
        return r.clone().arrayBuffer().then(function (data) {
          bytes += data.byteLength;
          return cache.put(url, r).then(function () {
            if (!parse) return;
            warmUrls(new TextDecoder().decode(data), url).forEach(function (w) {
              if (activities.indexOf(w) < 0) activities.push(w);
            });
            return Promise.all(assets(new TextDecoder().decode(data), url).map(function (a) { return keep(cache, a, false); }));
          });
        });
      });
    }
    caches.delete(name).then(function () { return caches.open(name); }).then(function (cache) {
      return pages.reduce(function (done, url) {
        return done.then(function () { return keep(cache, new URL(url, location.href).href, true); });
      }, Promise.resolve());
    }).then(function () {
      // One activity after the other: each keeps a few files at a time.
      return activities.reduce(function (done, url) {
        return done.then(function () { return warm(url).then(function (n) { bytes += n; }); });
      }, Promise.resolve());
    }).then(function () {
      return run(COURSES, "readwrite", function (s) {
        return s.put({ key: signedIn + ":" + course, user: signedIn, title: button.dataset.title,
                       url: pages[0], bytes: bytes, activities: activities.length, at: Date.now() });
      });
    }).then(function () {
      say("saved", Math.max(1, Math.round(bytes / 1024)));
      button.disabled = false;
    }, function () { say("failed", 0); button.disabled = false; });
  }
  var saveButton = document.querySelector("button[data-offline-save]");
  if (saveButton && signedIn) {
    saveButton.hidden = false;
    saveButton.addEventListener("click", function () { saveCourse(saveButton); });
  }

  // ---- the offline page: which courses this learner saved here ----
  who.then(function (user) {
    var list = document.getElementById("saved-courses");
    if (list && user) {
      mine(COURSES, user).then(function (courses) {
        courses.forEach(function (course) {
          var item = document.createElement("li"), link = document.createElement("a");
          link.href = course.url;
          link.textContent = course.title;
          item.appendChild(link);
          list.appendChild(item);
        });
        if (courses.length) document.getElementById("no-saved-courses").hidden = true;
      });
    }
    if (user) showWaiting(user);
    flush();
  });
  window.addEventListener("online", flush);
})();
