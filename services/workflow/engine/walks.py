"""The engine's walks over a workflow's task tree: Spiff's walks by state, made cheaper while a
workflow has no subprocess, and the one walk that reads what a Step reports.

Private to the engine package (services/workflow/engine/core.py).
"""

from __future__ import annotations

import logging
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskState

OPEN = TaskState.READY | TaskState.WAITING | TaskState.STARTED
_UNFINISHED = TaskState.NOT_FINISHED_MASK
# The filters of Spiff's task walks that `_tasks_by_state` applies.
_FILTERS = frozenset({"state", "manual", "spec_name"})
_spiff_workflow_logger = logging.getLogger("spiff.workflow")
_spiff_task_logger = logging.getLogger("spiff.task")


class Workflow(BpmnWorkflow):  # type: ignore[misc]
    """Spiff's workflow, whose task walks by state (what its engine steps, task completions and
    predictions use, and our reads) go through `_tasks_by_state` while it has no subprocess.

    A new workflow's first prediction (the tasks Spiff predicts from the start task before
    anything ran: the same for every instance of a spec) is laid out from the one its spec's
    first instance made, the same tasks created in the same order with the same states."""

    def __init__(
        self, spec: Any, subprocess_specs: Any = None, script_engine: Any = None, **kwargs: Any
    ) -> None:
        first = None if kwargs.get("deserializing") else _first_predictions.get(spec)
        if first is None or _spiff_task_logger.isEnabledFor(logging.INFO):
            super().__init__(spec, subprocess_specs, script_engine, **kwargs)
            if not kwargs.get("deserializing"):
                _first_predictions[spec] = _predictions(self)
            return
        super().__init__(spec, subprocess_specs, script_engine, deserializing=True, **kwargs)
        # Spiff's Workflow.__init__ when not deserializing, its prediction replayed.
        root = Task(self, spec.start, state=TaskState.FUTURE)
        self.task_tree = root
        made = [root]
        specs = spec.task_specs
        for parent, name, state in first:
            made.append(made[parent]._add_child(specs[name], state))
        _spiff_workflow_logger.info("Initialized workflow", extra=self.collect_log_extras())
        root._ready()

    def get_tasks_iterator(self, first_task: Any = None, **kwargs: Any) -> Any:
        if self.subprocesses or not kwargs.keys() <= _FILTERS:
            return super().get_tasks_iterator(first_task, **kwargs)
        return _tasks_by_state(
            self.tasks,
            first_task or self.task_tree,
            kwargs.get("state", TaskState.ANY_MASK),
            kwargs.get("manual"),
            kwargs.get("spec_name"),
        )

    def update_waiting_tasks(self) -> None:
        # After every task completed (~6 times an action): the walk without the filters' checks.
        if self.subprocesses:
            waiting = self.get_tasks_iterator(state=TaskState.WAITING)
        else:
            waiting = _tasks_by_state(self.tasks, self.task_tree, TaskState.WAITING, None)
        for task in waiting:
            task.task_spec._update(task)

    def collect_log_extras(self, dct: dict[str, Any] | None = None) -> dict[str, Any]:
        """Spiff's extras for its workflow log records (made at every start, with a walk over
        every task), made only when `spiff.workflow` logs at INFO: else no record is made."""
        if _spiff_workflow_logger.isEnabledFor(logging.INFO):
            extras: dict[str, Any] = super().collect_log_extras(dct)
            return extras
        return dct or {}


# A spec's first prediction: (index of the parent, task spec's name, state) of each predicted
# task in the order Spiff created them (the root, index 0, is the start task). Names, not task
# specs, which refer to their spec: the entry goes with its spec.
_first_predictions: weakref.WeakKeyDictionary[Any, list[tuple[int, str, int]]] = (
    weakref.WeakKeyDictionary()
)


def _predictions(workflow: BpmnWorkflow) -> list[tuple[int, str, int]]:
    """What Spiff's first prediction made in a new workflow (its tasks are all that it has)."""
    tasks = list(workflow.tasks.values())
    index = {task.id: n for n, task in enumerate(tasks)}
    return [(index[task._parent], task.task_spec.name, task._state) for task in tasks[1:]]


def _tasks_by_state(
    tasks: Mapping[Any, Any],
    first: Any,
    state: int,
    manual: bool | None,
    spec_name: str | None = None,
) -> Iterator[Any]:
    """Spiff's TaskIterator for a state (and `manual`, `spec_name`) filter, without its
    bookkeeping: the same tasks in the same depth-first order, lazily (a task's children are
    read when it is reached), and the same pruning (below a task whose state is under the
    filter's least state nothing is looked at)."""
    if state & TaskState.PREDICTED_MASK:
        least = TaskState.MAYBE
    elif state & TaskState.DEFINITE_MASK:
        least = TaskState.FUTURE
    else:
        least = TaskState.COMPLETED
    pending = [first]
    below = tasks.__getitem__
    if manual is None and spec_name is None:  # most walks: by state alone
        pop, push, extend = pending.pop, pending.append, pending.extend
        while pending:
            task = pop()
            current = task._state
            if current >= least:  # a predicted task's children are not read in most walks
                children = task._children
                if len(children) == 1:
                    push(below(children[0]))
                elif children:
                    extend(map(below, reversed(children)))
            if current & state:
                yield task
        return
    while pending:
        task = pending.pop()
        children = task._children
        if children and task._state >= least:
            pending.extend(map(below, reversed(children)))
        if (
            task._state & state
            and (manual is None or task.task_spec.manual == manual)
            and (spec_name is None or task.task_spec.name == spec_name)
        ):
            yield task


