"""SpiffWorkflow's prediction of a task's future branches, laid out from the one it made before.

Private to the engine package (services/workflow/engine/core.py installs it). Every action on a
waiting instance runs its gateway, which predicts the branch it chose afresh: the step it loops
back to, that step's boundary events and every branch of its own gateway, some forty tasks, the
same every time. Spiff's `TaskSpec._predict` walks them down with its hooks (`_predict_hook`),
`_sync_children` and a list of the specs seen, which cost as much again as making the tasks.

A prediction from a task without children depends on nothing but the spec: its task spec, its
state, the mask, the specs seen above it and how far it has looked ahead (beyond every spec's
`lookahead` no deeper look is taken, so further is the same), as long as every hook that runs is
one of Spiff's that read only the spec (`_PURE`). The first such prediction is made by Spiff and
remembered as the tasks it created, in order: (index of the parent, task spec's name, state),
index 0 being the task predicted from; the next ones create the same tasks in the same order with
the same states through Spiff's `_add_child`, as walks.py lays out a new workflow's first
prediction. A prediction that did anything else (removed a task, changed one that was there, left
data on a new one) is not remembered: Spiff makes it each time. Nothing is laid out while
`spiff.task` logs at INFO, so that its records stay Spiff's.
"""

from __future__ import annotations

import logging
import time
import weakref
from typing import Any

from SpiffWorkflow import task as _spiff_task
from SpiffWorkflow.bpmn.specs.control import EventSplit
from SpiffWorkflow.bpmn.specs.mixins.events.event_types import CatchingEvent
from SpiffWorkflow.bpmn.specs.mixins.events.intermediate_event import EventBasedGateway
from SpiffWorkflow.specs.base import TaskSpec
from SpiffWorkflow.specs.MultiChoice import MultiChoice
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

_spiffs = TaskSpec._predict
_new = object.__new__
_task_logger = logging.getLogger("spiff.task")
# Spiff's hooks that read only the spec (and `choice`, None but for Choose's trigger, checked).
_PURE = frozenset(
    {
        TaskSpec._predict_hook,
        MultiChoice._predict_hook,
        EventSplit._predict_hook,
        CatchingEvent._predict_hook,
        EventBasedGateway._predict_hook,
    }
)
_Layout = tuple[tuple[tuple[int, int], ...], tuple[tuple[int, str, int], ...]]
# By process spec: (task spec name, state, mask, names seen, looked ahead) -> the layout, or
# None for a prediction that is made by Spiff each time.
_layouts: weakref.WeakKeyDictionary[Any, dict[tuple[Any, ...], _Layout | None]] = (
    weakref.WeakKeyDictionary()
)
# Bounds: the keys remembered per process spec (then predictions are Spiff's), and the tasks of
# a subtree predicted from (a prediction repeated at every action starts from a few).
_KEPT = 1024
_LARGEST = 64
_farthest: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()


def _predict(
    self: Any,
    my_task: Any,
    seen: list[Any] | None = None,
    looked_ahead: int = 0,
    mask: int = TaskState.PREDICTED_MASK,
) -> None:
    """Spiff's `TaskSpec._predict`, laid out from a remembered prediction when it can be."""
    process = getattr(self, "_wf_spec", None)
    if process is None or _task_logger.isEnabledFor(logging.INFO):
        _spiffs(self, my_task, seen, looked_ahead, mask)
        return
    farthest = _farthest.get(process)
    if farthest is None:
        farthest = _farthest[process] = max(
            [spec.lookahead for spec in process.task_specs.values()], default=0
        )
    found = _subtree(my_task)
    known = _layouts.get(process)
    if known is None:
        known = _layouts[process] = {}
    if found is None:
        _spiffs(self, my_task, seen, looked_ahead, mask)
        return
    below, shape = found
    key = (
        self.name,
        mask,
        tuple(spec.name for spec in seen) if seen else (),
        min(looked_ahead, farthest),
        shape,
    )
    if key not in known:
        if len(known) >= _KEPT:
            _spiffs(self, my_task, seen, looked_ahead, mask)
            return
        known[key] = _recorded(self, my_task, seen, looked_ahead, mask, below)
        return
    layout = known[key]
    if layout is None:
        _spiffs(self, my_task, seen, looked_ahead, mask)
        return
    changed, added = layout
    for at, state in changed:
        below[at]._set_state(state)
    specs = process.task_specs
    for parent, name, state in added:
        below.append(_added(below[parent], specs[name], state))


