// Nhiệm vụ: small progressive enhancements; every page works without them.
(function () {
  "use strict";

  // The same fold as the server's search: lower case, no diacritics, đ as d.
  function fold(text) {
    return text.replace(/[đĐ]/g, "d").normalize("NFD").replace(/[\u0300-\u036f]/g, "")
      .toLowerCase().replace(/\s+/g, " ").trim();
  }

  // A unit picker: typing in the box above a <select> hides the options that do not match.
  function filterUnits(input) {
    var select = document.getElementById(input.getAttribute("data-filter-for"));
    if (!select) { return; }
    var query = fold(input.value);
    var firstMatch = null;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { return; }
      var match = !query || (option.getAttribute("data-search") || "").indexOf(query) !== -1;
      option.hidden = !match;
      if (match && !firstMatch) { firstMatch = option; }
    });
    if (!select.multiple && query && firstMatch && select.selectedOptions.length &&
        select.selectedOptions[0].hidden) {
      select.value = firstMatch.value;
    }
    if (!select.multiple && query && firstMatch && !select.value) {
      select.value = firstMatch.value;
    }
  }

  // A task row: the due date or the reporting cadence, as the radio says.
  function syncSchedule(row) {
    var chosen = row.querySelector("input[type=radio][name$='-schedule']:checked");
    if (!chosen) { return; }
    var undated = chosen.value === "cadence";
    var due = row.querySelector("input[name$='-due_on']");
    var cadence = row.querySelector("select[name$='-cadence']");
    if (due) { due.closest(".field").classList.toggle("muted", undated); }
    if (cadence) { cadence.closest(".field").classList.toggle("muted", !undated); }
  }

  function init(root) {
    root.querySelectorAll("input[data-filter-for]").forEach(function (input) {
      if (input.value) { filterUnits(input); }
    });
    root.querySelectorAll(".task-row").forEach(syncSchedule);
  }

  document.addEventListener("input", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[data-filter-for]")) { filterUnits(target); }
  });
  document.addEventListener("change", function (event) {
    var row = event.target.closest && event.target.closest(".task-row");
    if (row) { syncSchedule(row); }
  });
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:afterSettle", function (event) {
    init(event.target);
    // After an in-place update, keyboard and screen-reader users land on what it says.
    var message = document.querySelector("#task-panel .alert, #task-panel .flash");
    if (message) {
      message.setAttribute("tabindex", "-1");
      message.focus();
    }
  });
})();
