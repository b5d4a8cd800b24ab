"""Diagram checks at deploy: safe XML reading, and every text a diagram hands the script engine
(scripts, conditions, timers) checked by the restricted evaluator before the diagram is stored.

Also the two conventions the engine adds to BPMN: a timer's text is a quoted ISO 8601 value or a
call to a whitelisted function, and a script announces an event by assigning `notice`; and what a
diagram saved by Camunda Modeler needs to be read like one saved for SpiffWorkflow (its
`camunda:properties`). The checks find every problem at once, each on the element a modeler
shows (problems.py).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Mapping
from typing import Any

from lxml import etree

from services.workflow.engine.expressions import (
    EVAL,
    EXEC,
    DiagramError,
    ExpressionRefused,
    RestrictedEnvironment,
)
from services.workflow.engine.problems import DiagramProblem, problem_at
from services.workflow.engine.timers import check_literal

# Service tasks call out and DMN tables evaluate their own cells: neither passes through here.
_UNSUPPORTED: Mapping[str, str] = {
    "serviceTask": "nhiệm vụ dịch vụ",
    "businessRuleTask": "nhiệm vụ quy tắc nghiệp vụ",
}
_CONDITIONAL_GATEWAYS = frozenset({"exclusiveGateway", "inclusiveGateway"})
BPMN_NS = "http://www.omg.org/spec/BPMN/20100524/MODEL"
SPIFF_NS = "http://spiffworkflow.org/bpmn/schema/1.0/core"
CAMUNDA_NS = "http://camunda.org/schema/1.0/bpmn"

# Elements whose text Spiff hands to the script engine, by local name (any namespace, so that a
# misspelt prefix cannot smuggle a script past the check).
_SOURCE_ELEMENTS: Mapping[str, str] = {
    "script": EXEC,
    "preScript": EXEC,
    "postScript": EXEC,
    "conditionExpression": EVAL,
    "condition": EVAL,
    "timeDate": EVAL,
    "timeDuration": EVAL,
    "timeCycle": EVAL,
    "loopCondition": EVAL,
    "loopCardinality": EVAL,
    "completionCondition": EVAL,
    "messagePath": EVAL,
    "formalExpression": EVAL,
    "messagePayload": EVAL,
    "expression": EVAL,
}
_TIMERS = frozenset({"timeDate", "timeDuration", "timeCycle"})
# The data name through which a script announces an event (see engine.Engine.notices).
NOTICE = "notice"


def read_diagram(bpmn_xml: bytes) -> Any:
    """The lxml root of a diagram, read with no DTDs, entities or network access: that closes
    XXE and entity-expansion bombs before Spiff sees the tree."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    if isinstance(bpmn_xml, str):  # lxml refuses text that carries an encoding declaration
        bpmn_xml = bpmn_xml.encode("utf-8")
    try:
        root = etree.fromstring(bpmn_xml, parser)
    except etree.XMLSyntaxError as exc:
        # lxml's own text is English: say where, and leave what to the modeler that saved it.
        line, column = exc.position if exc.position else (exc.lineno, 0)
        raise DiagramError(
            f"tệp không phải XML hợp lệ (dòng {line}, cột {column}); hãy lưu lại sơ đồ từ "
            "Camunda Modeler hoặc bpmn.io"
        ) from None
    if root.getroottree().docinfo.doctype:
        raise DiagramError("sơ đồ không được khai báo DOCTYPE")
    return root


