// The SCORM runtime of one SCO, first script of the SCO's own page, which runs in an opaque-origin
// sandbox (no cookie, no storage, no CSRF token of the site, no way to script the lesson page).
// scorm-again's API object (window.API for SCORM 1.2, window.API_1484_11 for SCORM 2004) sits on
// the SCO's own window, where the SCO's API discovery finds it first. It starts from the runtime
// data the server put in this page (the learner's own, for this SCO: resume on any device). Each
// commit of the SCO, each finish, and every few seconds after a change, the data goes by
// postMessage to the lesson page (scorm/frames.js), which sends it with the session and keeps it
// while the Wi-Fi is down. Navigation requests (next, previous, choice) go there too.
(function () {
  "use strict";
  var node = document.getElementById("sangkat-scorm-runtime-config");
  if (!node) return;
  var config = JSON.parse(node.textContent);
  var lessonOrigin = window.location.origin;
  var framed = window.parent !== window;
  var is12 = config.version === "1.2";
  var SETTLE_MS = 2000;
  var settings = { autocommit: false, lmsCommitUrl: false, logLevel: 5, autoCompleteLessonStatus: false };
  var Api = is12 ? window.Scorm12API : window.Scorm2004API;
  if (!Api) return;
  var api = new Api(settings);
  try { api.loadFromJSON(config.cmi || {}); } catch (e) { if (window.console) console.warn("SCORM data not loaded", e); }
  if (is12) window.API = api; else window.API_1484_11 = api;

  function post(message) {
    if (framed) window.parent.postMessage(message, lessonOrigin);
  }

  var timer = null;
  var dirty = false;

  function snapshot() {
    if (timer) { clearTimeout(timer); timer = null; }
    dirty = false;
    if (!config.save) return;
    var rendered;
    try { rendered = api.renderCMIToJSONObject(); } catch (e) { return; }
    var cmi = rendered && rendered.cmi ? rendered.cmi : rendered;
    post({ type: "sangkat-scorm-commit", block: config.block, sco: config.sco, session: config.session, cmi: cmi });
  }

  function changed() {
    dirty = true;
    if (timer) clearTimeout(timer);
    timer = setTimeout(snapshot, SETTLE_MS);
  }

  function navigate(request, target) {
    post({ type: "sangkat-scorm-nav", block: config.block, sco: config.sco, request: request,
           target: typeof target === "string" ? target : "" });
  }

  if (is12) {
    api.on("LMSSetValue.cmi.*", changed);
    api.on("LMSCommit", snapshot);
    api.on("LMSFinish", snapshot);
  } else {
    api.on("SetValue.cmi.*", changed);
    api.on("Commit", snapshot);
    api.on("Terminate", snapshot);
    api.on("SequenceChoice", function (target) { navigate("choice", target); });
  }
  api.on("SequenceNext", function () { navigate("next"); });
  api.on("SequencePrevious", function () { navigate("previous"); });
  // Leaving without a commit: what changed since the last one still goes.
  window.addEventListener("pagehide", function () { if (dirty) snapshot(); });
  document.documentElement.setAttribute("data-scorm-runtime", config.version);
  post({ type: "sangkat-scorm-hello", block: config.block, sco: config.sco });
})();
