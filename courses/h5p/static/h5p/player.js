// Plays one H5P activity and sends its xAPI statements to Sangkat, for the learner who is logged in.
// Statements wait in a queue in localStorage until the server has them, so a dropped connection
// loses nothing; each has a UUID made here, so sending one twice is harmless.
(function () {
  "use strict";
  var config = JSON.parse(document.getElementById("h5p-config").textContent);
  var container = document.getElementById("h5p-container");
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(config.queueKey)) || []; } catch (e) { return []; }
  }

  function saveQueue(queue) {
    try { localStorage.setItem(config.queueKey, JSON.stringify(queue)); } catch (e) { /* full or blocked: kept in memory below */ }
    memoryQueue = queue;
  }

  var memoryQueue = null;
  function queue() { var stored = loadQueue(); return stored.length || !memoryQueue ? stored : memoryQueue; }

  // H5P names the activity after the page URL and the learner with a random id: name both the way
  // Sangkat's statement store understands (our activity IRI, our account), keeping sub-content ids.
  function ourId(id) {
    if (typeof id !== "string") return config.activity;
    var at = id.indexOf("?subContentId=");
    return at >= 0 ? config.activity + id.slice(at) : config.activity;
  }

  function rewrite(original) {
    var statement = JSON.parse(JSON.stringify(original));
    statement.id = uuid4();
    statement.actor = config.actor;
    statement.timestamp = statement.timestamp || new Date().toISOString();
    var object = statement.object || {};
    var isSubContent = typeof object.id === "string" && object.id.indexOf("?subContentId=") >= 0;
    object.id = ourId(object.id);
    object.objectType = "Activity";
    statement.object = object;
    var context = statement.context = statement.context || {};
    var activities = context.contextActivities = context.contextActivities || {};
    var lesson = { id: config.lesson, objectType: "Activity" };
    if (isSubContent) {
      // A part of the activity: its parent stays the activity; the lesson groups them.
      activities.parent = (activities.parent || []).map(function (p) { return { id: ourId(p.id), objectType: "Activity" }; });
      activities.grouping = (activities.grouping || []).concat([lesson]);
    } else {
      activities.parent = [lesson];
    }
    return statement;
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  function flush() {
    if (sending || !config.actor) return;
    var pending = queue();
    if (!pending.length) return;
    sending = true;
    var statement = pending[0];
    fetch(config.statementsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-Experience-API-Version": "1.0.3",
        "X-CSRFToken": config.csrfToken
      },
      body: JSON.stringify(statement)
    }).then(function (response) {
      sending = false;
      var status = response.status;
      // Stored, or refused for good (invalid, conflicting): it leaves the queue. Session ended,
      // throttled or server trouble: it stays and is sent again later.
      var keep = status === 401 || status === 403 || status === 408 || status === 429 || status >= 500;
      if (keep) { scheduleRetry(); return; }
      if (!response.ok && window.console) console.warn("xAPI statement refused", status);
      saveQueue(queue().filter(function (s) { return s.id !== statement.id; }));
      retryDelay = 2000;
      flush();
    }, function () {
      sending = false;
      scheduleRetry();
    });
  }

  function record(statement) {
    if (!config.actor) return;
    var pending = queue();
    pending.push(rewrite(statement));
    saveQueue(pending);
    flush();
  }

  function reportHeight() {
    if (window.parent === window) return;
    window.parent.postMessage(
      { type: "sangkat-h5p-height", block: config.block, height: document.documentElement.scrollHeight },
      window.location.origin
    );
  }

  window.addEventListener("online", flush);
  if (window.ResizeObserver) new ResizeObserver(reportHeight).observe(document.body);
  window.addEventListener("load", reportHeight);

  function failed() {
    document.getElementById("h5p-failed").hidden = false;
    reportHeight();
  }

  if (!window.H5PStandalone) { failed(); return; }
  new window.H5PStandalone.H5P(container, config.h5p).then(function () {
    window.H5P.externalDispatcher.on("xAPI", function (event) { record(event.data.statement); });
    document.documentElement.dataset.h5pReady = "1";
    reportHeight();
  }, failed);
  flush(); // statements left from an earlier visit
})();
