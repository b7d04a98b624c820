// On a lesson page: the side of each H5P activity that holds the learner's session.
// The player runs package code in an opaque-origin sandbox, or (H5P_PACKAGE_ORIGIN) on its
// package's own origin, another site, and can only post messages here. A
// message counts only when it comes from that block's own frame and has the expected shape; its
// statement is then named for this learner and this block's activity (whatever the package wrote)
// and sent with the session and CSRF token to the statement store, which checks the actor again.
// Statements wait in a queue in localStorage (one per learner) until the server has them, so a
// dropped connection loses nothing; each has a UUID made here, so sending one twice is harmless.
// Saved answers (H5P's content user data): the lesson reads the learner's saved answers for the
// block from the server and hands them to the player in answer to its hello (only to a message from
// the block's own frame), and stores on the server what the player saves, per part and kind.
(function () {
  "use strict";
  if (window.sangkatH5PFrames) return;
  window.sangkatH5PFrames = true;

  var MAX_STATEMENT_CHARS = 32768;
  var MAX_QUEUE = 200;
  var SUB_CONTENT = /^[A-Za-z0-9-]{1,64}$/;
  var PART = /^(0|[A-Za-z0-9-]{1,64})$/; // "0" is the activity itself
  var DATA_TYPE = /^[A-Za-z][A-Za-z0-9_-]{0,63}$/;
  var MAX_USER_DATA_CHARS = 65536;
  var OWN_ORIGIN_WAIT_MS = 6000;
  var IRI = /^https?:\/\/[^\s]{1,2000}$/;
  var activities = [];
  var relay = null; // the statement store and the learner (the same for every frame of the page)

  function readConfig(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function isObject(value) {
    return value !== null && typeof value === "object" && !Array.isArray(value);
  }

  // ---- the queue and the statement store ----
  var memoryQueue = null;
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;

  function loadQueue() {
    try { return JSON.parse(localStorage.getItem(relay.queueKey)) || []; } catch (e) { return []; }
  }

  function queue() { var stored = loadQueue(); return stored.length || !memoryQueue ? stored : memoryQueue; }

  function saveQueue(pending) {
    try { localStorage.setItem(relay.queueKey, JSON.stringify(pending)); } catch (e) { /* full or blocked: kept in memory */ }
    memoryQueue = pending;
    announce(pending.length);
  }

  // The page's "Waiting to send" line (cms/offline.js) counts statements that wait while offline.
  function announce(count) {
    if (count && navigator.onLine) return; // sent in a moment: nothing to say
    document.dispatchEvent(new CustomEvent("sangkat-offline-queue", { detail: { kind: "h5p", count: count } }));
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
  }

  function flush() {
    if (sending || !relay) return;
    var pending = queue();
    if (!pending.length) return;
    sending = true;
    var statement = pending[0];
    fetch(relay.statementsUrl, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "X-Experience-API-Version": "1.0.3",
        "X-CSRFToken": relay.csrfToken
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

  // ---- what a package may say ----
  // H5P names the activity after the page URL and the learner with a random id: the statement is
  // renamed for this block's activity (keeping a well-formed sub-content id) and this learner.
  function ourId(activity, id) {
    if (typeof id !== "string") return activity.activity;
    var at = id.indexOf("?subContentId=");
    if (at < 0) return activity.activity;
    var sub = id.slice(at + "?subContentId=".length);
    return SUB_CONTENT.test(sub) ? activity.activity + "?subContentId=" + sub : null;
  }

  function accept(activity, original) {
    if (!isObject(original) || !isObject(original.verb) || typeof original.verb.id !== "string") return null;
    var text;
    try { text = JSON.stringify(original); } catch (e) { return null; }
    if (text.length > MAX_STATEMENT_CHARS || !IRI.test(original.verb.id)) return null;
    var statement = JSON.parse(text);
    statement.id = uuid4();
    statement.actor = relay.actor;
    statement.timestamp = new Date().toISOString();
    delete statement.authority;
    delete statement.stored;
    delete statement.version;
    delete statement.attachments;
    var object = isObject(statement.object) ? statement.object : {};
    var isSubContent = typeof object.id === "string" && object.id.indexOf("?subContentId=") >= 0;
    object.id = ourId(activity, object.id);
    if (!object.id) return null;
    object.objectType = "Activity";
    statement.object = object;
    // Of the context, only what H5P writes: no instructor, team or registration of the package's choosing.
    var given = isObject(statement.context) ? statement.context : {};
    var context = statement.context = {};
    if (isObject(given.extensions)) context.extensions = given.extensions;
    if (typeof given.language === "string") context.language = given.language;
    var parents = isObject(given.contextActivities) ? given.contextActivities : {};
    var lesson = { id: activity.lesson, objectType: "Activity" };
    if (isSubContent) {
      // A part of the activity: its parent is the activity; the lesson groups them.
      context.contextActivities = { parent: [{ id: activity.activity, objectType: "Activity" }], grouping: [lesson] };
    } else {
      context.contextActivities = { parent: [lesson] };
    }
    if (Array.isArray(parents.category)) {
      context.contextActivities.category = parents.category.filter(function (c) {
        return isObject(c) && typeof c.id === "string" && IRI.test(c.id);
      }).map(function (c) { return { id: c.id, objectType: "Activity" }; });
    }
    return statement;
  }

  function record(activity, original) {
    if (!relay) return;
    var statement = accept(activity, original);
    if (!statement) return;
    var pending = queue();
    if (pending.length >= MAX_QUEUE) return;
    pending.push(statement);
    saveQueue(pending);
    flush();
  }

  function activityOf(source) {
    for (var i = 0; i < activities.length; i++) {
      if (source && activities[i].frame.contentWindow === source) return activities[i];
    }
    return null;
  }

  // An opaque player's origin is "null": "*" is the only target that reaches it (nothing secret is
  // sent). A player on its package's own origin (H5P_PACKAGE_ORIGIN) is addressed by that origin.
  function target(activity) { return activity.origin === "null" ? "*" : activity.origin; }

  function listening(activity) {
    // Once the saved answers are here, the player answers this with a hello and gets them.
    if (!activity.ready) return;
    if (activity.frame.contentWindow) activity.frame.contentWindow.postMessage({ type: "sangkat-h5p-listening" }, target(activity));
  }

  // ---- saved answers ----
  function cleanStates(given) {
    // {part: {dataType: JSON text}}, H5P's own shape; anything else from the server is dropped.
    var states = {};
    if (!isObject(given)) return states;
    Object.keys(given).forEach(function (part) {
      if (!PART.test(part) || !isObject(given[part])) return;
      Object.keys(given[part]).forEach(function (type) {
        var text = given[part][type];
        if (!DATA_TYPE.test(type) || typeof text !== "string") return;
        states[part] = states[part] || {};
        states[part][type] = text;
      });
    });
    return states;
  }

  function loadSaved(activity) {
    if (!relay || !activity.userDataUrl) { ready(activity, false, null); return; }
    fetch(activity.userDataUrl, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : Promise.reject(response.status); })
      .then(function (body) { ready(activity, true, cleanStates(body && body.states)); },
            // Not read: the activity starts empty and saves nothing, so it cannot overwrite them.
            function () { ready(activity, false, null); });
  }

  function ready(activity, save, states) {
    activity.save = save;
    activity.states = states;
    activity.ready = true;
    listening(activity);
  }

  function start(activity, source) {
    // Only in answer to a hello from the block's own frame (its origin): the saved answers go to
    // the player that asked, not to whatever page the frame may have been sent to since.
    source.postMessage({ type: "sangkat-h5p-listening", start: { save: activity.save, userData: activity.states } }, target(activity));
  }

  var pendingStates = []; // [{activity, part, type, data}]: the newest per activity, part and type
  var sendingState = false;
  var stateRetryDelay = 2000;
  var stateRetryTimer = null;

  function keep(activity, data) {
    if (!activity.save || typeof data.subContentId !== "string" || !PART.test(data.subContentId) ||
        typeof data.dataType !== "string" || !DATA_TYPE.test(data.dataType)) return;
    var text = data.data;
    if (text !== null && (typeof text !== "string" || text.length > MAX_USER_DATA_CHARS)) return;
    pendingStates = pendingStates.filter(function (p) {
      return !(p.activity === activity && p.part === data.subContentId && p.type === data.dataType);
    });
    pendingStates.push({ activity: activity, part: data.subContentId, type: data.dataType, data: text });
    sendStates();
  }

  function sendStates() {
    if (sendingState || !pendingStates.length) return;
    sendingState = true;
    var item = pendingStates[0];
    var body = JSON.stringify({ subContentId: item.part, dataType: item.type, data: item.data });
    fetch(item.activity.userDataUrl, {
      method: "POST",
      credentials: "same-origin",
      keepalive: body.length < 60000, // still sent when the learner leaves the lesson right after
      headers: { "Content-Type": "application/json", "X-CSRFToken": relay.csrfToken },
      body: body
    }).then(function (response) {
      sendingState = false;
      var status = response.status;
      // Session ended, throttled or server trouble: kept and sent again later (a newer save of the
      // same part replaces it). Stored or refused for good: it leaves.
      if (status === 403 || status === 408 || status === 429 || status >= 500) { retryStates(); return; }
      if (!response.ok && window.console) console.warn("Saved answers refused", status);
      pendingStates = pendingStates.filter(function (p) { return p !== item; });
      stateRetryDelay = 2000;
      sendStates();
    }, function () {
      sendingState = false;
      retryStates();
    });
  }

  function retryStates() {
    if (stateRetryTimer) return;
    stateRetryTimer = setTimeout(function () { stateRetryTimer = null; sendStates(); }, stateRetryDelay);
    stateRetryDelay = Math.min(stateRetryDelay * 2, 60000);
  }

  window.addEventListener("message", function (event) {
    var activity = activityOf(event.source);
    var data = event.data;
    if (!activity || event.origin !== activity.origin || !isObject(data) || data.block !== activity.block) return;
    activity.heard = true;
    if (data.type === "sangkat-h5p-hello") {
      if (activity.ready) start(activity, event.source);
    } else if (data.type === "sangkat-h5p-user-data") {
      keep(activity, data);
    } else if (data.type === "sangkat-h5p-height") {
      if (typeof data.height === "number" && isFinite(data.height)) {
        activity.frame.style.height = Math.round(Math.min(Math.max(data.height, 120), 4000)) + "px";
      }
    } else if (data.type === "sangkat-h5p-statement") {
      record(activity, data.statement);
    }
  });

  // ---- offline ----
  // A saved lesson opens offline, but its player cannot: browsers never let the service worker serve
  // a sandboxed (opaque-origin) frame or what it loads. Instead of the browser's error page in the
  // frame, the lesson says the activity needs the internet, and loads it once back online. (A player
  // that loaded before the connection dropped keeps working: its statements wait in the queue.)
  // With H5P_PACKAGE_ORIGIN, the player keeps its package's own origin, whose service worker serves a
  // saved course's player offline; the notice shows only when it stays silent (a course not saved).
  function notice(activity) {
    var figure = activity.frame.parentNode;
    return figure ? figure.querySelector(".h5p-offline") : null;
  }

  function offlineNotice(activity) {
    var message = notice(activity);
    if (navigator.onLine || !message) return;
    // On its package's own origin, a saved course's player comes from that origin's service worker:
    // the notice replaces the frame only when the player does not speak up in time.
    if (activity.origin !== "null" && !activity.gaveUp) {
      activity.gaveUp = true;
      setTimeout(function () { if (!activity.heard) offlineNotice(activity); }, OWN_ORIGIN_WAIT_MS);
      return;
    }
    message.hidden = false;
    activity.frame.hidden = true;
    activity.failedOffline = true;
  }

  function backOnline(activity) {
    var message = notice(activity);
    if (!activity.failedOffline) return;
    activity.failedOffline = false;
    activity.gaveUp = false;
    if (message) message.hidden = true;
    activity.frame.hidden = false;
    activity.ready = false;
    activity.frame.src = activity.frame.src; // the player again, now from the network
    loadSaved(activity);
  }

  // The origin the block's player speaks from: its package's own (an http(s) origin the server wrote
  // into the lesson), or the opaque sandbox's "null".
  function ownOrigin(frame) {
    var origin = frame.getAttribute("data-origin");
    if (!origin) return "null";
    try { return new URL(origin).origin === origin ? origin : "null"; } catch (e) { return "null"; }
  }

  var frames = document.querySelectorAll("iframe.h5p-frame");
  for (var i = 0; i < frames.length; i++) {
    var own = readConfig("h5p-activity-" + frames[i].getAttribute("data-block"));
    if (!own) continue;
    if (!relay && own.actor) {
      relay = { actor: own.actor, csrfToken: own.csrfToken, statementsUrl: own.statementsUrl, queueKey: own.queueKey };
    }
    var activity = {
      frame: frames[i], block: own.block, activity: own.activity, lesson: own.lesson,
      origin: ownOrigin(frames[i]), heard: false, gaveUp: false,
      userDataUrl: own.userDataUrl || "", ready: false, save: false, states: null
    };
    activities.push(activity);
    frames[i].addEventListener("load", listening.bind(null, activity));
    loadSaved(activity);
    offlineNotice(activity);
  }
  window.addEventListener("online", function () { activities.forEach(backOnline); });
  window.addEventListener("online", flush);
  window.addEventListener("online", sendStates);
  // Once every deferred script ran (cms/offline.js listens by then): what waits from an earlier visit.
  document.addEventListener("DOMContentLoaded", function () { if (relay) announce(queue().length); });
  flush(); // statements left from an earlier visit
})();
