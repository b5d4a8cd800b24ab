"""Parsing a diagram for the engine: Spiff's parser, the deploy-time checks, the injected clock
on every timer, and which script tasks announce events. Private to the engine package
(services/workflow/engine/core.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from services.workflow.engine.checks import (
    announced_events,
    assigns_notice,
    check_diagram,
    read_diagram,
)
from services.workflow.engine.expressions import DiagramError, RestrictedScriptEngine
from services.workflow.engine.timers import use_injected_clock

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")


@dataclass(frozen=True)
class Parsed:
    spec: Any
    subprocess_specs: dict[str, Any]
    announcing: frozenset[str]  # names of the script tasks that assign `notice`
    actions: frozenset[tuple[str, str]]  # (action, role) its user tasks declare
    notices: frozenset[str]  # the event types its script tasks announce


def parse_diagram(
    bpmn_xml: bytes,
    process_id: str,
    script_engine: RestrictedScriptEngine,
    notices: frozenset[str] | None,
) -> Parsed:
    root = read_diagram(bpmn_xml)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        if process_id not in parser.get_process_ids():
            raise DiagramError(f"không có quy trình thực thi được với id '{process_id}'")
        spec = parser.get_spec(process_id)
        subprocess_specs = parser.get_subprocess_specs(process_id)
    except SpiffWorkflowException as exc:
        raise diagram_error(exc) from None
    check_diagram(root, script_engine.environment, notices)
    specs = (spec, *subprocess_specs.values())
    use_injected_clock(iter(specs))
    announcing: set[str] = set()
    actions: set[tuple[str, str]] = set()
    announced: set[str] = set()
    for one in specs:
        for task_spec in one.task_specs.values():
            if task_spec.manual:
                actions.update(declared_actions(task_spec))
            script = getattr(task_spec, "script", None)
            if isinstance(script, str) and assigns_notice(script):
                announcing.add(task_spec.name)
                announced.update(announced_events(script))
    return Parsed(
        spec, subprocess_specs, frozenset(announcing), frozenset(actions), frozenset(announced)
    )


def diagram_error(exc: SpiffWorkflowException) -> DiagramError:
    element = getattr(exc, "id", "")
    if element:
        return DiagramError(f"Phần tử '{element}': {exc}")
    line = getattr(exc, "line_number", "")
    return DiagramError(f"Sơ đồ không hợp lệ{f' (dòng {line})' if line else ''}: {exc}")


def declared_actions(task_spec: Any) -> list[tuple[str, str]]:
    """(action, role) pairs a user task offers, from its spiffworkflow properties: `actions` for
    its `role`, and optionally `actions.<role>` for actions another role may take while the task
    waits (e.g. `actions.office` = "urge,withdraw", `actions.coordinating` = "contribute")."""
    properties = getattr(task_spec, "extensions", {}).get("properties", {})
    actions = _names(properties.get("actions", ""))
    role = properties.get("role", "").strip()
    if not actions or actions is _BAD or not _NAME.match(role):
        raise DiagramError(
            f"Phần tử '{task_spec.name}': user task phải khai báo thuộc tính 'actions' "
            f"(vd. 'accept,return') và 'role' (vd. 'unit', 'office')"
        )
    pairs = [(action, role) for action in actions]
    for key in sorted(properties):
        other = key.removeprefix("actions.")
        if other == key:
            continue
        more = _names(properties[key])
        if not _NAME.match(other) or more is _BAD:
            raise DiagramError(
                f"Phần tử '{task_spec.name}': thuộc tính '{key}' phải là 'actions.<vai trò>' "
                f"với danh sách thao tác (vd. 'actions.office' = 'urge,withdraw')"
            )
        pairs += [(action, other) for action in more]
    seen = [action for action, _role in pairs]
    if len(seen) != len(set(seen)):
        raise DiagramError(f"Phần tử '{task_spec.name}': một thao tác được khai báo hai lần")
    return pairs


_BAD: list[str] = []


def _names(value: str) -> list[str]:
    names = [a.strip() for a in value.split(",") if a.strip()]
    return names if all(_NAME.match(a) for a in names) else _BAD