def normalise_properties(root: Any) -> list[DiagramProblem]:
    """Copy the extension properties Camunda Modeler writes (`camunda:properties`, from its
    "Extension properties" panel or an element template's `camunda:property` binding) into the
    `spiffworkflow:properties` SpiffWorkflow reads, in place. A property given in both with
    different values is a problem on the element that holds them."""
    problems = []
    for extensions in root.iter(f"{{{BPMN_NS}}}extensionElements"):
        given = [
            prop
            for group in extensions.findall(f"{{{CAMUNDA_NS}}}properties")
            for prop in group.findall(f"{{{CAMUNDA_NS}}}property")
            if prop.get("name")
        ]
        if not given:
            continue
        spiff = extensions.find(f"{{{SPIFF_NS}}}properties")
        if spiff is None:
            spiff = etree.SubElement(
                extensions, f"{{{SPIFF_NS}}}properties", nsmap={"spiffworkflow": SPIFF_NS}
            )
        known = {
            prop.get("name"): (prop.get("value") or "").strip()
            for prop in spiff.findall(f"{{{SPIFF_NS}}}property")
        }
        for prop in given:
            name, value = prop.get("name"), (prop.get("value") or "").strip()
            if name not in known:
                etree.SubElement(spiff, f"{{{SPIFF_NS}}}property", name=name, value=value)
                known[name] = value
            elif known[name] != value:
                problems.append(
                    problem_at(
                        extensions,
                        f"thuộc tính '{name}' được khai báo hai lần với giá trị khác nhau "
                        f"('{known[name]}' và '{value}'), trong spiffworkflow:properties và "
                        "camunda:properties: chỉ giữ một",
                    )
                )
    return problems


def diagram_problems(
    root: Any, environment: RestrictedEnvironment, notices: frozenset[str] | None = None
) -> list[DiagramProblem]:
    """Every problem of a diagram (an lxml root, its properties normalised) that this module
    finds: an unsafe expression, an element that evaluates outside this module, a timer that
    could not be read, a notice (`notice = "..."`) outside `notices` when given, a user task
    without its declared actions, a script task without a script, a gateway's flow without a
    condition. Each names the element the modeler shows."""
    problems: list[DiagramProblem] = []
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(element).localname
        problem = _structure_problem(root, element, name)
        if problem is None and name in _OPENING_ELEMENTS:
            problem = _opening_problem(_spiff_properties(element), environment)
        if problem is not None:
            problems.append(problem_at(element, problem))
            continue
        mode = _SOURCE_ELEMENTS.get(name)
        if mode is None or not (element.text and element.text.strip()):
            if name in _TIMERS:
                problems.append(problem_at(element, "hẹn giờ không có giá trị"))
            continue
        try:
            environment.compile(element.text, mode)
            if name in _TIMERS:
                _check_timer(name, element.text, environment.callables)
            if mode == EXEC:
                _check_notices(element.text, notices)
        except (ExpressionRefused, ValueError) as exc:
            refused = "hẹn giờ không hợp lệ" if name in _TIMERS else "biểu thức bị từ chối"
            problems.append(problem_at(element, f"{refused}: {exc}"))
    return problems


def _structure_problem(root: Any, element: Any, name: str) -> str | None:
    """What SpiffWorkflow would refuse one at a time, found here for every element at once."""
    if name in _UNSUPPORTED:
        return f"{_UNSUPPORTED[name]} không được hỗ trợ"
    if name == "userTask":
        try:
            property_pairs(_spiff_properties(element))
        except ValueError as exc:
            return str(exc)
    if name == "scriptTask":
        script = element.find(f"{{{BPMN_NS}}}script")
        if script is None or not (script.text and script.text.strip()):
            return "nhiệm vụ kịch bản chưa có kịch bản"
    if name == "timerEventDefinition" and not any(
        isinstance(child.tag, str) and etree.QName(child).localname in _TIMERS for child in element
    ):
        return (
            'hẹn giờ chưa chọn loại: khoảng thời gian (timeDuration, vd. "P3D"), '
            "thời điểm (timeDate) hoặc chu kỳ (timeCycle)"
        )
    if name == "sequenceFlow" and _needs_condition(root, element):
        return (
            "luồng ra khỏi cổng loại trừ không có điều kiện mà cũng không phải luồng mặc định "
            "của cổng"
        )
    return None


def _needs_condition(root: Any, flow: Any) -> bool:
    parent = flow.getparent()
    source = next(
        (el for el in parent if isinstance(el.tag, str) and el.get("id") == flow.get("sourceRef")),
        None,
    )
    if source is None or etree.QName(source).localname not in _CONDITIONAL_GATEWAYS:
        return False
    if flow.get("id") == source.get("default"):
        return False
    if flow.find(f"{{{BPMN_NS}}}conditionExpression") is not None:
        return False
    outgoing = [
        el
        for el in parent.iter(f"{{{BPMN_NS}}}sequenceFlow")
        if el.get("sourceRef") == source.get("id")
    ]
    return len(outgoing) > 1


