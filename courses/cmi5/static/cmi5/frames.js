// On a lesson page: the learner's side of a cmi5 block. A button launches one AU: the server (with
// her session and CSRF token) makes the launch and answers the AU's URL with the cmi5 launch
// parameters; the AU opens in the block's sandboxed frame, an opaque origin without her cookies,
// and talks to the LRS with the one-time token of its fetch URL.
(function () {
  "use strict";
  function readConfig(id) {
    var node = document.getElementById(id);
    if (!node) return null;
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }
  document.querySelectorAll(".cmi5-course").forEach(function (section) {
    if (section.dataset.cmi5Ready) return;
    section.dataset.cmi5Ready = "1";
    var config = readConfig("cmi5-config-" + section.id.slice(5)) || {};
    var error = section.querySelector(".cmi5-error");
    section.querySelectorAll(".cmi5-launch").forEach(function (button) {
      button.addEventListener("click", function () {
        var frame = document.getElementById(button.dataset.frame);
        button.disabled = true;
        error.hidden = true;
        fetch(button.dataset.launch, {
          method: "POST", credentials: "same-origin",
          headers: { "X-CSRFToken": config.csrfToken || "", "Accept": "application/json" }
        }).then(function (response) {
          return response.json().then(function (body) { return { ok: response.ok, body: body }; });
        }).then(function (answer) {
          button.disabled = false;
          if (!answer.ok || !answer.body.url) throw new Error(answer.body.error || "");
          frame.hidden = false;
          frame.src = answer.body.url;
          frame.focus();
        }).catch(function (problem) {
          button.disabled = false;
          error.textContent = (problem && problem.message) || error.dataset.offline || "";
          error.hidden = false;
        });
      });
    });
  });
})();