def _added(parent: Any, spec: Any, state: int) -> Any:
    """`parent._add_child(spec, state)`, made directly: what Spiff's `Task.__init__` sets, in its
    order (its parent is known, not looked up by id), with the parent's thread as `_add_child`
    sets it. A predicted task is never READY; one that is becomes so as `_add_child` makes it."""
    workflow = parent.workflow
    task = _new(Task)
    task.id = made = _spiff_task.uuid4()
    workflow.tasks[made] = task
    task.workflow = workflow
    task._parent = parent.id
    task._children = []
    task._state = state
    task.triggered = False
    task.task_spec = spec
    task.thread_id = parent.thread_id
    task.data = {}
    task.internal_data = {}
    task.last_state_change = time.time()
    parent._children.append(made)
    if state == TaskState.READY:
        task._ready()
    return task


def _subtree(my_task: Any) -> tuple[list[Any], tuple[tuple[int, str, int, bool], ...]] | None:
    """The task and the tasks below it, depth first, and their shape: (index of the parent, task
    spec's name, state, triggered) of each (the task's own parent index is -1); None for more
    than `_LARGEST` tasks (a prediction from high in a tree, which is not made again)."""
    tasks = my_task.workflow.tasks
    below: list[Any] = []
    shape: list[tuple[int, str, int, bool]] = []
    pending = [(-1, my_task)]
    while pending:
        parent, task = pending.pop()
        at = len(below)
        if at == _LARGEST:
            return None
        below.append(task)
        shape.append((parent, task.task_spec.name, task._state, task.triggered))
        if task._children:
            pending.extend((at, tasks[child]) for child in reversed(task._children))
    return below, tuple(shape)


def _recorded(
    self: Any,
    my_task: Any,
    seen: list[Any] | None,
    looked_ahead: int,
    mask: int,
    below: list[Any],
) -> _Layout | None:
    """Spiff's prediction, made; what it did as a layout (the states it changed below the task,
    by index in `below`, and the tasks it created), or None when it did anything a layout would
    not do again."""
    tasks = my_task.workflow.tasks
    there = list(tasks.values())
    states = [task._state for task in below]
    children = [list(task._children) for task in below]
    _spiffs(self, my_task, seen, looked_ahead, mask)
    after = list(tasks.values())
    if (
        len(after) < len(there)
        or any(old is not new for old, new in zip(there, after, strict=False))
        or my_task._state != states[0]
        or any(task.id not in tasks for task in below)
    ):
        return None  # a task removed, or the task's own state changed
    made = after[len(there) :]
    every = below + made
    index = {task.id: at for at, task in enumerate(every)}
    added = []
    for task in made:
        parent = index.get(task._parent)
        if (
            parent is None
            or task.data
            or task.internal_data
            or task.triggered
            or task.thread_id != tasks[task._parent].thread_id
        ):
            return None
        added.append((parent, task.task_spec.name, task._state))
    specs = self._wf_spec.task_specs
    for at, task in enumerate(every):
        spec = task.task_spec
        before = children[at] if at < len(below) else []
        if (
            specs.get(spec.name) is not spec
            or type(spec)._predict_hook not in _PURE
            or getattr(spec, "choice", None) is not None
            # its children: those it had, then those created, in the order they were
            or task._children != before + [child.id for child in made if child._parent == task.id]
        ):
            return None
    changed = tuple((at, task._state) for at, task in enumerate(below) if task._state != states[at])
    return changed, tuple(added)


def install() -> None:
    """Put the laid-out prediction on Spiff's TaskSpec (idempotent)."""
    TaskSpec._predict = _predict
