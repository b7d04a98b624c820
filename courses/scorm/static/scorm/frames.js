// On a lesson page: the side of each SCORM block that holds the learner's session.
// The SCO runs in an opaque-origin sandbox and can only post messages here. A message counts only
// when it comes from that block's own frame and has the expected shape. Each commit gets an id made
// here and waits in a queue in localStorage (one per learner) until the server has it: a dropped
// connection loses nothing, is retried with backoff, and a retry never counts twice (the server
// keeps the ids it has applied). Items of a multi-SCO package: the list (choice) and Previous/Next
// (flow) load another SCO into the frame once the queue is empty (or after a short wait).
(function () {
  "use strict";
  if (window.sangkatScormFrames) return;
  window.sangkatScormFrames = true;

  var MAX_QUEUE = 500;
  var MAX_COMMIT_CHARS = 1000000;
  var blocks = [];
  var memoryQueues = {};
  var sending = false;
  var retryDelay = 2000;
  var retryTimer = null;

  function isObject(value) { return value !== null && typeof value === "object" && !Array.isArray(value); }

  function uuid4() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    var bytes = crypto.getRandomValues(new Uint8Array(16));
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    var hex = Array.prototype.map.call(bytes, function (b) { return (b + 0x100).toString(16).slice(1); }).join("");
    return hex.slice(0, 8) + "-" + hex.slice(8, 12) + "-" + hex.slice(12, 16) + "-" + hex.slice(16, 20) + "-" + hex.slice(20);
  }

  function queueKey() { return blocks.length ? blocks[0].config.queueKey : ""; }

  function loadQueue() {
    var key = queueKey();
    if (!key) return [];
    try { return JSON.parse(localStorage.getItem(key)) || memoryQueues[key] || []; } catch (e) { return memoryQueues[key] || []; }
  }

  function saveQueue(pending) {
    var key = queueKey();
    memoryQueues[key] = pending;
    try { localStorage.setItem(key, JSON.stringify(pending)); } catch (e) { /* full or blocked: kept in memory */ }
    showWaiting(pending.length > 0 && retryTimer !== null);
  }

  function showWaiting(waiting) {
    blocks.forEach(function (block) {
      var note = block.figure.querySelector(".scorm-unsaved");
      if (note) note.hidden = !waiting;
      block.figure.setAttribute("data-scorm-pending", String(loadQueueLength()));
    });
  }

  function loadQueueLength() { try { return loadQueue().length; } catch (e) { return 0; } }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = setTimeout(function () { retryTimer = null; flush(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 60000);
    showWaiting(true);
  }

  function flush() {
    if (sending) return;
    var pending = loadQueue();
    showWaiting(pending.length > 0 && retryTimer !== null);
    if (!pending.length) { idle(); return; }
    sending = true;
    var entry = pending[0];
    var body = JSON.stringify(entry.body);
    fetch(entry.url, {
      method: "POST",
      credentials: "same-origin",
      keepalive: body.length < 60000,
      headers: { "Content-Type": "application/json", "X-CSRFToken": entry.csrf },
      body: body
    }).then(function (response) {
      sending = false;
      var status = response.status;
      // Session ended, throttled or server trouble: kept and sent again later. Stored (or refused
      // for good: too big, malformed, not hers): it leaves the queue.
      if (status === 403 || status === 408 || status === 429 || status >= 500) { scheduleRetry(); return; }
      if (!response.ok && window.console) console.warn("SCORM commit refused", status);
      saveQueue(loadQueue().filter(function (item) { return item.body.commitId !== entry.body.commitId; }));
      retryDelay = 2000;
      flush();
    }, function () {
      sending = false;
      scheduleRetry();
    });
  }

  var whenIdle = [];
  function idle() {
    showWaiting(false);
    whenIdle.splice(0).forEach(function (fn) { fn(); });
  }

  function afterQueue(fn) {
    // Load the next SCO with the data just committed; never wait long for a slow connection.
    if (!loadQueue().length) { fn(); return; }
    var done = false;
    var once = function () { if (!done) { done = true; fn(); } };
    whenIdle.push(once);
    setTimeout(once, 4000);
    flush();
  }

  function record(block, data) {
    if (!block.config.commitUrl || typeof data.sco !== "string" || typeof data.session !== "string" ||
        !isObject(data.cmi) || indexOf(block, data.sco) < 0) return; // the SCO left may still commit
    var text;
    try { text = JSON.stringify(data.cmi); } catch (e) { return; }
    if (text.length > MAX_COMMIT_CHARS) return;
    var pending = loadQueue();
    if (pending.length >= MAX_QUEUE) pending.shift();
    pending.push({
      url: block.config.commitUrl, csrf: block.config.csrfToken,
      body: { sco: data.sco, commitId: uuid4(), session: data.session, cmi: JSON.parse(text) }
    });
    saveQueue(pending);
    flush();
  }

  function items(block) { return block.config.items || []; }

  function indexOf(block, identifier) {
    var list = items(block);
    for (var i = 0; i < list.length; i++) if (list[i].identifier === identifier) return i;
    return -1;
  }

  function open(block, index) {
    var list = items(block);
    if (index < 0 || index >= list.length) return;
    afterQueue(function () {
      block.frame.setAttribute("data-sco", list[index].identifier);
      block.frame.src = list[index].url;
      var buttons = block.figure.querySelectorAll(".scorm-item");
      for (var i = 0; i < buttons.length; i++) {
        if (buttons[i].getAttribute("data-sco") === list[index].identifier) buttons[i].setAttribute("aria-current", "step");
        else buttons[i].removeAttribute("aria-current");
      }
      updateFlow(block);
    });
  }

  function updateFlow(block) {
    var at = indexOf(block, block.frame.getAttribute("data-sco"));
    var previous = block.figure.querySelector(".scorm-previous");
    var next = block.figure.querySelector(".scorm-next");
    if (previous) previous.disabled = at <= 0;
    if (next) next.disabled = at < 0 || at >= items(block).length - 1;
  }

  function navigate(block, data) {
    var at = indexOf(block, block.frame.getAttribute("data-sco"));
    if (data.request === "next") open(block, at + 1);
    else if (data.request === "previous") open(block, at - 1);
    else if (data.request === "choice" && typeof data.target === "string") {
      // SCORM 2004 names the target as {target=ID}choice, or scorm-again hands the id itself.
      var match = /^\{target=([^}]+)\}/.exec(data.target);
      var index = indexOf(block, match ? match[1] : data.target);
      if (index >= 0) open(block, index);
    }
  }

  function blockOf(source) {
    for (var i = 0; i < blocks.length; i++) if (source && blocks[i].frame.contentWindow === source) return blocks[i];
    return null;
  }

  window.addEventListener("message", function (event) {
    var block = blockOf(event.source);
    var data = event.data;
    if (!block || event.origin !== "null" || !isObject(data) || data.block !== block.config.block) return;
    if (data.type === "sangkat-scorm-commit") record(block, data);
    else if (data.type === "sangkat-scorm-nav") navigate(block, data);
    else if (data.type === "sangkat-scorm-hello") block.figure.setAttribute("data-scorm-loaded", data.sco);
  });

  var figures = document.querySelectorAll("figure.scorm-activity");
  for (var i = 0; i < figures.length; i++) {
    var id = figures[i].getAttribute("data-block");
    var node = document.getElementById("scorm-config-" + id);
    var frame = figures[i].querySelector("iframe.scorm-frame");
    if (!node || !frame) continue;
    var config;
    try { config = JSON.parse(node.textContent); } catch (e) { continue; }
    var block = { figure: figures[i], frame: frame, config: config };
    blocks.push(block);
    (function (block) {
      var buttons = block.figure.querySelectorAll(".scorm-item");
      for (var j = 0; j < buttons.length; j++) {
        buttons[j].addEventListener("click", function (event) {
          open(block, indexOf(block, event.currentTarget.getAttribute("data-sco")));
        });
      }
      var previous = block.figure.querySelector(".scorm-previous");
      var next = block.figure.querySelector(".scorm-next");
      if (previous) previous.addEventListener("click", function () { navigate(block, { request: "previous" }); });
      if (next) next.addEventListener("click", function () { navigate(block, { request: "next" }); });
      updateFlow(block);
    })(block);
  }
  window.addEventListener("online", flush);
  flush(); // commits left from an earlier visit (Wi-Fi down when she left)
})();
