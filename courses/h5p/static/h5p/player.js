// Plays one H5P activity inside an opaque-origin sandbox: this page holds no cookie, no CSRF token
// and no name of the learner, and may not script the lesson around it. It hands H5P's xAPI
// statements and its height to the lesson page by postMessage; the lesson (h5p/frames.js) checks
// them, names the learner and the activity, and sends them to the statement store.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("h5p-config").textContent);
  var container = document.getElementById("h5p-container");
  // The lesson that frames us is on the site's origin (frame-ancestors 'self'); our own location
  // still names that origin even though this document's origin is opaque.
  var lessonOrigin = window.location.origin;
  var framed = window.parent !== window;
  var lessonReady = false;
  var waiting = [];

  function post(message) {
    if (framed) window.parent.postMessage(message, lessonOrigin);
  }

  function send(message) {
    if (lessonReady) post(message); else waiting.push(message);
  }

  // The lesson says when it listens (its script may start after ours): statements made before
  // that wait here, so none is lost.
  window.addEventListener("message", function (event) {
    if (event.source !== window.parent || event.origin !== lessonOrigin) return;
    if (!event.data || event.data.type !== "sangkat-h5p-listening" || lessonReady) return;
    lessonReady = true;
    waiting.splice(0).forEach(post);
    reportHeight();
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

  // Opened on its own, nobody relays the statements (this page cannot send them itself).
  if (!framed) document.getElementById("h5p-open-lesson").hidden = false;

  if (!window.H5PStandalone) { failed(); return; }
  new window.H5PStandalone.H5P(container, config.h5p).then(function () {
    window.H5P.externalDispatcher.on("xAPI", function (event) {
      send({ type: "sangkat-h5p-statement", block: config.block, statement: event.data.statement });
    });
    document.documentElement.dataset.h5pReady = "1";
    reportHeight();
  }, failed);
  post({ type: "sangkat-h5p-hello", block: config.block });
})();
