"""The only door to SpiffWorkflow: parse diagrams, start instances, offer and perform actions.

An instance's state is a JSON string that the caller stores; the engine keeps no instance in
memory that the caller could depend on. The process spec is not part of the state: it belongs to
the ProcessModel (a deployed diagram version), which every call receives, so a state stays small
and loads without re-building the spec.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter, WorkflowConverter
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException
from SpiffWorkflow.spiff.parser.process import VALIDATOR, SpiffBpmnParser
from SpiffWorkflow.spiff.serializer.config import SPIFF_CONFIG
from SpiffWorkflow.util.task import TaskState

from services.workflow.expressions import (  # DiagramError is part of this module's interface
    DiagramError,
    ExpressionRefused,
    RestrictedScriptEngine,
    check_diagram,
    read_diagram,
)

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_RECENT_SIZE = 256


class ProcessError(RuntimeError):
    """An engine step failed while running a valid diagram (e.g. a condition raised)."""


class StateError(ValueError):
    """The stored state does not belong to this process model or cannot be read."""


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
class _Parsed:
    spec: Any
    subprocess_specs: dict[str, Any]


@dataclass(frozen=True)
class ProcessModel:
    process_id: str
    version: int
    bpmn_xml: bytes = field(repr=False)
    _parsed: _Parsed | None = field(default=None, compare=False, repr=False)


class Engine:
    def __init__(self, functions: Mapping[str, Callable[..., Any]] | None = None) -> None:
        self._script_engine = RestrictedScriptEngine(dict(functions or {}))
        self._reserved = self._script_engine.environment.callables
        self._registry = BpmnWorkflowSerializer.configure(SPIFF_CONFIG)
        self._converter = _SpeclessWorkflowConverter(BpmnWorkflow, self._registry)
        self._serializer = BpmnWorkflowSerializer(self._registry)
        self._parsed: dict[tuple[str, int, bytes], _Parsed] = {}
        self._recent = _RecentWorkflows(_RECENT_SIZE)
        # Spiff logs every task state change at INFO (~10 lines per instance started), which
        # costs a third of the engine's rate under an INFO root logger; opt in by setting a level.
        spiff_logger = logging.getLogger("spiff")
        if spiff_logger.level == logging.NOTSET:
            spiff_logger.setLevel(logging.WARNING)

    def parse(self, bpmn_xml: bytes, process_id: str, version: int) -> ProcessModel:
        parsed = _parse(bpmn_xml, process_id, self._script_engine)
        self._parsed[(process_id, version, bpmn_xml)] = parsed
        return ProcessModel(process_id, version, bpmn_xml, parsed)

    def start(self, model: ProcessModel, data: Mapping[str, Any]) -> str:
        parsed = self._spec_of(model)
        workflow = BpmnWorkflow(
            parsed.spec, parsed.subprocess_specs, script_engine=self._script_engine
        )
        workflow.task_tree.data = _payload_data(data, self._reserved)
        _guarded(workflow.do_engine_steps)
        return self._save(model, workflow)

    def offers(self, model: ProcessModel, state: str) -> list[Offer]:
        return [
            Offer(action, role, task.task_spec.bpmn_id)
            for task, actions, role in _user_tasks(self._view(model, state))
            for action in actions
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
        workflow = self._load(model, state)  # fresh: cached views are never mutated
        task = _task_offering(workflow, action)
        task.data.update(data)
        _guarded(task.run)
        _guarded(workflow.do_engine_steps)
        return self._save(model, workflow)

    def is_completed(self, model: ProcessModel, state: str) -> bool:
        return bool(self._view(model, state).is_completed())

    def _spec_of(self, model: ProcessModel) -> _Parsed:
        if model._parsed is not None:
            return model._parsed
        key = (model.process_id, model.version, model.bpmn_xml)
        if key not in self._parsed:
            self._parsed[key] = _parse(model.bpmn_xml, model.process_id, self._script_engine)
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

    def _view(self, model: ProcessModel, state: str) -> BpmnWorkflow:
        """A workflow for read-only questions; usually the one `start`/`perform` just saved."""
        key = (model.process_id, model.version, state)
        workflow = self._recent.get(key)
        if workflow is None:
            workflow = self._load(model, state)
            self._recent.put(key, workflow)
        return workflow


class _SpeclessWorkflowConverter(BpmnWorkflowConverter):  # type: ignore[misc]  # untyped
    """Serializes a workflow without its spec, which is two thirds of Spiff's default output and
    most of its load time; the spec is supplied again on load from the ProcessModel."""

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["process_id"] = workflow.spec.name
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(
        self,
        dct: dict[str, Any],
        spec: Any = None,
        subprocess_specs: dict[str, Any] | None = None,
        script_engine: RestrictedScriptEngine | None = None,
    ) -> BpmnWorkflow:
        if spec is None or dct.get("process_id") != spec.name:
            raise StateError(
                f"state of process {dct.get('process_id')!r} does not belong to "
                f"model {getattr(spec, 'name', None)!r}"
            )
        workflow = self.target_class(
            spec, subprocess_specs, script_engine=script_engine, deserializing=True
        )
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


class _RecentWorkflows:
    """A small LRU of workflows by (process, version, state); only read, never advanced."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._items: OrderedDict[tuple[str, int, str], BpmnWorkflow] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple[str, int, str]) -> BpmnWorkflow | None:
        with self._lock:
            workflow = self._items.get(key)
            if workflow is not None:
                self._items.move_to_end(key)
            return workflow

    def put(self, key: tuple[str, int, str], workflow: BpmnWorkflow) -> None:
        with self._lock:
            self._items[key] = workflow
            while len(self._items) > self._size:
                self._items.popitem(last=False)


