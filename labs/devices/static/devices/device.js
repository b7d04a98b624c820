// On a registered center device. "Switch learner": first send what this learner still has queued
// (her xAPI statements, kept under her own key), then forget everything this browser keeps for the
// site and sign out. The server also sends Clear-Site-Data on that sign-out; this covers browsers
// that ignore it. With no learner signed in, nothing of anyone is kept either.
(function () {
  "use strict";
  var SEND_TIMEOUT = 5000;

  function forgetEverything() {
    try { window.localStorage.clear(); } catch (e) { /* blocked */ }
    try { window.sessionStorage.clear(); } catch (e) { /* blocked */ }
    try {
      if (window.indexedDB && indexedDB.databases) {
        indexedDB.databases().then(function (dbs) {
          dbs.forEach(function (db) { if (db.name) indexedDB.deleteDatabase(db.name); });
        }, function () {});
      }
    } catch (e) { /* not supported */ }
  }

  function pending(key) {
    try { return JSON.parse(localStorage.getItem(key)) || []; } catch (e) { return []; }
  }

  // Send the queue one statement at a time; whatever happens, resolve (the sign-out goes on).
  function sendQueue(key, url, token) {
    var queue = pending(key);
    return queue.reduce(function (chain, statement) {
      return chain.then(function () {
        return fetch(url, {
          method: "POST", credentials: "same-origin",
          headers: { "Content-Type": "application/json", "X-Experience-API-Version": "1.0.3", "X-CSRFToken": token },
          body: JSON.stringify(statement)
        }).then(function () {}, function () {});
      });
    }, Promise.resolve());
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
