"""Where an instance stands in its diagram, for people to see (`Engine.positions`), and the steps
a stored state has reached or passed (`Engine.migrate`)."""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import BoundaryEvent
from SpiffWorkflow.bpmn.specs.mixins.events.start_event import StartEvent
from SpiffWorkflow.bpmn.specs.mixins.subworkflow_task import SubWorkflowTask
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine.prune import PRUNED, pruned_of
from services.workflow.engine.state import StateError, loads
from services.workflow.engine.steps import Position, Positions
from services.workflow.engine.walks import OPEN


def positions_of(workflow: BpmnWorkflow) -> Positions:
    """Where an instance stands in its diagram, for people to see: the steps it waits at
    now, the events armed while it waits (boundary timers, the start events of event
    sub-processes; a sub-process itself waits in its steps), and the steps it has passed,
    in the order they ran. Only elements a modeler draws (Spiff's own joins and splits
    have no BPMN id); each element once."""
    current: dict[str, Position] = {}
    armed: dict[str, Position] = {}
    specs = workflow.spec.task_specs
    # (when, order, spec) of each step done: the first completion of each spec pruned from
    # the state (engine/state.py, `prune`), then every completed task still in it.
    done: list[tuple[float, int, Any]] = [
        (first, 0, specs[name])
        for name, (_states, first) in pruned_of(workflow).items()
        if first is not None and name in specs
    ]
    for task in workflow.get_tasks():
        spec = task.task_spec
        bpmn_id = getattr(spec, "bpmn_id", None)
        if not bpmn_id:
            continue
        position = Position(bpmn_id, getattr(spec, "bpmn_name", None))
        if task.state & TaskState.COMPLETED:
            done.append((task.last_state_change, len(done), spec))
        elif task.state & OPEN:
            if isinstance(spec, SubWorkflowTask):
                continue  # a sub-process (an event sub-process too) waits in its steps
            waits_beside = isinstance(spec, (BoundaryEvent, StartEvent))
            (armed if waits_beside else current).setdefault(bpmn_id, position)
    done.sort(key=lambda when: when[:2])
    passed: dict[str, Position] = {}
    for _when, _order, spec in done:
        if not getattr(spec, "bpmn_id", None):
            continue
        passed.setdefault(spec.bpmn_id, Position(spec.bpmn_id, getattr(spec, "bpmn_name", None)))
    return Positions(
        tuple(current.values()),
        tuple(p for key, p in armed.items() if key not in current),
        tuple(passed.values()),
    )


def reached_in(state: str) -> dict[str, int]:
    """The steps a stored state has reached or passed: each spec's name, with the states of its
    tasks together (those pruned from the state too)."""
    reached: dict[str, int] = {}
    try:
        stored = loads(state)
        for task in stored["tasks"].values():
            name = task["task_spec"]
            reached[name] = reached.get(name, 0) | int(task["state"])
        for name, (states, _first) in stored.get(PRUNED, {}).items():
            reached[name] = reached.get(name, 0) | int(states)
    except (TypeError, ValueError, KeyError, AttributeError) as exc:
        raise StateError(f"state is not a workflow serialization: {exc}") from None
    return reached