@dataclass
class Walked:
    """What one walk over a workflow's task tree found, in Spiff's depth-first order."""

    open: list[Any] = field(default_factory=list)  # READY, WAITING or STARTED tasks
    user_tasks: list[tuple[Any, list[tuple[str, str]]]] = field(default_factory=list)
    offering: dict[str, Any] = field(default_factory=dict)  # action -> its (first) user task
    announced: dict[Any, Any] = field(default_factory=dict)  # completed announcing tasks by id
    unfinished: bool = False  # a task is not finished (Spiff's is_completed() is false)


def walk(
    workflow: BpmnWorkflow,
    announcing: frozenset[str],
    actions_of: Callable[[Any], list[tuple[str, str]]],
) -> Walked:
    """One pre-order walk of the whole tree, as Spiff's unfiltered get_tasks() visits it: what
    the filtered walks (open tasks, ready user tasks) would find comes in the same order, since
    Spiff's filters only skip the children of predicted tasks, which are predicted too. The
    announcing tasks are looked for everywhere (a filtered walk does not descend below a
    waiting task, and a cycle timer stays waiting above the branches it fired)."""
    if workflow.subprocesses:
        return _walk_with_spiff(workflow, announcing, actions_of)
    found = Walked()
    below = workflow.tasks.__getitem__
    pending = [workflow.task_tree]
    while pending:
        task = pending.pop()
        state = task._state
        if state & OPEN:
            found.open.append(task)
            if state == TaskState.READY and task.task_spec.manual:
                pairs = actions_of(task)
                found.user_tasks.append((task, pairs))
                for action, _role in pairs:
                    found.offering.setdefault(action, task)
        if state & _UNFINISHED:
            found.unfinished = True
        elif state == TaskState.COMPLETED and task.task_spec.name in announcing:
            found.announced[task.id] = task
        if task._children:
            pending.extend(map(below, reversed(task._children)))
    return found


def kept(found: Walked, workflow: BpmnWorkflow) -> Walked:
    """What `found` (a walk of `workflow`) holds that a walk of the workflow as it stands now
    would find, once `prune` has dropped finished tasks: the same, but for the announcing
    tasks dropped (prune keeps every unfinished task, in the same order, and drops no
    unfinished one). What a cached workflow's next read starts from (`rewalk`)."""
    tasks = workflow.tasks
    announced = {key: task for key, task in found.announced.items() if tasks.get(key) is task}
    if len(announced) == len(found.announced):
        return found
    return Walked(found.open, found.user_tasks, found.offering, announced, found.unfinished)


def rewalk(found: Walked, actions_of: Callable[[Any], list[tuple[str, str]]]) -> Walked:
    """What `walk` finds in the tree `found` was walked from, left untouched since (a cached
    workflow: the cache hands it out only with the state it was serialized to): the same tasks,
    in the same order, each user task's actions asked again (a condition may read the clock)."""
    again = Walked(list(found.open), announced=dict(found.announced), unfinished=found.unfinished)
    for task, _pairs in found.user_tasks:
        pairs = actions_of(task)
        again.user_tasks.append((task, pairs))
        for action, _role in pairs:
            again.offering.setdefault(action, task)
    return again


def _walk_with_spiff(
    workflow: BpmnWorkflow,
    announcing: frozenset[str],
    actions_of: Callable[[Any], list[tuple[str, str]]],
) -> Walked:
    """What `_walk` finds, through Spiff's own walks: for a workflow with subprocesses, which
    Spiff's iterator descends into."""
    found = Walked(open=workflow.get_tasks(state=OPEN))
    for task in workflow.get_tasks(state=TaskState.READY, manual=True):
        pairs = actions_of(task)
        found.user_tasks.append((task, pairs))
        for action, _role in pairs:
            found.offering.setdefault(action, task)
    for task in workflow.get_tasks():
        if task.state == TaskState.COMPLETED and task.task_spec.name in announcing:
            found.announced[task.id] = task
    found.unfinished = not workflow.is_completed()
    return found


def ready_automatic(workflow: BpmnWorkflow) -> bool:
    """Whether a task that is not a user task is ready to run (a walk that stops at the first).
    As Spiff's walk for READY tasks, it does not look below a predicted task (MAYBE, LIKELY),
    whose children are predicted too."""
    if workflow.subprocesses:
        ready = workflow.get_tasks(state=TaskState.READY)
        return any(not task.task_spec.manual for task in ready)
    tasks = workflow.tasks
    pending = [workflow.task_tree]
    ready = TaskState.READY
    least = TaskState.FUTURE
    while pending:
        task = pending.pop()
        state = task._state
        if state == ready and not task.task_spec.manual:
            return True
        children = task._children
        if children and state >= least:
            pending.extend(map(tasks.__getitem__, children))
    return False
