"""Diagram checks at deploy: safe XML reading, and every text a diagram hands the script engine
(scripts, conditions, timers) checked by the restricted evaluator before the diagram is stored.

Also the two conventions the engine adds to BPMN: a timer's text is a quoted ISO 8601 value or a
call to a whitelisted function, and a script announces an event by assigning `notice`.
"""

from __future__ import annotations

import ast
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
from services.workflow.engine.timers import check_literal

# Service tasks call out and DMN tables evaluate their own cells: neither passes through here.
_UNSUPPORTED = frozenset({"serviceTask", "businessRuleTask"})

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
        raise DiagramError(f"XML không hợp lệ: {exc}") from None
    if root.getroottree().docinfo.doctype:
        raise DiagramError("sơ đồ không được khai báo DOCTYPE")
    return root


def check_diagram(
    root: Any, environment: RestrictedEnvironment, notices: frozenset[str] | None = None
) -> None:
    """Refuse a diagram (an lxml root) with an unsafe expression, an element that evaluates
    outside this module, a timer that could not be read, or a notice (`notice = "..."`) outside
    `notices` when given; the message names the element."""
    for element in root.iter():
        if not isinstance(element.tag, str):
            continue  # comments and processing instructions
        name = etree.QName(element).localname
        if name in _UNSUPPORTED:
            raise DiagramError(f"Phần tử '{_owner_id(element)}': {name} không được hỗ trợ")
        mode = _SOURCE_ELEMENTS.get(name)
        if mode is None or not (element.text and element.text.strip()):
            if name in _TIMERS:
                raise DiagramError(f"Phần tử '{_owner_id(element)}': hẹn giờ không có biểu thức")
            continue
        try:
            environment.compile(element.text, mode)
            if name in _TIMERS:
                _check_timer(name, element.text, environment.callables)
            if mode == EXEC:
                _check_notices(element.text, notices)
        except (ExpressionRefused, ValueError) as exc:
            raise DiagramError(
                f"Phần tử '{_owner_id(element)}': biểu thức bị từ chối: {exc}"
            ) from None


def _check_timer(kind: str, source: str, callables: frozenset[str]) -> None:
    """A timer is a quoted ISO 8601 value or a call to a whitelisted function: a bare `P3D`
    parses as a name and would fail only when the timer is armed, in a running instance."""
    body = ast.parse(source.strip(), mode="eval").body
    if isinstance(body, ast.Constant) and isinstance(body.value, str):
        check_literal(kind, body.value)
        return
    if isinstance(body, ast.Call) and isinstance(body.func, ast.Name) and body.func.id in callables:
        return
    raise ExpressionRefused(
        'hẹn giờ phải là chuỗi ISO 8601 trong ngoặc kép (vd. "P3D") '
        "hoặc lời gọi hàm được phép (vd. due_soon_at(due_on, 3))"
    )


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


def _owner_id(element: Any) -> str:
    while element is not None and element.get("id") is None:
        element = element.getparent()
    return "?" if element is None else element.get("id")
