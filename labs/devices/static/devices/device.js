// On a registered center device. "Switch learner": first send what this learner still has queued
// (her xAPI statements, kept under her own key), then forget what this browser keeps for the site,
// but the learners' own offline queues, and sign out. The server also sends Clear-Site-Data ("cache")
// on that sign-out. With no learner signed in, nothing of anyone is kept but those queues.
(function () {
  "use strict";
  var SEND_TIMEOUT = 5000;

  // Everything this browser keeps for the site, but the learners' own offline queues: those stay,
  // each under its learner's id, and are sent only while she is signed in again (offline.js and the
  // server both check; docs/security.md). Her saved courses and the "who saved them" pointer go.
  var KEEP_DB = "sangkat-offline", KEEP_KEY = "sangkat-xapi-queue-";

  function forgetEverything() {
    try {
      for (var i = localStorage.length - 1; i >= 0; i--) {
        var key = localStorage.key(i);
        if (key && (key.indexOf(KEEP_KEY) !== 0 || !pending(key).length)) localStorage.removeItem(key);
      }
    } catch (e) { /* blocked */ }
    try { window.sessionStorage.clear(); } catch (e) { /* blocked */ }
    try {
      if (window.indexedDB && indexedDB.databases) {
        indexedDB.databases().then(function (dbs) {
          dbs.forEach(function (db) { if (db.name && db.name !== KEEP_DB) indexedDB.deleteDatabase(db.name); });
        }, function () {});
      }
    } catch (e) { /* not supported */ }
    try {
      if (window.caches) {
        caches.keys().then(function (names) {
          names.forEach(function (name) {
            if (name === "sangkat-meta" || name.indexOf("sangkat-course-") === 0) caches.delete(name);
          });
        }, function () {});
      }
    } catch (e) { /* not supported */ }
  }

  function pending(key) {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
  }

  // Send the queue one statement at a time; what was taken (or refused for good) leaves it, what
  // could not be sent stays under her key. Whatever happens, resolve (the sign-out goes on).
  function sendQueue(key, url, token) {
    var left = [];
    return pending(key).reduce(function (chain, statement) {
      return chain.then(function () {
        return fetch(url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3", "X-CSRFToken": token },
          body: JSON.stringify(statement)
        }).then(function (response) {
          if (response.status >= 500 || response.status === 401 || response.status === 429) left.push(statement);
        }, function () { left.push(statement); });
      });
    }, Promise.resolve()).then(function () {
      try {
        if (left.length) localStorage.setItem(key, JSON.stringify(left)); else localStorage.removeItem(key);
      } catch (e) { /* blocked */ }
    });
  }

  var form = document.getElementById("switch-learner");
  if (!form) {
    forgetEverything();
    return;
  }
  var leaving = false;
  form.addEventListener("submit", function (event) {
    if (leaving) return;
    event.preventDefault();
    leaving = true;
    var button = form.querySelector("button");
    if (button) button.disabled = true;
    var token = (form.querySelector("input[name=csrfmiddlewaretoken]") || {}).value || "";
    var done = false;
    function finish() {
      if (done) return;
      done = true;
      forgetEverything();
      form.submit();
    }
    setTimeout(finish, SEND_TIMEOUT);
    sendQueue(form.dataset.queueKey, form.dataset.statementsUrl, token).then(finish, finish);
  });
})();
