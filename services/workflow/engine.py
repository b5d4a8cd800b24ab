"""The only door to SpiffWorkflow: parse diagrams, start instances, offer and perform actions.

An instance's state is a JSON string that the caller stores; the engine keeps no instance in
memory that the caller could depend on. The process spec is not part of the state: it belongs to
the ProcessModel (a deployed diagram version), which every call receives, so a state stays small
and loads without re-building the spec.

Timers read the clock given to the Engine (engine_timers). SpiffWorkflow never fires a timer by
itself: the host asks `next_due` after each save, stores it in an indexed column, and calls
`fire_due` once that time has come.

Notices: a script task that assigns `notice = "<event type>"` announces that event each time it
runs. `notices(model, before, after)` lists the events announced between two states, in order;
the host publishes them. The usual shape is a timer's branch: boundary timer, script task
`notice = "task.due_soon"`, end event.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Collection, Iterator, Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.control import BoundaryEventSplit
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine_parse import Parsed, declared_actions, parse_diagram
from services.workflow.engine_state import (  # StateError is part of this module's interface
    RecentWorkflows,
    SpeclessWorkflowConverter,
    StateError,
)
from services.workflow.engine_state import (
    announced_tasks as _announced,
)
from services.workflow.engine_state import (
    jsonable as _jsonable,
)
from services.workflow.engine_timers import due_times, rearm
from services.workflow.expressions import (  # DiagramError is part of this module's interface
    DiagramError,
    ExpressionRefused,
    RestrictedScriptEngine,
)
from shared.clock import Clock, PinnableClock, SystemClock

__all__ = [
    "ActionNotOffered",
    "DiagramError",
    "Engine",
    "InvalidPayload",
    "Offer",
    "ProcessError",
    "ProcessModel",
    "StateError",
]

_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_RECENT_SIZE = 256
# Engine steps after which timers are looked at again; a diagram whose timers keep falling due
# within one call (a cycle shorter than a step) is cut off here rather than spinning.
_MAX_ROUNDS = 50


class ProcessError(RuntimeError):
    """An engine step failed while running a valid diagram (e.g. a condition raised)."""


class InvalidPayload(ValueError):
    """An action's payload uses a reserved key."""


class ActionNotOffered(Exception):
    def __init__(self, action: str, offered: list[str]) -> None:
        super().__init__(f"action {action!r} is not offered now; offered: {offered}")
        self.action = action
        self.offered = offered


@dataclass(frozen=True)
class Offer:
    action: str
    role: str
    task_name: str  # bpmn id of the user task


@dataclass(frozen=True)
class ProcessModel:
    process_id: str
    version: int
    bpmn_xml: bytes = field(repr=False)
    _parsed: Parsed | None = field(default=None, compare=False, repr=False)