def _spiff_properties(element: Any) -> dict[str, str]:
    """A task's spiffworkflow properties, read as SpiffWorkflow reads them."""
    return {
        prop.get("name"): prop.get("value") or ""
        for extensions in element.findall(f"{{{BPMN_NS}}}extensionElements")
        for group in extensions.findall(f"{{{SPIFF_NS}}}properties")
        for prop in group.findall(f"{{{SPIFF_NS}}}property")
        if prop.get("name")
    }


def property_pairs(properties: Mapping[str, str]) -> list[tuple[str, str]]:
    """(action, role) pairs a user task offers, from its properties: `actions` for its `role`,
    and optionally `actions.<role>` for actions another role may take while the task waits
    (e.g. `actions.office` = "urge,withdraw", `actions.coordinating` = "contribute"). Raises
    ValueError with what is wrong, in Vietnamese."""
    actions = _names(properties.get("actions", ""))
    role = properties.get("role", "").strip()
    if not actions or actions is _BAD or not _NAME.match(role):
        raise ValueError(
            "nhiệm vụ người dùng phải khai báo thuộc tính 'actions' (vd. 'accept,return') và "
            "'role' (vd. 'unit', 'office'), trong spiffworkflow:properties hoặc "
            "camunda:properties (bảng 'Extension properties' của Camunda Modeler, hoặc mẫu "
            "'Nhiệm vụ người dùng của Nhiệm vụ')"
        )
    pairs = [(action, role) for action in actions]
    for key in sorted(properties):
        other = key.removeprefix("actions.")
        if other == key:
            continue
        more = _names(properties[key])
        if not _NAME.match(other) or more is _BAD:
            raise ValueError(
                f"thuộc tính '{key}' phải là 'actions.<vai trò>' với danh sách thao tác "
                "(vd. 'actions.office' = 'urge,withdraw')"
            )
        pairs += [(action, other) for action in more]
    seen = [action for action, _role in pairs]
    if len(seen) != len(set(seen)):
        raise ValueError("một thao tác được khai báo hai lần")
    return pairs


# Where a diagram may declare the cases an instance offers to open (`opens.<role>`): the steps
# it waits at, and the end events it may rest at once completed.
_OPENING_ELEMENTS = frozenset({"userTask", "endEvent"})


def opening_pairs(properties: Mapping[str, str]) -> list[tuple[str, str]]:
    """(action, role) pairs of the cases a step offers to open while the instance waits there
    (or, on an end event, once it ended there): `opens.<role>` = "report_difficulty,…". Opening
    a case leaves the instance where it is; the host opens the case (docs/adding-a-process.md,
    "Cases a task opens"). Raises ValueError with what is wrong, in Vietnamese."""
    pairs: list[tuple[str, str]] = []
    for key in sorted(properties):
        role = key.removeprefix("opens.")
        if role == key:
            continue
        names = _names(properties[key])
        if not _NAME.match(role) or names is _BAD or not names:
            raise ValueError(
                f"thuộc tính '{key}' phải là 'opens.<vai trò>' với danh sách thao tác mở hồ sơ "
                "(vd. 'opens.unit' = 'report_difficulty')"
            )
        pairs += [(action, role) for action in names]
    return pairs


def step_conditions(properties: Mapping[str, str]) -> dict[str, str]:
    """`when.<action>` = an expression over the instance's data: the action (or the opening) is
    offered only while it is true (a name the data does not hold yet reads as None)."""
    return {
        key.removeprefix("when."): value.strip()
        for key, value in properties.items()
        if key.startswith("when.")
    }


