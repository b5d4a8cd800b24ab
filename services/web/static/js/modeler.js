// The process owners' modeler: bpmn-js (vendor/bpmn-js) with its properties panel for the standard
// BPMN properties (name, id, documentation, timers), and a small form of our own for what the
// workflow service reads from `spiffworkflow:properties` (`actions`, `role`, `actions.<role>`) and
// for a script task's notice. The properties panel's UMD bundle exports its modules but not the
// entry components a custom provider is built from, so that form is plain DOM beside the panel,
// writing through the modeler's moddle API (undoable commands). Then: check the diagram with the
// workflow API (each problem listed and marked on its element), and deploy it as a new version.
(function () {
  "use strict";

  // The moddle description of SpiffWorkflow's extension elements that the service reads.
  var SPIFFWORKFLOW = {
    name: "SpiffWorkflow",
    prefix: "spiffworkflow",
    uri: "http://spiffworkflow.org/bpmn/schema/1.0/core",
    xml: { tagAlias: "lowerCase" },
    associations: [],
    types: [
      {
        name: "Properties",
        superClass: ["Element"],
        properties: [{ name: "properties", type: "Property", isMany: true }]
      },
      {
        name: "Property",
        superClass: ["Element"],
        properties: [
          { name: "name", type: "String", isAttr: true },
          { name: "value", type: "String", isAttr: true }
        ]
      }
    ]
  };
  var PROPERTIES = "spiffworkflow:Properties";

  // The words of the modeler and its panel that people read most, in Vietnamese.
  var WORDS = {
    "General": "Chung",
    "Name": "Tên",
    "ID": "Mã (id)",
    "Documentation": "Giải thích",
    "Element documentation": "Giải thích của phần tử",
    "Process documentation": "Giải thích của quy trình",
    "Timer": "Hẹn giờ",
    "Type": "Loại",
    "Value": "Giá trị",
    "Date": "Thời điểm (timeDate)",
    "Duration": "Khoảng thời gian (timeDuration)",
    "Cycle": "Chu kỳ (timeCycle)",
    "<none>": "<không có>",
    "Executable": "Thực thi được",
    "Condition": "Điều kiện",
    "Activate hand tool": "Công cụ kéo",
    "Activate lasso tool": "Chọn vùng",
    "Activate create/remove space tool": "Thêm, bớt khoảng trống",
    "Activate global connect tool": "Nối",
    "Create start event": "Thêm sự kiện bắt đầu",
    "Create end event": "Thêm sự kiện kết thúc",
    "Create gateway": "Thêm cổng",
    "Create task": "Thêm tác vụ",
    "Create intermediate/boundary event": "Thêm sự kiện trung gian, biên",
    "Create pool/participant": "Thêm bể",
    "Create group": "Thêm nhóm",
    "Create data object reference": "Thêm đối tượng dữ liệu",
    "Create data store reference": "Thêm kho dữ liệu",
    "Create expanded sub-process": "Thêm quy trình con",
    "Change element": "Đổi loại phần tử",
    "Delete": "Xóa",
    "Connect to other element": "Nối với phần tử khác",
    "Append task": "Thêm tác vụ sau",
    "Append end event": "Thêm sự kiện kết thúc sau",
    "Append gateway": "Thêm cổng sau",
    "Append intermediate/boundary event": "Thêm sự kiện sau",
    "Add text annotation": "Thêm ghi chú"
  };

  function translate(template, replacements) {
    var text = WORDS[template] || template;
    return text.replace(/{([^}]+)}/g, function (whole, key) {
      return replacements && replacements[key] !== undefined ? replacements[key] : whole;
    });
  }

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (key) {
      if (key === "text") { node.textContent = attrs[key]; } else { node.setAttribute(key, attrs[key]); }
    });
    (children || []).forEach(function (child) { node.appendChild(child); });
    return node;
  }

  function csrfToken() {
    try {
      return JSON.parse(document.body.getAttribute("hx-headers") || "{}")["X-CSRF-Token"] || "";
    } catch (e) {
      return "";
    }
  }

  function start(root) {
    var panel = window.BpmnJSPropertiesPanel;
    var modules = [{ translate: ["value", translate] }];
    if (panel) {
      modules.unshift(panel.BpmnPropertiesPanelModule, panel.BpmnPropertiesProviderModule);
    }
    var modeler = new window.BpmnJS({
      container: "#modeler-canvas",
      propertiesPanel: { parent: "#properties-panel" },
      additionalModules: modules,
      moddleExtensions: { spiffworkflow: SPIFFWORKFLOW }
    });
    window.nhiemvuModeler = modeler; // for the browser tests and the console
    var state = document.getElementById("modeler-state");
    var result = document.getElementById("check-result");
    var errorMarks = [];

    fetch(root.getAttribute("data-bpmn-src"), { credentials: "same-origin" })
      .then(function (answer) {
        if (!answer.ok) { throw new Error(String(answer.status)); }
        return answer.text();
      })
      .then(function (xml) { return modeler.importXML(xml); })
      .then(function () {
        modeler.get("canvas").zoom("fit-viewport", "auto");
        root.setAttribute("data-modeler", "ready");
      })
      .catch(function () {
        root.setAttribute("data-modeler", "failed");
        state.textContent = "Không mở được sơ đồ.";
      });

    modeler.on("commandStack.changed", function () {
      state.textContent = "Có thay đổi chưa triển khai.";
    });

    // -- our form: spiffworkflow:properties and a script task's notice -------------------------
    var body = document.getElementById("nv-props-body");
    var hint = document.getElementById("nv-props-hint");

    function propertiesOf(bo) {
      var ext = bo.get("extensionElements");
      var values = ext ? ext.get("values") || [] : [];
      return values.filter(function (v) { return v.$instanceOf(PROPERTIES); })[0] || null;
    }

    function rowsOf(bo) {
      var found = propertiesOf(bo);
      return found ? found.get("properties").map(function (p) {
        return { name: p.get("name") || "", value: p.get("value") || "" };
      }) : [];
    }

    function writeRows(element, rows) {
      var modeling = modeler.get("modeling");
      var moddle = modeler.get("moddle");
      var bo = element.businessObject;
      var ext = bo.get("extensionElements");
      if (!ext) {
        ext = moddle.create("bpmn:ExtensionElements", { values: [] });
        ext.$parent = bo;
        modeling.updateProperties(element, { extensionElements: ext });
      }
      var props = propertiesOf(bo);
      if (!props) {
        props = moddle.create(PROPERTIES, { properties: [] });
        props.$parent = ext;
        modeling.updateModdleProperties(element, ext, { values: ext.get("values").concat([props]) });
      }
      var list = rows.filter(function (r) { return r.name; }).map(function (r) {
        var p = moddle.create("spiffworkflow:Property", { name: r.name, value: r.value });
        p.$parent = props;
        return p;
      });
      modeling.updateModdleProperties(element, props, { properties: list });
    }

    function propertyRow(index, row) {
      var nameId = "nv-prop-name-" + index;
      var valueId = "nv-prop-value-" + index;
      var remove = el("button", { type: "button", "class": "secondary", text: "Bỏ",
        "aria-label": "Bỏ dòng " + (index + 1) });
      var line = el("div", { "class": "prop-row" }, [
        el("div", {}, [el("label", { "for": nameId, text: "Tên" }),
          el("input", { id: nameId, "class": "prop-name", list: "nv-prop-names" })]),
        el("div", {}, [el("label", { "for": valueId, text: "Giá trị" }),
          el("input", { id: valueId, "class": "prop-value" })]),
        remove
      ]);
      line.querySelector(".prop-name").value = row.name;
      line.querySelector(".prop-value").value = row.value;
      remove.addEventListener("click", function () { line.remove(); });
      return line;
    }

    function userTaskForm(element) {
      var rows = rowsOf(element.businessObject);
      var list = el("div", { "class": "prop-rows" });
      rows.forEach(function (row, i) { list.appendChild(propertyRow(i, row)); });
      var names = el("datalist", { id: "nv-prop-names" },
        ["actions", "role", "actions.office", "actions.coordinating", "actions.office_lead",
          "actions.unit_head"].map(
          function (n) { return el("option", { value: n }); }));
      var add = el("button", { type: "button", "class": "secondary", text: "Thêm dòng" });
      var apply = el("button", { type: "button", "class": "primary", id: "nv-props-apply", text: "Áp dụng" });
      add.addEventListener("click", function () {
        list.appendChild(propertyRow(list.children.length + Date.now() % 1000, { name: "", value: "" }));
      });
      apply.addEventListener("click", function () {
        var read = Array.prototype.map.call(list.querySelectorAll(".prop-row"), function (line) {
          return {
            name: line.querySelector(".prop-name").value.trim(),
            value: line.querySelector(".prop-value").value.trim()
          };
        });
        writeRows(element, read);
      });
      return [
        el("p", { "class": "hint", text: "actions: các thao tác của vai trò role (phân cách bằng dấu phẩy); role: vai trò (unit, office…); actions.<vai trò>: thao tác của vai trò khác." }),
        names, list, el("div", { "class": "modeler-toolbar" }, [add, apply])
      ];
    }

    function scriptTaskForm(element) {
      var area = el("textarea", { id: "nv-script", rows: "3" });
      area.value = element.businessObject.get("script") || "";
      var apply = el("button", { type: "button", "class": "primary", text: "Áp dụng" });
      apply.addEventListener("click", function () {
        modeler.get("modeling").updateProperties(element, { script: area.value, scriptFormat: "python" });
      });
      return [
        el("label", { "for": "nv-script", text: "Kịch bản (thông báo: notice = \"task.due_soon\")" }),
        area, el("div", { "class": "modeler-toolbar" }, [apply])
      ];
    }

    function showForm(element) {
      body.textContent = "";
      if (!element) {
        hint.textContent = "Chọn một phần tử trên sơ đồ.";
        return;
      }
      var type = element.type;
      var name = element.businessObject.get("name") || element.id;
      hint.textContent = name + " (" + type.replace("bpmn:", "") + ", id: " + element.id + ")";
      var parts = type === "bpmn:UserTask" ? userTaskForm(element)
        : type === "bpmn:ScriptTask" ? scriptTaskForm(element)
        : [el("p", { "class": "empty", text: "Phần tử này không có thuộc tính riêng của Nhiệm vụ." })];
      parts.forEach(function (part) { body.appendChild(part); });
    }

    var shown = null;

    modeler.on("selection.changed", function (event) {
      shown = event.newSelection.length === 1 ? event.newSelection[0] : null;
      showForm(shown);
    });

    // An undo, a redo or the properties panel changed the element the form shows: show it anew.
    modeler.on("elements.changed", function (event) {
      if (shown && event.elements.indexOf(shown) !== -1) { showForm(shown); }
    });

    // -- check and deploy ------------------------------------------------------------------------
    function send(url) {
      return modeler.saveXML({ format: true }).then(function (saved) {
        return fetch(url, {
          method: "POST",
          credentials: "same-origin",
          headers: { "Content-Type": "application/bpmn+xml", "X-CSRF-Token": csrfToken() },
          body: saved.xml
        });
      }).then(function (answer) {
        return answer.json().then(function (json) { return { status: answer.status, body: json }; },
          function () { return { status: answer.status, body: {} }; });
      });
    }

    function clearErrors() {
      var canvas = modeler.get("canvas");
      errorMarks.forEach(function (id) { canvas.removeMarker(id, "has-error"); });
      errorMarks = [];
    }

    function report(kind, title, items) {
      result.hidden = false;
      result.className = "card check-result " + kind;
      result.textContent = "";
      result.appendChild(el("p", { text: title }));
      if (items && items.length) {
        var list = el("ul", { "class": "diagram-errors" });
        items.forEach(function (item) { list.appendChild(item); });
        result.appendChild(list);
      }
      result.focus();
    }

    function showErrors(answer) {
      var registry = modeler.get("elementRegistry");
      var canvas = modeler.get("canvas");
      var problems = answer.body.diagram_errors || [];
      var items = problems.map(function (problem) {
        var item = el("li", { "data-element-id": problem.element_id || "",
          text: (problem.element ? problem.element + ": " : "") + problem.message + " " });
        var shape = problem.element_id && registry.get(problem.element_id);
        if (shape) {
          canvas.addMarker(problem.element_id, "has-error");
          errorMarks.push(problem.element_id);
          var go = el("button", { type: "button", "class": "link", text: "Xem trên sơ đồ" });
          go.addEventListener("click", function () {
            modeler.get("selection").select(shape);
            canvas.scrollToElement(shape);
          });
          item.appendChild(go);
        }
        return item;
      });
      if (!items.length) {
        Object.keys(answer.body.errors || {}).forEach(function (key) {
          answer.body.errors[key].forEach(function (text) { items.push(el("li", { text: text })); });
        });
      }
      var title = answer.body.detail || answer.body.title || "Sơ đồ không hợp lệ.";
      report("failed", title, items);
    }

    function busy(on) {
      document.getElementById("check-diagram").disabled = on;
      document.getElementById("deploy-diagram").disabled = on;
    }

    function check() {
      clearErrors();
      busy(true);
      return send(root.getAttribute("data-validate-url")).then(function (answer) {
        busy(false);
        if (answer.status === 200) {
          report("ok", "Sơ đồ hợp lệ: có thể triển khai.", []);
          return true;
        }
        showErrors(answer);
        return false;
      }, function () {
        busy(false);
        report("failed", "Không kiểm tra được sơ đồ (mất kết nối).", []);
        return false;
      });
    }

    function deploy() {
      check().then(function (valid) {
        if (!valid) { return; }
        busy(true);
        send(root.getAttribute("data-deploy-url")).then(function (answer) {
          busy(false);
          if (answer.status !== 200) { showErrors(answer); return; }
          var version = answer.body.version;
          var link = el("a", { href: root.getAttribute("data-list-url"), text: "Xem danh sách phiên bản" });
          var same = String(version) === root.getAttribute("data-version");
          report("ok", same
            ? "Sơ đồ không khác phiên bản " + version + "; phiên bản " + version + " là phiên bản đang dùng."
            : "Đã triển khai phiên bản " + version + ": nhiệm vụ, việc mới bắt đầu trên phiên bản này.",
          [el("li", {}, [link])]);
          result.setAttribute("data-deployed-version", String(version));
          state.textContent = "";
        }, function () {
          busy(false);
          report("failed", "Không triển khai được sơ đồ (mất kết nối).", []);
        });
      });
    }

    // The diagram as it is now, as a file for Camunda Modeler or bpmn.io.
    function download(event) {
      var button = event.currentTarget;
      modeler.saveXML({ format: true }).then(function (saved) {
        var url = URL.createObjectURL(new Blob([saved.xml], { type: "application/xml" }));
        var link = el("a", { href: url, download: button.getAttribute("data-file-name") });
        document.body.appendChild(link);
        link.click();
        link.remove();
        setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
      });
    }

    document.getElementById("download-diagram").addEventListener("click", download);
    document.getElementById("check-diagram").addEventListener("click", check);
    document.getElementById("deploy-diagram").addEventListener("click", deploy);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var root = document.getElementById("modeler");
    if (root && typeof window.BpmnJS === "function") { start(root); }
  });
})();
