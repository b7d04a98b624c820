// Sangkat's demo SCO (package code, like any author's): pages, a question, and the SCORM calls an
// authoring tool makes. It finds the API the usual way (this window, then its parents), resumes at
// the saved page with the saved answer, and commits on every page turn.
(function () {
  "use strict";
  var course = JSON.parse(document.getElementById("course").textContent);
  function find(name) {
    var win = window;
    for (var i = 0; win && i < 10; i++) {
      try { if (win[name]) return win[name]; } catch (e) { /* another origin */ }
      if (win.parent === win) break;
      win = win.parent;
    }
    return null;
  }
  var api12 = find("API");
  var api2004 = api12 ? null : find("API_1484_11");
  var is12 = !!api12;
  var api = api12 || api2004;
  function call(name12, name2004) {
    var args = Array.prototype.slice.call(arguments, 2);
    if (!api) return "";
    return is12 ? api[name12].apply(api, args) : api[name2004].apply(api, args);
  }
  var started = new Date();
  var state = { answer: null };
  var page = 0;
  call("LMSInitialize", "Initialize", "");
  var entry = call("LMSGetValue", "GetValue", is12 ? "cmi.core.entry" : "cmi.entry");
  var location = call("LMSGetValue", "GetValue", is12 ? "cmi.core.lesson_location" : "cmi.location");
  var saved = call("LMSGetValue", "GetValue", "cmi.suspend_data");
  if (/^\d+$/.test(location || "")) page = Math.min(parseInt(location, 10), course.pages.length);
  try { if (saved) state = JSON.parse(saved); } catch (e) { state = { answer: null }; }
  if (entry === "resume" && page > 0) document.getElementById("welcome-back").hidden = false;

  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function sessionTime() {
    var seconds = Math.round((new Date() - started) / 1000);
    if (!is12) return "PT" + seconds + "S";
    return pad(Math.floor(seconds / 3600)) + ":" + pad(Math.floor(seconds / 60) % 60) + ":" + pad(seconds % 60);
  }
  function save() {
    call("LMSSetValue", "SetValue", is12 ? "cmi.core.lesson_location" : "cmi.location", String(page));
    call("LMSSetValue", "SetValue", "cmi.suspend_data", JSON.stringify(state));
    call("LMSSetValue", "SetValue", is12 ? "cmi.core.session_time" : "cmi.session_time", sessionTime());
    if (page >= course.pages.length - 1) {
      if (!is12) call("", "SetValue", "cmi.progress_measure", "1");
      // A part without a question is done once read to its last page.
      if (course.correct === null) {
        call("LMSSetValue", "SetValue", is12 ? "cmi.core.lesson_status" : "cmi.completion_status", "completed");
      }
    }
    call("LMSCommit", "Commit", "");
  }
  function finish(passed, scaled) {
    if (is12) {
      call("LMSSetValue", "", "cmi.core.score.raw", String(Math.round(scaled * 100)));
      call("LMSSetValue", "", "cmi.core.score.min", "0");
      call("LMSSetValue", "", "cmi.core.score.max", "100");
      call("LMSSetValue", "", "cmi.core.lesson_status", passed ? "passed" : "failed");
    } else {
      call("", "SetValue", "cmi.score.scaled", String(scaled));
      call("", "SetValue", "cmi.score.raw", String(Math.round(scaled * 100)));
      call("", "SetValue", "cmi.score.min", "0");
      call("", "SetValue", "cmi.score.max", "100");
      call("", "SetValue", "cmi.completion_status", "completed");
      call("", "SetValue", "cmi.success_status", passed ? "passed" : "failed");
      call("", "SetValue", "cmi.interactions.0.id", "q1");
      call("", "SetValue", "cmi.interactions.0.type", "choice");
      call("", "SetValue", "cmi.interactions.0.learner_response", String(state.answer));
      call("", "SetValue", "cmi.interactions.0.result", passed ? "correct" : "incorrect");
    }
    save();
  }
  function show() {
    var pages = document.querySelectorAll(".page");
    for (var i = 0; i < pages.length; i++) pages[i].hidden = i !== page;
    document.getElementById("page-number").textContent = String(page + 1);
    document.getElementById("back").disabled = page === 0;
    document.getElementById("next").hidden = page >= pages.length - 1;
    var chosen = document.querySelector('input[name="answer"][value="' + state.answer + '"]');
    if (chosen) chosen.checked = true;
  }
  document.getElementById("next").addEventListener("click", function () { page += 1; save(); show(); });
  document.getElementById("back").addEventListener("click", function () { page -= 1; save(); show(); });
  var check = document.getElementById("check");
  if (check) check.addEventListener("click", function () {
    var chosen = document.querySelector('input[name="answer"]:checked');
    if (!chosen) return;
    state.answer = chosen.value;
    var passed = chosen.value === course.correct;
    document.getElementById("feedback").textContent = passed ? course.right : course.wrong;
    finish(passed, passed ? 1 : 0);
  });
  window.addEventListener("pagehide", function () {
    call("LMSSetValue", "SetValue", is12 ? "cmi.core.exit" : "cmi.exit", "suspend");
    call("LMSSetValue", "SetValue", is12 ? "cmi.core.session_time" : "cmi.session_time", sessionTime());
    call("LMSFinish", "Terminate", "");
  });
  show();
  document.documentElement.setAttribute("data-sco-ready", api ? (is12 ? "1.2" : "2004") : "no-api");
})();
