"""How the engine (services/workflow/engine/core.py) advances a workflow and reads what it
holds: engine steps until nothing is left to run now, errors turned into the engine's own, a
JSON copy of the data, the conditions of actions, the notices announced, the payload let in,
and the cache of the latest Steps' workflows."""

from __future__ import annotations

import ast
import functools
import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from typing import Any

import orjson
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.exceptions import SpiffWorkflowException

from services.workflow.engine.expressions import DiagramError, ExpressionRefused
from services.workflow.engine.state import jsonable, plain
from services.workflow.engine.steps import ActionNotOffered, InvalidPayload, ProcessError
from services.workflow.engine.walks import OPEN, Walked, ready_automatic

logger = logging.getLogger(__name__)

# Engine steps after which timers are looked at again; a diagram whose timers keep falling due
# within one call (a cycle shorter than a step) is cut off here rather than spinning.
MAX_ROUNDS = 50


def copied(data: dict[str, Any]) -> dict[str, Any]:
    """A JSON copy of the data (dates as ISO strings), by orjson when it writes it as json does
    (state.py, `plain`)."""
    copied: dict[str, Any]
    if plain(data):
        try:
            copied = orjson.loads(orjson.dumps(data, default=jsonable, option=ORJSON_OPTIONS))
            return copied
        except orjson.JSONEncodeError:
            pass  # a lone surrogate, deep nesting, or what json refuses as well
    copied = json.loads(json.dumps(data, default=jsonable))
    return copied


ORJSON_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS


def evaluated(environment: Any, condition: str, data: Mapping[str, Any], spec: Any) -> bool | None:
    """A `when.<action>` condition over a task's data; a name the data does not hold reads as
    None (a fact not noted yet), the diagram's functions stay callable. None (logged) when the
    condition failed: it does not hold."""
    missing = names_in(condition) - environment.callables
    context = {name: None for name in missing} | dict(data)
    try:
        return bool(environment.evaluate(condition, context))
    except Exception:  # a condition that fails offers nothing rather than failing a read
        logger.exception("condition when.* of %s failed: %s", spec.bpmn_id, condition)
        return None


def with_data(workflow: BpmnWorkflow, data: Mapping[str, Any]) -> list[Any]:
    """Put `data` into every open task (and the task a waiting event inherits from); returns
    those tasks."""
    opened = [task for task in workflow.get_tasks() if task.state & OPEN]
    for task in opened:
        task.data.update(data)
        if task.parent is not None:  # a waiting event inherits its parent's data again
            task.parent.data.update(data)
    return opened


@functools.lru_cache(maxsize=1024)
def names_in(expression: str) -> frozenset[str]:
    """The names an expression reads, parsed once per expression (a diagram's conditions are
    checked at every read of an instance)."""
    try:
        tree = ast.parse(expression.strip(), mode="eval")
    except SyntaxError:
        return frozenset()
    return frozenset(node.id for node in ast.walk(tree) if isinstance(node, ast.Name))


def notices_since(announced: Mapping[Any, Any], before: frozenset[Any]) -> tuple[str, ...]:
    """The notices of the announcing tasks that ran since `before`, in the order they ran."""
    ran = [task for task_id, task in announced.items() if task_id not in before]
    ran.sort(key=lambda task: task.last_state_change)
    return tuple(task.data["notice"] for task in ran if isinstance(task.data.get("notice"), str))


def task_offering(offering: Mapping[str, Any], action: str) -> Any:
    if action in offering:
        return offering[action]
    raise ActionNotOffered(action, list(offering))


class WorkflowCache:
    """The workflows of the latest Steps, by instance key, with the state each was read from
    or serialized to; least recently used out beyond `size`. An entry is taken out to be used:
    by `take` (a load whose state matches) or `release` (a Step's own workflow, to advance it),
    so no two calls ever hold the same workflow while one changes it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()
        self._entries: OrderedDict[str, tuple[str, BpmnWorkflow, Walked]] = OrderedDict()

    def take(self, key: str, state: str, spec: Any) -> tuple[BpmnWorkflow, Walked] | None:
        """The workflow cached for `key` if it is `state`'s, with what its walk found."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1].spec is not spec or entry[0] != state:
                return None
            del self._entries[key]
            return entry[1], entry[2]

    def release(self, key: str, workflow: BpmnWorkflow, state: str) -> bool:
        """Take out `workflow` if it is still as `state` left it (not advanced since by a call
        that held the same Step's workflow and put it back)."""
        with self._lock:
            entry = self._entries.get(key)
            if entry is None or entry[1] is not workflow or entry[0] != state:
                return False
            del self._entries[key]
            return True

    def put(self, key: str, state: str, workflow: BpmnWorkflow, walked: Walked) -> None:
        if self.size <= 0:
            return
        with self._lock:
            self._entries[key] = (state, workflow, walked)
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)


def payload_data(payload: Mapping[str, Any], reserved: frozenset[str]) -> dict[str, Any]:
    """Data from outside becomes globals of diagram expressions: keep out dunders and names
    that would shadow whitelisted functions."""
    for key in payload:
        if not isinstance(key, str) or key.startswith("__") or key in reserved:
            raise InvalidPayload(f"khóa dữ liệu {key!r} không được phép")
    return dict(payload)


def advance(workflow: BpmnWorkflow) -> None:
    """Run engine steps until nothing is left to run now. Spiff's do_engine_steps refreshes
    timers only at its end, so a timer found due there would wait for the next call."""
    workflow.refresh_timers()
    for _round in range(MAX_ROUNDS):
        workflow.do_engine_steps()
        if not ready_automatic(workflow):
            return
    raise ProcessError(f"quy trình vẫn còn bước sẵn sàng sau {MAX_ROUNDS} vòng")


def guarded(step: Callable[[], Any]) -> None:
    try:
        step()
    except ExpressionRefused as exc:
        raise DiagramError(f"biểu thức bị từ chối khi chạy: {exc}") from None
    except SpiffWorkflowException as exc:
        raise ProcessError(str(exc)) from exc
