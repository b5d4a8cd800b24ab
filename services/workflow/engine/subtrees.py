"""SpiffWorkflow's walks below one task, without its iterator's bookkeeping.

Private to the engine package (services/workflow/engine/core.py installs it). At every action on
a waiting task, the join before the working step (the boundary events' join) looks for its own
instances below their split (`Join._find_tasks`), and each of the five boundary timers it
cancels walks its subtree to take its tasks out of the event manager (`for child in task`,
`Task.__iter__`). Both go through Spiff's `TaskIterator`, which filters every task through a
`TaskFilter` and keeps its depth by climbing parents at every leaf: about a tenth of an action's
engine work. The walks below visit the same tasks in the same depth-first order, read each task's
children when it is reached (as the iterator does, so a caller that changes the tree while
walking sees what it saw), and stop at the same depth (`TaskIterator`'s `max_depth`, 1000 below
the task walked from).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task

# TaskIterator's default `max_depth`: below it, nothing is looked at.
_MAX_DEPTH = 1000
_spiffs_find_tasks = Join._find_tasks
_spiffs_iter = Task.__iter__


def _below(first: Any, end_at_spec: str | None = None) -> Iterator[Any]:
    """`TaskIterator(first, end_at_spec=end_at_spec)` with no filter: every task from `first` down,
    depth first, not below a task of spec `end_at_spec` (every state is at least MAYBE, the least
    state an unfiltered walk descends from)."""
    tasks = first.workflow.tasks
    pending = [(first, 0)]
    while pending:
        task, depth = pending.pop()
        children = task._children
        if children and depth < _MAX_DEPTH and task.task_spec.name != end_at_spec:
            below = depth + 1
            # Task.children reads each id with .get: a missing one would be walked as None.
            pending.extend((tasks.get(child), below) for child in reversed(children))
        yield task


def _iter(self: Any) -> Iterator[Any]:
    """Spiff's `Task.__iter__`: the task and every task below it, depth first."""
    return _below(self)


def _find_tasks(self: Any, my_task: Any) -> list[Any]:
    """Spiff's `Join._find_tasks`: this join's instances in the task's thread below its split (or
    the whole tree), but those below the task itself. The walk does not descend below an
    instance, the task among them (one of this join's: the others are left to Spiff), and the
    split is above the task, so no instance found is below it: Spiff's `is_descendant_of` check
    of each one always finds it is not."""
    name = self.name
    if my_task.task_spec.name != name:
        found: list[Any] = _spiffs_find_tasks(self, my_task)
        return found
    split_task = my_task.find_ancestor(self.split_task) or my_task.workflow.task_tree
    thread = my_task.thread_id
    tasks = split_task.workflow.tasks
    thread_tasks = []
    pending = [(split_task, 0)]
    while pending:
        task, depth = pending.pop()
        if task.task_spec.name == name:
            if task.thread_id == thread:
                thread_tasks.append(task)
            continue  # nothing below an instance is looked at
        children = task._children
        if children and depth < _MAX_DEPTH:
            below = depth + 1
            pending.extend((tasks.get(child), below) for child in reversed(children))
    return thread_tasks


def install() -> None:
    """Put the plain walks on Spiff's Join and Task (idempotent)."""
    Join._find_tasks = _find_tasks
    Task.__iter__ = _iter


def uninstall() -> None:
    """Spiff's own walks again (for tests that compare both)."""
    Join._find_tasks = _spiffs_find_tasks
    Task.__iter__ = _spiffs_iter