def _opening_problem(
    properties: Mapping[str, str], environment: RestrictedEnvironment
) -> str | None:
    """What is wrong with a step's `opens.*` and its `when.*` conditions, which may name its
    openings and, on a user task, its actions."""
    try:
        pairs = opening_pairs(properties)
        if "actions" in properties or "role" in properties:
            pairs += property_pairs(properties)
    except ValueError as exc:
        return str(exc)
    named = {action for action, _role in pairs}
    for action, expression in step_conditions(properties).items():
        if action not in named:
            return (
                f"thuộc tính 'when.{action}' đặt điều kiện cho thao tác không có trong "
                "'actions', 'actions.*' hay 'opens.*' của bước"
            )
        try:
            environment.compile(expression, EVAL)
        except (ExpressionRefused, ValueError, SyntaxError) as exc:
            return f"điều kiện 'when.{action}' bị từ chối: {exc}"
    return None


_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_BAD: list[str] = []


def _names(value: str) -> list[str]:
    names = [a.strip() for a in value.split(",") if a.strip()]
    return names if all(_NAME.match(a) for a in names) else _BAD


def _check_timer(kind: str, source: str, callables: frozenset[str]) -> None:
    """A timer is a quoted ISO 8601 value or a call to a whitelisted function: a bare `P3D`
    parses as a name and would fail only when the timer is armed, in a running instance."""
    body = ast.parse(source.strip(), mode="eval").body
    if isinstance(body, ast.Constant) and isinstance(body.value, str):
        try:
            check_literal(kind, body.value)
        except ValueError as exc:
            raise ValueError(f"{exc}{_kind_hint(kind, body.value)}") from None
        return
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id in callables:
        return
    bare = source.strip()
    if _ISO.match(bare):
        raise ExpressionRefused(
            f'viết giá trị ISO 8601 trong ngoặc kép: "{bare}"{_kind_hint(kind, bare)}'
        )
    raise ExpressionRefused(
        'hẹn giờ phải là chuỗi ISO 8601 trong ngoặc kép (vd. "P3D" cho timeDuration) '
        "hoặc lời gọi hàm được phép (vd. due_soon_at(due_on, 3))"
    )


# What an ISO 8601 timer value looks like, by the timer kind it belongs to.
_ISO = re.compile(r"^(R\d*/|P[\dT]|\d{4}-\d{2}-\d{2})")
_KIND_OF_VALUE = (
    (re.compile(r"^R\d*/"), "timeCycle", "chu kỳ", "Cycle"),
    (re.compile(r"^P[\dT]"), "timeDuration", "khoảng thời gian", "Duration"),
    (re.compile(r"^\d{4}-"), "timeDate", "thời điểm", "Date"),
)


def _kind_hint(kind: str, value: str) -> str:
    """Where a value of another kind belongs, e.g. "P3D" in a timeDate."""
    for pattern, belongs, what, shown in _KIND_OF_VALUE:
        if pattern.match(value.strip()):
            if belongs == kind:
                return ""
            return (
                f"; {value.strip()!r} là {what}: đặt vào {belongs} (loại '{shown}' của hẹn "
                f"giờ trong Camunda Modeler), không phải {kind}"
            )
    return ""


def _check_notices(source: str, notices: frozenset[str] | None) -> None:
    for node in ast.walk(ast.parse(source, mode=EXEC)):
        if not isinstance(node, ast.Assign):
            continue
        if not any(isinstance(t, ast.Name) and t.id == NOTICE for t in node.targets):
            continue
        value = node.value
        if not (isinstance(value, ast.Constant) and isinstance(value.value, str)):
            raise ExpressionRefused(f"{NOTICE} phải được gán một tên sự kiện trong ngoặc kép")
        if notices is not None and value.value not in notices:
            raise ExpressionRefused(
                f"sự kiện {value.value!r} không được phép; chỉ dùng {sorted(notices)}"
            )


def announced_events(source: str) -> list[str]:
    """The event types a (checked) script announces (`notice = "<event type>"`)."""
    return [
        node.value.value
        for node in ast.walk(ast.parse(source, mode=EXEC))
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == NOTICE for t in node.targets)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    ]


def assigns_notice(source: str) -> bool:
    """Whether a (checked) script announces an event by assigning `notice`."""
    return any(
        isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == NOTICE for t in node.targets)
        for node in ast.walk(ast.parse(source, mode=EXEC))
    )
