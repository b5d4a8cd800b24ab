"""Parsing a diagram for the engine: Spiff's parser, the deploy-time checks, the injected clock
on every timer, and which script tasks announce events. Private to the engine package
(services/workflow/engine/core.py).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser

from services.workflow.engine.checks import (
    announced_events,
    assigns_notice,
    diagram_problems,
    normalise_properties,
    opening_pairs,
    property_pairs,
    read_diagram,
    step_conditions,
)
from services.workflow.engine.expressions import DiagramError, RestrictedScriptEngine
from services.workflow.engine.problems import (
    NOT_EXECUTABLE,
    DiagramProblem,
    by_id,
    problem_at,
    schema_problems,
    spiff_problem,
)
from services.workflow.engine.timers import use_injected_clock


@dataclass(frozen=True)
class Parsed:
    spec: Any
    subprocess_specs: dict[str, Any]
    announcing: frozenset[str]  # names of the script tasks that assign `notice`
    actions: frozenset[tuple[str, str]]  # (action, role) its user tasks declare
    notices: frozenset[str]  # the event types its script tasks announce
    openings: frozenset[tuple[str, str]]  # (action, role) of the cases its steps offer to open


def parse_diagram(
    bpmn_xml: bytes,
    process_id: str,
    script_engine: RestrictedScriptEngine,
    notices: frozenset[str] | None,
) -> Parsed:
    """Read, check and parse a diagram; a DiagramError lists every problem found at once."""
    root = read_diagram(bpmn_xml)
    problems = normalise_properties(root)
    VALIDATOR.preprocess(root)
    schema = schema_problems(root, VALIDATOR.validator)
    problems += schema
    problems += diagram_problems(root, script_engine.environment, notices)
    spec: Any = None
    subprocess_specs: dict[str, Any] = {}
    if not schema:  # Spiff's parser assumes a diagram that follows the schema
        parser = SpiffBpmnParser()
        try:
            parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
            if process_id in parser.get_process_ids():
                spec = parser.get_spec(process_id)
                subprocess_specs = parser.get_subprocess_specs(process_id)
            else:
                problems.append(_missing_process(root, process_id))
        except SpiffWorkflowException as exc:
            # Spiff stops at its first error: keep it unless a check above named that element.
            found = spiff_problem(root, exc)
            if found.element_id is None or all(p.element_id != found.element_id for p in problems):
                problems.append(found)
    if problems or spec is None:
        raise DiagramError(problems=problems)
    specs = (spec, *subprocess_specs.values())
    use_injected_clock(iter(specs))
    announcing: set[str] = set()
    actions: set[tuple[str, str]] = set()
    announced: set[str] = set()
    openings: set[tuple[str, str]] = set()
    for one in specs:
        for task_spec in one.task_specs.values():
            if task_spec.manual:
                actions.update(declared_actions(task_spec))
            openings.update(openings_and_conditions(task_spec)[0])
            script = getattr(task_spec, "script", None)
            if isinstance(script, str) and assigns_notice(script):
                announcing.add(task_spec.name)
                announced.update(announced_events(script))
    return Parsed(
        spec,
        subprocess_specs,
        frozenset(announcing),
        frozenset(actions),
        frozenset(announced),
        frozenset(openings),
    )


def _missing_process(root: Any, process_id: str) -> DiagramProblem:
    process = by_id(root, process_id)
    if process is not None and etree.QName(process).localname == "process":
        return problem_at(process, NOT_EXECUTABLE)
    return DiagramProblem(f"không có quy trình thực thi được với id '{process_id}'")


def declared_actions(task_spec: Any) -> list[tuple[str, str]]:
    """(action, role) pairs a user task offers, from its spiffworkflow properties (into which
    camunda properties were copied at parse; checks.property_pairs)."""
    properties = getattr(task_spec, "extensions", {}).get("properties", {})
    try:
        return property_pairs(properties)
    except ValueError as exc:
        raise DiagramError(f"Phần tử '{task_spec.name}': {exc}") from None


def openings_and_conditions(task_spec: Any) -> tuple[list[tuple[str, str]], dict[str, str]]:
    """The cases a step (a user task, or an end event) offers to open, as (action, role) pairs,
    and the conditions (`when.<action>`) some of them are offered under (checks.opening_pairs)."""
    properties = getattr(task_spec, "extensions", {}).get("properties", {})
    if not any(key.startswith(("opens.", "when.")) for key in properties):
        return [], {}
    try:
        return opening_pairs(properties), step_conditions(properties)
    except ValueError as exc:
        raise DiagramError(f"Phần tử '{task_spec.name}': {exc}") from None
