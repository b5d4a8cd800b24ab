// Diagrams in the bpmn-js navigated viewer (vendor/bpmn-js): every `.bpmn-canvas[data-bpmn-src]`
// loads its BPMN from the page's own site and marks elements by the ids in `data-markers`
// ({"css class": [element ids]}, applied in that order). The page says the same in words; the
// drawing is an addition for those who see it.
(function () {
  "use strict";

  function markers(el) {
    try {
      return JSON.parse(el.getAttribute("data-markers") || "{}");
    } catch (e) {
      return {};
    }
  }

  function failed(el, message) {
    el.classList.add("is-failed");
    el.textContent = message;
  }

  function show(el) {
    if (el.getAttribute("data-diagram") || typeof window.BpmnJS !== "function") { return; }
    el.setAttribute("data-diagram", "loading");
    var viewer = new window.BpmnJS({ container: el });
    fetch(el.getAttribute("data-bpmn-src"), { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.text();
      })
      .then(function (xml) { return viewer.importXML(xml); })
      .then(function () {
        var canvas = viewer.get("canvas");
        var registry = viewer.get("elementRegistry");
        var wanted = markers(el);
        Object.keys(wanted).forEach(function (marker) {
          (wanted[marker] || []).forEach(function (id) {
            if (registry.get(id)) { canvas.addMarker(id, marker); }
          });
        });
        canvas.zoom("fit-viewport", "auto");
        el.setAttribute("data-diagram", "ready");
        el.dispatchEvent(new CustomEvent("diagram:ready", { bubbles: true, detail: viewer }));
      })
      .catch(function () {
        el.setAttribute("data-diagram", "failed");
        failed(el, "Không hiển thị được sơ đồ; xem danh sách các bước bên dưới.");
      });
  }

  function init(root) {
    root.querySelectorAll(".bpmn-canvas[data-bpmn-src]").forEach(show);
  }

  document.addEventListener("DOMContentLoaded", function () { init(document); });
  // htmx swaps the task panel after an action: its new diagram shows where the task is now.
  document.addEventListener("htmx:afterSettle", function (event) { init(event.target); });
})();
