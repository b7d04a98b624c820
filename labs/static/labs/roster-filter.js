// Search as you type on the attendance roster: hides the rows whose name does not contain what is
// typed (any case, any script). Without JavaScript the search box stays hidden and the list is whole.
(function () {
  "use strict";
  var input = document.getElementById("roster-search");
  var list = document.getElementById("registered");
  if (!input || !list) return;
  input.parentNode.hidden = false;
  var rows = Array.prototype.slice.call(list.querySelectorAll(".roster-row"));
  var names = rows.map(function (row) { return (row.querySelector("span") || row).textContent.toLocaleLowerCase(); });
  input.addEventListener("input", function () {
    var wanted = input.value.trim().toLocaleLowerCase();
    rows.forEach(function (row, i) { row.hidden = wanted !== "" && names[i].indexOf(wanted) < 0; });
  });
  // After a tap, the next name is typed from scratch: clear and keep the keyboard up.
  list.addEventListener("submit", function () {
    if (!input.value) return;
    setTimeout(function () { input.value = ""; input.dispatchEvent(new Event("input")); input.focus(); }, 0);
  });
})();