class Engine:
    """`functions`: what diagram expressions may call besides safe builtins; `clock`: what timers
    read (give the functions the same PinnableClock, so that `today()` follows `at`);
    `notices`: the event types a diagram may announce (None: any; checked at deploy)."""

    def __init__(
        self,
        functions: Mapping[str, Callable[..., Any]] | None = None,
        clock: Clock | None = None,
        notices: Collection[str] | None = None,
    ) -> None:
        given = clock or SystemClock()
        self.clock = given if isinstance(given, PinnableClock) else PinnableClock(given)
        self._script_engine = RestrictedScriptEngine(dict(functions or {}), self.clock)
        self._reserved = self._script_engine.environment.callables
        self._notices = None if notices is None else frozenset(notices)
        self._registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        self._converter = SpeclessWorkflowConverter(BpmnWorkflow, self._registry)
        self._serializer = BpmnWorkflowSerializer(self._registry)
        self._parsed: dict[tuple[str, int, bytes], Parsed] = {}
        self._recent = RecentWorkflows(_RECENT_SIZE)
        # What had been announced in states that were then advanced (see _take).
        self._seen = RecentWorkflows(_RECENT_SIZE)
        # Spiff logs every task state change at INFO (~10 lines per instance started), which
        # costs a third of the engine's rate under an INFO root logger; opt in by setting a level.
        spiff_logger = logging.getLogger("spiff")
        if spiff_logger.level == logging.NOTSET:
            spiff_logger.setLevel(logging.WARNING)

    def parse(self, bpmn_xml: bytes, process_id: str, version: int) -> ProcessModel:
        parsed = parse_diagram(bpmn_xml, process_id, self._script_engine, self._notices)
        self._parsed[(process_id, version, bpmn_xml)] = parsed
        return ProcessModel(process_id, version, bpmn_xml, parsed)

    def start(self, model: ProcessModel, data: Mapping[str, Any]) -> str:
        parsed = self._spec_of(model)
        workflow = BpmnWorkflow(
            parsed.spec, parsed.subprocess_specs, script_engine=self._script_engine
        )
        workflow.task_tree.data = _payload_data(data, self._reserved)
        _guarded(lambda: _advance(workflow))
        return self._save(model, workflow)

    def offers(self, model: ProcessModel, state: str) -> list[Offer]:
        return [
            Offer(action, role, task.task_spec.bpmn_id)
            for task, pairs in _user_tasks(self._view(model, state))
            for action, role in pairs
        ]

    def data(self, model: ProcessModel, state: str) -> dict[str, Any]:
        workflow = self._view(model, state)
        if workflow.is_completed():
            current = dict(workflow.data)
        else:
            current = {}
            for task in workflow.get_tasks(state=_OPEN):
                current.update(task.data)
        result: dict[str, Any] = json.loads(json.dumps(current, default=_jsonable))
        return result

    def perform(
        self, model: ProcessModel, state: str, action: str, payload: Mapping[str, Any]
    ) -> str:
        data = {**_payload_data(payload, self._reserved), "action": action}
        workflow = self._take(model, state)
        task = _task_offering(workflow, action)
        task.data.update(data)
        _guarded(task.run)
        _guarded(lambda: _advance(workflow))
        return self._save(model, workflow)

    def update(self, model: ProcessModel, state: str, changes: Mapping[str, Any]) -> str:
        """Correct the data of a running instance from outside (e.g. a new lead unit or due
        date); its waiting timers are evaluated again with the new data.

        A waiting user task with boundary events is entered again, so that its boundary timers,
        including those that already fired, are armed afresh for the new data (a due date moved
        later is reminded again); the diagram's gateways decide whether an announcement that
        went out before goes out again."""
        data = _payload_data(changes, self._reserved)
        workflow = self._take(model, state)
        reentered = [
            task
            for task, _pairs in _user_tasks(workflow)
            if isinstance(task.parent.task_spec, BoundaryEventSplit)
        ]
        for task in workflow.get_tasks():
            if task.state & _OPEN:
                task.data.update(data)
                if task.parent is not None:  # a waiting event inherits its parent's data again
                    task.parent.data.update(data)
                rearm(task)
        for task in reentered:
            workflow.reset_from_task_id(task.id, data=dict(task.data))
        _guarded(lambda: _advance(workflow))
        return self._save(model, workflow)

    def is_completed(self, model: ProcessModel, state: str) -> bool:
        return bool(self._view(model, state).is_completed())

    def next_due(self, model: ProcessModel, state: str) -> datetime | None:
        """When the earliest waiting timer falls due (aware UTC); None if no timer waits."""
        workflow = self._view(model, state)
        return min(due_times(iter(list(workflow.event_manager.tasks.values()))), default=None)

    def at(self, when: datetime) -> AbstractContextManager[datetime]:
        """Hold the engine's clock at `when` in this thread: the scheduler fires each timer at
        its due time, so that timers placed by its branch count from it (`today()`)."""
        return self.clock.held_at(when)

    def fire_due(self, model: ProcessModel, state: str) -> str:
        """Fire the timers that are due by the engine's clock and run what follows them."""
        workflow = self._take(model, state)
        _guarded(lambda: _advance(workflow))
        return self._save(model, workflow)

    def notices(self, model: ProcessModel, before: str | None, after: str) -> list[str]:
        """Events announced by the script tasks that ran between two states of one instance
        (`before` None: since the start), in the order they ran."""
        announcing = self._spec_of(model).announcing
        if not announcing:
            return []
        seen: frozenset[Any] | set[Any] = set()
        if before is not None:
            known = self._seen.get((model.process_id, model.version, before))
            seen = (
                known
                if known is not None
                else set(_announced(self._view(model, before), announcing))
            )
        ran = [
            task
            for task_id, task in _announced(self._view(model, after), announcing).items()
            if task_id not in seen
        ]
        ran.sort(key=lambda task: task.last_state_change)
        return [task.data["notice"] for task in ran if isinstance(task.data.get("notice"), str)]

    def _spec_of(self, model: ProcessModel) -> Parsed:
        if model._parsed is not None:
            return model._parsed
        key = (model.process_id, model.version, model.bpmn_xml)
        if key not in self._parsed:
            self._parsed[key] = parse_diagram(
                model.bpmn_xml, model.process_id, self._script_engine, self._notices
            )
        return self._parsed[key]

    def _save(self, model: ProcessModel, workflow: BpmnWorkflow) -> str:
        state: str = self._serializer.serialize_json(workflow)
        self._recent.put((model.process_id, model.version, state), workflow)
        return state

    def _load(self, model: ProcessModel, state: str) -> BpmnWorkflow:
        parsed = self._spec_of(model)
        try:
            dct = json.loads(state)
            version = dct.pop(self._serializer.VERSION_KEY, None)
        except (TypeError, ValueError, AttributeError) as exc:
            raise StateError(f"state is not a workflow serialization: {exc}") from None
        if version != self._serializer.VERSION:
            # Spiff's migrations expect the spec inside the state; ours keeps it outside.
            raise StateError(
                f"state written by serializer {version}, engine reads "
                f"{self._serializer.VERSION}; migrate stored states first"
            )
        return self._converter.from_dict(
            dct, parsed.spec, parsed.subprocess_specs, self._script_engine
        )

    def _take(self, model: ProcessModel, state: str) -> BpmnWorkflow:
        """A workflow to advance: the cached view of `state` if there is one (usually: the caller
        just asked what it offers), taken out of the cache so that no reader sees it change, else
        a fresh load. What it had announced so far is kept for `notices(state, …)`."""
        key = (model.process_id, model.version, state)
        workflow = self._recent.take(key) or self._load(model, state)
        announcing = self._spec_of(model).announcing
        if announcing:
            self._seen.put(key, frozenset(_announced(workflow, announcing)))
        return workflow

    def _view(self, model: ProcessModel, state: str) -> BpmnWorkflow:
        """A workflow for read-only questions; usually the one `start`/`perform` just saved."""
        key = (model.process_id, model.version, state)
        workflow = self._recent.get(key)
        if workflow is None:
            workflow = self._load(model, state)
            self._recent.put(key, workflow)
        return workflow


