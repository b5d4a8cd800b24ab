// Diagrams in the bpmn-js navigated viewer (vendor/bpmn-js): every `.bpmn-canvas[data-bpmn-src]`
// loads its BPMN from the page's own site and marks elements by the ids in `data-markers`
// ({"css class": [element ids]}, applied in that order) and brings those in `data-focus`
// (space-separated ids) into view. The page says the same in words; the
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

  // Show the elements named in `data-focus` (the step a task waits at, the elements two
  // versions differ in) with some of the drawing around them, when the whole diagram at once
  // would draw them too small to read; otherwise the whole diagram.
  var READABLE_SCALE = 0.75;
  var FOCUS_SCALE = 0.85;
  var MARGIN = { width: 240, height: 160 };

  function focus(canvas, registry, ids) {
    var shapes = ids.map(function (id) { return registry.get(id); }).filter(Boolean);
    var fitted = canvas.zoom();
    if (!shapes.length || fitted >= READABLE_SCALE) { return; }
    var xs = [], ys = [];
    shapes.forEach(function (shape) {
      (shape.waypoints || [shape, { x: shape.x + shape.width, y: shape.y + shape.height }])
        .forEach(function (point) { xs.push(point.x); ys.push(point.y); });
    });
    var left = Math.min.apply(null, xs), right = Math.max.apply(null, xs);
    var top = Math.min.apply(null, ys), bottom = Math.max.apply(null, ys);
    var outer = canvas.viewbox().outer;
    // As close as FOCUS_SCALE while all the focused elements fit, never further than the fit.
    var scale = Math.max(fitted, Math.min(
      FOCUS_SCALE,
      outer.width / (right - left + MARGIN.width),
      outer.height / (bottom - top + MARGIN.height)
    ));
    var width = outer.width / scale, height = outer.height / scale;
    canvas.viewbox({
      x: (left + right) / 2 - width / 2,
      y: (top + bottom) / 2 - height / 2,
      width: width,
      height: height
    });
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
        focus(canvas, registry, (el.getAttribute("data-focus") || "").split(" ").filter(Boolean));
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
