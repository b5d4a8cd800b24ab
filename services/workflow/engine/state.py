"""The engine's storage helpers: a spec-less serialization of workflows.

Private to the engine package (services/workflow/engine/core.py).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date, datetime, timedelta
from types import ModuleType
from typing import Any
from uuid import UUID, SafeUUID

import orjson
from SpiffWorkflow.bpmn.serializer.default.workflow import (
    BpmnWorkflowConverter,
    TaskConverter,
    WorkflowConverter,
)
from SpiffWorkflow.bpmn.serializer.workflow import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.deep_merge import DeepMerge
from SpiffWorkflow.util.task import TaskState

from services.workflow.engine.expressions import RestrictedScriptEngine
from services.workflow.engine.prune import PRUNED, pruned_of


class StateError(ValueError):
    """The stored state does not belong to this process model or cannot be read."""


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    """Serializes a workflow without its spec, which is two thirds of Spiff's default output and
    most of its load time; the spec is supplied again on load from the ProcessModel.
    `workflow_class`: what a state is read into (a BpmnWorkflow)."""

    workflow_class: type[BpmnWorkflow] = BpmnWorkflow

    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = WorkflowConverter.to_dict(self, workflow)
        dct["process_id"] = workflow.spec.name
        if pruned_of(workflow):
            dct[PRUNED] = pruned_of(workflow)
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
        workflow = self.workflow_class(
            spec, subprocess_specs, script_engine=script_engine, deserializing=True
        )
        workflow.pruned = dct.pop(PRUNED, {})
        workflow.tasks = self.tasks_from_dict(dct["tasks"], workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow

    def tasks_from_dict(self, stored: dict[str, Any], workflow: BpmnWorkflow) -> dict[UUID, Any]:
        """The tasks as Spiff's `mapping_from_dict` and TaskConverter read them, read directly:
        each id is parsed once and the task's id, its parent's and children's links and the
        mapping's key are one UUID object (so Spiff's lookups match by identity), and empty
        data is not walked. Any task of another type name takes the generic path."""
        registry = self.registry
        if registry.convert_from_dict.get("Task") is None or any(
            task.get("typename") != "Task" for task in stored.values()
        ):
            return dict(self.mapping_from_dict(stored, UUID, workflow=workflow))
        ids = parsed_ids(stored)
        specs = workflow.spec.task_specs
        restore = registry.restore
        events = workflow.top_workflow.event_manager
        tasks: dict[UUID, Any] = {}
        for key, dct in stored.items():
            task_spec = specs.get(dct["task_spec"])
            task_id = ids.get(dct["id"]) or UUID(dct["id"])
            task = Task(workflow, task_spec, state=dct["state"], id=task_id)
            parent = dct["parent"]
            task._parent = None if parent is None else (ids.get(parent) or UUID(parent))
            task._children = [ids.get(child) or UUID(child) for child in dct["children"]]
            task.last_state_change = dct["last_state_change"]
            task.triggered = dct["triggered"]
            internal = dct["internal_data"]
            task.internal_data = restore(internal) if internal else {}
            if isinstance(task_spec, CatchingEvent) and task._state & TaskState.WAITING:
                events.add_task(task)
            delta = dct.get("delta")
            above = None if task._parent is None else workflow.tasks.get(task._parent)
            if delta and above is not None:
                data = DeepMerge.merge({}, above.data)
                updates = delta.get("updates", {})
                if updates:
                    data.update(restore(updates))
                for name in delta.get("deletions", {}):
                    if name in data:
                        del data[name]
            else:
                data = restore(dct["data"]) if dct["data"] else {}
            task.data = data
            tasks[ids.get(key) or UUID(key)] = task
        return tasks


_new = object.__new__
_set_int = vars(UUID)["int"].__set__  # the slots UUID.__init__ sets
_set_safe = vars(UUID)["is_safe"].__set__
_UNKNOWN = SafeUUID.unknown


def parsed_ids(texts: Any) -> dict[str, UUID]:
    """`UUID(text)` of each text, by text. A text of 32 letters and digits once its hyphens are
    out (what `dump` writes: `str(UUID)`) is the int of those hex digits, as UUID.__init__ reads
    it (its prefixes and braces are not there to strip), set without its checks in Python
    (half the time of `UUID(text)`, ~37 ids a load); any other text, or one that is not hex,
    goes to UUID itself, which reads it or raises as before."""
    ids: dict[str, UUID] = {}
    for text in texts:
        digits = text.replace("-", "")
        if len(digits) == 32 and digits.isalnum():
            try:
                value = int(digits, 16)
            except ValueError:
                ids[text] = UUID(text)
                continue
            made = _new(UUID)
            _set_int(made, value)
            _set_safe(made, _UNKNOWN)
            ids[text] = made
        else:
            ids[text] = UUID(text)
    return ids


class CompactTaskConverter(TaskConverter):
    """Spiff's task serialization, without the list of deleted keys that a task with no data
    (a predicted one: most of a waiting instance's tasks) would otherwise carry: it is stored
    as its own empty data, which Spiff's loader reads as such."""

    def to_dict(self, task: Any) -> dict[str, Any]:
        if task.data or task.parent is None:
            dct: dict[str, Any] = super().to_dict(task)
            return dct
        return {
            "id": str(task.id),
            "parent": str(task._parent),
            "children": [str(child) for child in task._children],
            "last_state_change": task.last_state_change,
            "state": task.state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": self.registry.convert(task.internal_data),
            "data": {},
            "delta": {},
        }


def dump(serializer: BpmnWorkflowSerializer, workflow: BpmnWorkflow) -> str:
    """`serializer.serialize_json(workflow)`, built directly: the registry's generic walk over
    every task (a fifth of starting an instance) is replaced by the dicts that
    SpeclessWorkflowConverter and CompactTaskConverter make, in the same key order, written by
    orjson, compactly, with Spiff's encoder's `default` (what it makes of datetimes); the task
    ids are UUIDs, which orjson writes as their strings (keys too: `_texts`, as str keys are
    written faster than OPT_NON_STR_KEYS writes any). Data that orjson would write otherwise
    than json (`plain`), a workflow with subprocesses or pending events, or a task of another
    class or id, take Spiff's path, whose string is the one the engine wrote before.
    tests/unit/test_engine_dump.py compares both over a task's whole life."""
    registry = serializer.registry
    typename = registry.typenames.get(type(workflow))
    if workflow.subprocesses or workflow.bpmn_events or registry.typenames.get(Task) != "Task":
        return str(serializer.serialize_json(workflow))
    tasks = workflow.tasks
    if not all(type(task_id) is UUID for task_id in tasks):
        return str(serializer.serialize_json(workflow))
    out: dict[str, Any] = {}
    # What orjson writes as json does (`plain`): the values task data holds are looked at.
    written_plain = True
    for key, (task_id, task) in zip(_texts(tasks), tasks.items(), strict=True):
        if type(task) is not Task:
            return str(serializer.serialize_json(workflow))
        parent_id = task._parent
        parent = None if parent_id is None else tasks.get(parent_id)
        data = task.data
        if parent is None:
            stored, delta = data, _NONE
            written_plain = written_plain and plain(data)
        elif data:
            above = parent.data
            stored = _NONE
            if data == above:  # what a task inherited and kept: no updates, no deletions
                # (but for a NaN, which == finds equal to itself and != different: not plain,
                # it is in the root's data or the updates of the first task to hold it, and
                # the workflow goes to Spiff's serializer)
                delta = {"updates": {}, "deletions": []}
            else:
                updates = {k: data[k] for k in data if k not in above or data[k] != above[k]}
                delta = {"updates": updates, "deletions": [k for k in above if k not in data]}
                written_plain = written_plain and plain(updates)
        else:  # CompactTaskConverter: a task with no data stores none, and no deletions
            stored = delta = _NONE
        internal = task.internal_data or _NONE
        if internal and not plain(internal):  # `_clean` leaves plain data as it is
            internal = _clean(internal)
            written_plain = written_plain and plain(internal)
        out[key] = {
            "id": task_id,
            "parent": None if parent is None else parent_id,
            "children": task._children,
            "last_state_change": task.last_state_change,
            "state": task._state,
            "task_spec": task.task_spec.name,
            "triggered": task.triggered,
            "internal_data": internal,
            "data": stored,
            "delta": delta,
            "typename": "Task",
        }
    last = workflow.last_task
    dct: dict[str, Any] = {
        "data": _clean(workflow.data),
        "correlations": workflow.correlations,
        "last_task": None if last is None else _texts([last.id])[0],
        "success": workflow.success,
        "completed": workflow.completed,
        "tasks": out,
        "root": _texts([workflow.task_tree.id])[0],
        "process_id": workflow.spec.name,
    }
    if pruned_of(workflow):
        dct[PRUNED] = pruned_of(workflow)
    if not (written_plain and plain([dct["data"], dct["correlations"], dct.get(PRUNED)])):
        return str(serializer.serialize_json(workflow))
    dct["subprocesses"] = {}
    dct["bpmn_events"] = workflow.bpmn_events
    dct["typename"] = typename
    dct[serializer.VERSION_KEY] = serializer.VERSION
    registry._encoder_mode = True  # as serialize_json: the encoder converts in that mode
    try:
        return orjson.dumps(dct, default=_spiff_default(serializer), option=_ORJSON).decode()
    except orjson.JSONEncodeError:
        pass  # what orjson refuses and json writes (a lone surrogate, deep nesting) or refuses
    finally:
        registry._encoder_mode = False
    return str(serializer.serialize_json(workflow))


def _spiff_default(serializer: BpmnWorkflowSerializer) -> Callable[[Any], Any]:
    """The `default` of Spiff's JSON encoder (what it makes of datetimes and timedeltas), for
    orjson; the encoder is made when orjson first needs it (most states hold no datetime)."""

    def default(value: Any) -> Any:
        return serializer._encoder_cls().default(value)

    return default


def _texts(ids: Any) -> list[str]:
    """The strings of UUIDs, as str(UUID) writes them, written by orjson all at once (in C,
    where str(UUID) formats in Python)."""
    return orjson.dumps(list(ids)).decode()[2:-2].split('","')


def loads(state: str) -> Any:
    """A stored state read. `dump` writes by orjson, compactly, only what orjson reads back as
    json would (`plain`); a state with json's spaced separators (written by json: before the
    engine wrote with orjson, or data that is not plain, whose integers beyond 64 bits orjson
    would read as floats) is read by json, as before."""
    if not isinstance(state, str):
        return json.loads(state)
    after = state.find('":') + 2
    if after > 1 and state[after : after + 1] != " ":
        try:
            return orjson.loads(state)
        except orjson.JSONDecodeError:
            pass
    return json.loads(state)


def plain(value: Any) -> bool:
    """Whether orjson writes `value` as json.dumps does, up to spaces and escapes (both parse
    back to the same value): str keys, ints within 64 bits, finite floats, str, bool, None,
    lists, tuples and dicts of those (exact types), and the dates, datetimes and timedeltas that
    both hand to `default`. Anything else (a UUID or an enum, which orjson writes itself; NaN,
    which it writes as null) is written by json, as is what orjson refuses to write (a string
    with a lone surrogate, nesting deeper than 255)."""
    kind = type(value)
    if kind is str or kind is bool or value is None:
        return True
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                return False
            kind = type(item)
            if kind is not str and kind is not bool and item is not None and not plain(item):
                return False
        return True
    if kind is list or kind is tuple:
        return all(plain(item) for item in value)
    if kind is int:
        return bool(-_INT64 <= value < 2 * _INT64)
    if kind is float:
        return bool(value - value == 0.0)  # finite: inf - inf and nan - nan are nan
    return kind in _DEFAULTED


# orjson writes the dates, datetimes and dataclasses it meets through `default`, as json does.
_ORJSON = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_INT64 = 2**63
# A task's data, or its internal data, that it does not have, as written: never changed.
_NONE: dict[str, Any] = {}
_DEFAULTED = frozenset({datetime, date, timedelta})


def _clean(data: Any) -> Any:
    """The registry's `clean` in encoder mode: a dict without callables and modules."""
    if isinstance(data, dict):
        return {k: v for k, v in data.items() if not callable(v) and not isinstance(v, ModuleType)}
    return data


def jsonable(value: Any) -> Any:
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON-able")
