// Attendance that survives a dropped connection: each mark is queued in localStorage with a key
// made on this device, and re-sent until the server answers. The server ignores a key it has seen,
// so a mark sent twice is stored once. Without JavaScript the same forms post normally.
(function () {
  "use strict";
  var KEY = "sangkat-attendance-queue";
  var status = document.getElementById("queue-status");
  var counter = document.getElementById("present-count");

  function uuid4() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    var h = Array.prototype.map.call(b, function (x) { return ("0" + x.toString(16)).slice(-2); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function load() { try { return JSON.parse(localStorage.getItem(KEY) || "[]"); } catch (e) { return []; } }
  function save(queue) { localStorage.setItem(KEY, JSON.stringify(queue)); show(queue); }
  function show(queue) {
    if (!status) return;
    status.hidden = false;
    status.textContent = queue.length ? status.dataset.pending.replace("%(n)s", queue.length) : status.dataset.sent;
    status.dataset.count = queue.length;
  }
  var flushing = false;
  function flush() {
    if (flushing) return;
    var queue = load();
    if (!queue.length) { show(queue); return; }
    flushing = true;
    var item = queue[0];
    var body = new URLSearchParams(item.fields);
    fetch(item.url, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json", "X-CSRFToken": item.fields.csrfmiddlewaretoken },
    }).then(function (response) {
      // A server error is retried later; a refusal (4xx) is final and shown.
      if (response.status >= 500) throw new Error("server " + response.status);
      return response.json().then(function (data) { return { ok: response.ok, data: data }; },
        function () { return { ok: false, data: { error: response.statusText || String(response.status) } }; });
    }).then(function (result) {
      var rest = load().filter(function (q) { return q.fields.client_key !== item.fields.client_key; });
      save(rest);
      if (!result.ok && result.data && result.data.error) { alert(result.data.error); }
      flushing = false;
      if (rest.length) flush();
    }).catch(function () { flushing = false; show(load()); });  // offline: try again later
  }

  document.querySelectorAll("form[data-offline]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var fields = {};
      new FormData(form).forEach(function (value, name) { fields[name] = value; });
      if (!fields.client_key) fields.client_key = uuid4();
      if (fields.action === "walkin" && !String(fields.nickname || "").trim()) { form.reportValidity(); return; }
      var queue = load();
      queue.push({ url: form.getAttribute("action"), fields: fields, at: Date.now() });
      save(queue);
      if (counter) counter.textContent = String(parseInt(counter.textContent || "0", 10) + 1);
      if (fields.action === "present") {
        var button = form.querySelector("button");
        button.textContent = "✓";
        button.disabled = true;
      } else if (fields.action === "walkin") {
        var list = document.getElementById("others");
        var li = document.createElement("li");
        li.className = "roster-row";
        li.textContent = fields.nickname;
        list.appendChild(li);
        form.reset();
        form.querySelector("[name=client_key]").value = uuid4();
      }
      flush();
    });
  });
  window.addEventListener("online", flush);
  setInterval(flush, 15000);
  flush();
})();
