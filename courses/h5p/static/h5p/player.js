// Plays one H5P activity inside an opaque-origin sandbox: this page holds no cookie, no CSRF token
// and no name of the learner, and may not script the lesson around it. It hands H5P's xAPI
// statements, the learner's saved answers (H5P's content user data) and its height to the lesson
// page by postMessage; the lesson (h5p/frames.js) checks them, names the learner and the activity,
// and sends them to the server. The activity starts once the lesson has handed over the answers
// saved before (or said there are none to keep: a visitor, or the player opened on its own).
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("h5p-config").textContent);
  var container = document.getElementById("h5p-container");
  // The lesson that frames us is on the site's origin (frame-ancestors 'self'); our own location
  // still names that origin even though this document's origin is opaque. On a package's own
  // origin (H5P_PACKAGE_ORIGIN) the server names the lesson's origin, the only one that may frame us.
  var lessonOrigin = config.lessonOrigin || window.location.origin;
  var framed = window.parent !== window;
  var lessonReady = false;
  var started = false;
  var waiting = [];
  var PART = /^(0|[A-Za-z0-9-]{1,64})$/;
  var DATA_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
  var MAX_USER_DATA_CHARS = 65536;
  // When the lesson does not answer (its script failed), the activity still plays, saving nothing.
  var LESSON_WAIT_MS = 8000;

  function post(message) {
    if (framed) window.parent.postMessage(message, lessonOrigin);
  }

  function send(message) {
    if (lessonReady) post(message); else waiting.push(message);
  }

  function hello() {
    post({ type: "sangkat-h5p-hello", block: config.block });
  }

  // The lesson says when it listens (its script may start after ours, and it first reads the saved
  // answers): we then say hello, and its answer carries them.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== lessonOrigin) return;
    var data = event.data;
    if (!data || data.type !== "sangkat-h5p-listening") return;
    if (!lessonReady) {
      lessonReady = true;
      waiting.splice(0).forEach(post);
      reportHeight();
    }
    if (started) return;
    if (data.start && typeof data.start === "object") {
      start(data.start.save === true, data.start.userData);
    } else {
      hello();
    }
  });

  function reportHeight() {
    post({ type: "sangkat-h5p-height", block: config.block, height: document.documentElement.scrollHeight });
  }

  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  window.addEventListener("load", reportHeight);

  function failed() {
    document.getElementById("h5p-failed").hidden = false;
    reportHeight();
  }

  // H5P's preloaded shape, {part: {dataType: JSON text}}, keeping only well-formed entries.
  function preloaded(given) {
    var clean = {};
    if (!given || typeof given !== "object") return clean;
    Object.keys(given).forEach(function (part) {
      if (!PART.test(part) || !given[part] || typeof given[part] !== "object") return;
      Object.keys(given[part]).forEach(function (type) {
        if (DATA_TYPE.test(type) && typeof given[part][type] === "string") {
          clean[part] = clean[part] || {};
          clean[part][type] = given[part][type];
        }
      });
    });
    return clean;
  }

  // H5P core would send user data by XHR to an ajax URL; this page has no session, so the data
  // goes to the lesson page instead. H5P calls these through the global H5P object.
  function saveThroughLesson(cache) {
    var H5P = window.H5P;
    H5P.setUserData = function (contentId, dataId, data, extras) {
      var part = extras && extras.subContentId ? String(extras.subContentId) : "0";
      var type = String(dataId);
      var text;
      try { text = JSON.stringify(data); } catch (e) { return; }
      if (typeof text !== "string" || !PART.test(part) || !DATA_TYPE.test(type)) return;
      if (text.length > MAX_USER_DATA_CHARS) return;
      cache[part] = cache[part] || {};
      if (cache[part][type] === text) return; // unchanged since the last save
      cache[part][type] = text;
      send({ type: "sangkat-h5p-user-data", block: config.block, subContentId: part, dataType: type, data: text });
    };
    H5P.deleteUserData = function (contentId, dataId, subContentId) {
      var part = subContentId ? String(subContentId) : "0";
      var type = String(dataId);
      if (!PART.test(part) || !DATA_TYPE.test(type)) return;
      if (cache[part]) delete cache[part][type];
      send({ type: "sangkat-h5p-user-data", block: config.block, subContentId: part, dataType: type, data: null });
    };
  }

  function start(save, userData) {
    if (started) return;
    started = true;
    if (!window.H5PStandalone) { failed(); return; }
    var options = config.h5p;
    var cache = null;
    if (save) {
      cache = preloaded(userData);
      options.saveFreq = config.saveSeconds;
      options.contentUserData = JSON.parse(JSON.stringify(cache));
    }
    new window.H5PStandalone.H5P(container, options).then(function () {
      if (save) saveThroughLesson(cache);
      window.H5P.externalDispatcher.on("xAPI", function (event) {
        send({ type: "sangkat-h5p-statement", block: config.block, statement: event.data.statement });
      });
      document.documentElement.dataset.h5pReady = "1";
      reportHeight();
    }, failed);
  }

  // On its own origin, the player has a service worker of ours (h5p/package-sw.js): a saved
  // course's activity then opens offline. Registered here, before any package code runs.
  if (config.worker && "serviceWorker" in navigator) {
    navigator.serviceWorker.register(config.worker, { scope: "/h5p/" }).catch(function () {});
  }

  if (framed) {
    hello();
    setTimeout(function () { start(false, null); }, LESSON_WAIT_MS);
  } else {
    // Opened on its own, nobody relays statements or saved answers (this page cannot send them).
    document.getElementById("h5p-open-lesson").hidden = false;
    start(false, null);
  }
})();