def _parse(bpmn_xml: bytes, process_id: str, script_engine: RestrictedScriptEngine) -> _Parsed:
    root = read_diagram(bpmn_xml)
    parser = SpiffBpmnParser(validator=VALIDATOR)
    try:
        parser.add_bpmn_xml(root, filename=f"{process_id}.bpmn")
        if process_id not in parser.get_process_ids():
            raise DiagramError(f"không có quy trình thực thi được với id '{process_id}'")
        parsed = _Parsed(parser.get_spec(process_id), parser.get_subprocess_specs(process_id))
    except SpiffWorkflowException as exc:
        raise _diagram_error(exc) from None
    check_diagram(root, script_engine.environment)
    for spec in (parsed.spec, *parsed.subprocess_specs.values()):
        for task_spec in spec.task_specs.values():
            if task_spec.manual:
                _declared_actions(task_spec)
    return parsed


def _diagram_error(exc: SpiffWorkflowException) -> DiagramError:
    element = getattr(exc, "id", "")
    if element:
        return DiagramError(f"Phần tử '{element}': {exc}")
    line = getattr(exc, "line_number", "")
    return DiagramError(f"Sơ đồ không hợp lệ{f' (dòng {line})' if line else ''}: {exc}")


def _declared_actions(task_spec: Any) -> tuple[list[str], str]:
    """Actions and role of a user task, from its spiffworkflow properties."""
    properties = getattr(task_spec, "extensions", {}).get("properties", {})
    actions = [a.strip() for a in properties.get("actions", "").split(",") if a.strip()]
    role = properties.get("role", "").strip()
    if not actions or not all(_NAME.match(a) for a in actions) or not _NAME.match(role):
        raise DiagramError(
            f"Phần tử '{task_spec.name}': user task phải khai báo thuộc tính 'actions' "
            f"(vd. 'accept,return') và 'role' (vd. 'unit', 'office')"
        )
    return actions, role


def _user_tasks(workflow: BpmnWorkflow) -> Iterator[tuple[Any, list[str], str]]:
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        actions, role = _declared_actions(task.task_spec)
        yield task, actions, role


def _task_offering(workflow: BpmnWorkflow, action: str) -> Any:
    offered: list[str] = []
    for task, actions, _role in _user_tasks(workflow):
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


def _guarded(step: Callable[[], Any]) -> None:
    try:
        step()
    except ExpressionRefused as exc:
        raise DiagramError(f"biểu thức bị từ chối khi chạy: {exc}") from None
    except SpiffWorkflowException as exc:
        raise ProcessError(str(exc)) from exc


def _jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