def _user_tasks(workflow: BpmnWorkflow) -> Iterator[tuple[Any, list[tuple[str, str]]]]:
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        yield task, declared_actions(task.task_spec)


def _task_offering(workflow: BpmnWorkflow, action: str) -> Any:
    offered: list[str] = []
    for task, pairs in _user_tasks(workflow):
        actions = [name for name, _role in pairs]
        if action in actions:
            return task
        offered.extend(actions)
    raise ActionNotOffered(action, offered)


def _payload_data(payload: Mapping[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    """Data from outside becomes globals of diagram expressions: keep out dunders and names
    that would shadow whitelisted functions."""
    for key in payload:
        if not isinstance(key, str) or key.startswith("__") or key in reserved:
            raise InvalidPayload(f"khóa dữ liệu {key!r} không được phép")
    return dict(payload)


def _advance(workflow: BpmnWorkflow) -> None:
    """Run engine steps until nothing is left to run now. Spiff's do_engine_steps refreshes
    timers only at its end, so a timer found due there would wait for the next call."""
    workflow.refresh_timers()
    for _round in range(_MAX_ROUNDS):
        workflow.do_engine_steps()
        if not any(not t.task_spec.manual for t in workflow.get_tasks(state=TaskState.READY)):
            return
    raise ProcessError(f"quy trình vẫn còn bước sẵn sàng sau {_MAX_ROUNDS} vòng")


def _guarded(step: Callable[[], Any]) -> None:
    try:
        step()
    except ExpressionRefused as exc:
        raise DiagramError(f"biểu thức bị từ chối khi chạy: {exc}") from None
    except SpiffWorkflowException as exc:
        raise ProcessError(str(exc)) from exc
