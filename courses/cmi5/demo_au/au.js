// Sangkat's demo cmi5 AU: plain JavaScript talking xAPI with fetch, no library.
// cmi5 flow: read the launch parameters, POST the fetch URL once for the auth token, read
// LMS.LaunchData (contextTemplate, masteryScore, returnURL), send "initialized", resume the saved
// answers from the State resource, save each answer there, send "completed" and "passed"/"failed"
// when every question is answered, and "terminated" when the learner leaves.
(function () {
  "use strict";
  var course = JSON.parse(document.getElementById("course").textContent);
  var params = new URLSearchParams(location.search);
  var endpoint = params.get("endpoint"), actor = JSON.parse(params.get("actor") || "null");
  var registration = params.get("registration"), activityId = params.get("activityId");
  var token = null, launchData = null, answers = {}, terminated = false, started = Date.now();
  var status = document.getElementById("status");

  function headers(extra) {
    var all = { "Authorization": "Basic " + token, "X-Experience-API-Version": "1.0.3" };
    for (var key in extra || {}) all[key] = extra[key];
    return all;
  }
  function stateUrl(stateId) {
    return endpoint + "activities/state?" + new URLSearchParams({
      activityId: activityId, agent: JSON.stringify(actor), registration: registration, stateId: stateId
    });
  }
  function uuid4() { return crypto.randomUUID(); }
  function statement(verb, extra) {
    var context = JSON.parse(JSON.stringify(launchData.contextTemplate));
    context.registration = registration;
    context.contextActivities = context.contextActivities || {};
    context.contextActivities.category = [{ id: "https://w3id.org/xapi/cmi5/context/categories/cmi5" }];
    if (extra && extra.moveOn) context.contextActivities.category.push({ id: "https://w3id.org/xapi/cmi5/context/categories/moveon" });
    var sent = {
      id: uuid4(), actor: actor, timestamp: new Date().toISOString(),
      verb: { id: verb, display: { "en-US": verb.split("/").pop() } },
      object: { objectType: "Activity", id: activityId }, context: context
    };
    if (extra && extra.result) sent.result = extra.result;
    return sent;
  }
  function send(verb, extra, keepalive) {
    return fetch(endpoint + "statements", {
      method: "POST", keepalive: !!keepalive,
      headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify([statement(verb, extra)])
    }).then(function (response) { if (!response.ok) throw new Error("xAPI " + response.status); });
  }
  function duration() { return "PT" + ((Date.now() - started) / 1000).toFixed(2) + "S"; }
  function save() {
    return fetch(stateUrl("sangkat.answers"), {
      method: "PUT", headers: headers({ "Content-Type": "application/json" }), body: JSON.stringify(answers)
    });
  }

  function show() {
    var done = 0, right = 0;
    course.questions.forEach(function (question, index) {
      var chosen = answers[index];
      var box = document.getElementById("q" + index);
      box.querySelectorAll("input").forEach(function (input) { input.checked = String(chosen) === input.value; });
      var feedback = box.querySelector(".feedback");
      if (chosen === undefined) { feedback.textContent = ""; return; }
      done += 1;
      if (chosen === question.correct) right += 1;
      feedback.textContent = chosen === question.correct ? course.ui.right : course.ui.wrong;
    });
    document.getElementById("progress").textContent = course.ui.answered.replace("%s", done).replace("%t", course.questions.length);
    return { done: done, right: right };
  }

  function finishIfDone(summary) {
    if (summary.done < course.questions.length || answers.finished) return Promise.resolve();
    var scaled = summary.right / course.questions.length;
    var mastery = launchData.masteryScore;
    var passed = mastery === undefined || scaled >= mastery;
    answers.finished = true;
    return save().then(function () {
      return send("http://adlnet.gov/expapi/verbs/completed", { moveOn: true, result: { completion: true, duration: duration() } });
    }).then(function () {
      return send("http://adlnet.gov/expapi/verbs/" + (passed ? "passed" : "failed"), {
        moveOn: true, result: { success: passed, score: { scaled: scaled }, duration: duration() }
      });
    }).then(function () { status.textContent = course.ui.finished; });
  }

  function leave() {
    if (terminated || !token) return;
    terminated = true;
    send("http://adlnet.gov/expapi/verbs/terminated", { result: { duration: duration() } }, true).catch(function () {});
  }

  function build() {
    var list = document.getElementById("questions");
    course.questions.forEach(function (question, index) {
      var box = document.createElement("fieldset");
      box.id = "q" + index;
      var legend = document.createElement("legend");
      legend.textContent = question.prompt;
      box.appendChild(legend);
      question.answers.forEach(function (text, value) {
        var label = document.createElement("label");
        var input = document.createElement("input");
        input.type = "radio"; input.name = "q" + index; input.value = String(value);
        input.addEventListener("change", function () {
          answers[index] = value;
          var summary = show();
          save().then(function () { return finishIfDone(summary); }).then(function () {
            if (!answers.finished) status.textContent = course.ui.saved;
          }).catch(function () { status.textContent = course.ui.offline; });
        });
        label.appendChild(input);
        label.appendChild(document.createTextNode(" " + text));
        box.appendChild(label);
        box.appendChild(document.createElement("br"));
      });
      var feedback = document.createElement("p");
      feedback.className = "feedback"; feedback.setAttribute("role", "status");
      box.appendChild(feedback);
      list.appendChild(box);
    });
    document.getElementById("exit").addEventListener("click", function () {
      leave();
      if (launchData && launchData.returnURL) location.href = launchData.returnURL;
    });
  }

  build();
  fetch(params.get("fetch"), { method: "POST" }).then(function (r) { return r.json(); }).then(function (body) {
    if (!body["auth-token"]) throw new Error(body["error-text"] || "fetch");
    token = body["auth-token"];
    return fetch(stateUrl("LMS.LaunchData"), { headers: headers() });
  }).then(function (r) { return r.json(); }).then(function (data) {
    launchData = data;
    return send("http://adlnet.gov/expapi/verbs/initialized");
  }).then(function () {
    return fetch(stateUrl("sangkat.answers"), { headers: headers() });
  }).then(function (r) { return r.status === 200 ? r.json() : {}; }).then(function (saved) {
    answers = saved || {};
    if (Object.keys(answers).length) document.getElementById("welcome-back").hidden = false;
    show();
    document.body.dataset.ready = "1";
    addEventListener("pagehide", leave);
  }).catch(function (problem) {
    status.textContent = course.ui.broken + " (" + problem.message + ")";
  });
})();
