"""Pruning a waiting workflow of the finished tasks it no longer needs (see `prune`).

Private to the engine package (services/workflow/engine/core.py stores states pruned, state.py
writes and reads the record of what was pruned).
"""

from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.util.task import TaskState

# What a state keeps of the tasks pruned from it: spec name -> [the states of its pruned tasks
# together, when the first of them completed (None: none completed)].
PRUNED = "pruned"

_UNFINISHED = TaskState.NOT_FINISHED_MASK


def pruned_of(workflow: BpmnWorkflow) -> dict[str, list[Any]]:
    """The record of the tasks pruned from `workflow` (see `prune`)."""
    pruned: dict[str, list[Any]] = getattr(workflow, "pruned", None) or {}
    return pruned


def prune(workflow: BpmnWorkflow) -> int:
    """Drop the finished tasks a waiting workflow no longer needs, so that its state stays the
    size of where it stands instead of growing with every step taken (a task's lifecycle loops
    through its one working step at each action). Returns how many tasks were dropped.

    Kept: the root; the lowest task above every unfinished task, their parents and the splits
    their boundary joins look up (Spiff reads nothing higher: a task inherits its parent's
    data, a boundary join finds its split, a parallel join weighs the branches still under
    way), linked under the root; below it, every unfinished task and its ancestors, and every
    child of a task that has an unfinished child (an update re-arms the boundary events beside
    a waiting user task, those that fired included). Dropped: everything else, all finished.
    What people and migrations read of the dropped tasks (the steps passed and when first, the
    steps reached) is kept in `workflow.pruned` by spec name. A finished workflow, or one with
    subprocesses, is left whole.

    A workflow whose finished tasks are one chain down from the root, with every unfinished
    task below the chain's last (an instance just started), is pruned without the general
    walks (`_chain`): what is dropped is the chain between the root and `top`."""
    if workflow.subprocesses:
        return 0
    tasks = workflow.tasks
    live = [task for task in tasks.values() if task._state & _UNFINISHED]
    if not live:
        return 0
    chained = _chain(workflow, live)
    if chained is not None:
        top, between = chained
        if not between:
            return 0
        dropped = [task for task in tasks.values() if task in between]
        return _drop(workflow, dropped, [workflow.task_tree], top)
    # Sets of tasks, not of ids: a task hashes by identity in C, a UUID through Python. Each
    # task's parent is looked up once (`above`), the ancestors' walks read that.
    get = tasks.get
    root = workflow.task_tree
    above = {task: get(task._parent) for task in tasks.values()}
    anchors = set(live)
    for task in live:
        parent = above[task]
        if parent is not None:
            anchors.add(parent)
        split = getattr(task.task_spec, "split_task", None)
        if split:  # Spiff's task.find_ancestor(split), through `above`
            while parent is not None and parent.task_spec.name != split:
                parent = above[parent] if parent in above else get(parent._parent)
            if parent is not None:
                anchors.add(parent)
    needed: set[Any] = set()  # unfinished tasks and their ancestors (so every anchor)
    for task in live:
        while task is not None and task not in needed:
            needed.add(task)
            task = above[task] if task in above else get(task._parent)
    top = root  # the lowest task above every anchor
    while top not in anchors:
        below = [child for child in map(tasks.__getitem__, top._children) if child in needed]
        if len(below) != 1:
            break
        top = below[0]
    kept = {root}
    pending = [top]
    alive = set(live)
    child_of = tasks.__getitem__
    while pending:
        task = pending.pop()
        kept.add(task)
        if task._children:
            children = list(map(child_of, task._children))
            if alive.isdisjoint(children):  # no child is unfinished: those above one
                pending.extend(filter(needed.__contains__, children))
            else:
                pending.extend(children)
    if len(kept) == len(tasks):
        return 0
    dropped = [task for task in tasks.values() if task not in kept]
    # Only the tasks kept above a dropped one lose children.
    return _drop(workflow, dropped, list({above[task] for task in dropped} & kept), top)


def _chain(workflow: BpmnWorkflow, live: list[Any]) -> tuple[Any, set[Any]] | None:
    """For a workflow whose finished tasks are one chain down from the root (each with one
    child, the next) and whose unfinished tasks (`live`) all have an unfinished parent or the
    chain's last: the `top` that `prune`'s general walks find, and the chain's tasks between
    the root and it (what they drop). None for any other workflow.

    In such a workflow, the anchors in the chain are its last (a parent of unfinished tasks)
    and the splits that the unfinished boundary joins look up; `top` is the highest of them
    (every chain task above it has one child, needed); below it everything is kept (the
    chain down to its last, and all that hangs from it, unfinished)."""
    tasks = workflow.tasks
    get = tasks.get
    root = workflow.task_tree
    if root._state & _UNFINISHED:
        return None
    chain = [root]
    task = root
    while len(task._children) == 1:
        child = get(task._children[0])
        if child is None or child._state & _UNFINISHED:
            break
        chain.append(child)
        task = child
    if len(chain) + len(live) != len(tasks):
        return None  # a finished task beside the chain
    last = task
    alive = set(live)
    place = {task: at for at, task in enumerate(chain)}
    highest = len(chain) - 1
    for task in live:
        parent = get(task._parent)
        if parent is not last and parent not in alive:
            return None  # not below the chain's last
        split = getattr(task.task_spec, "split_task", None)
        if split:  # Spiff's task.find_ancestor(split), as the general walk looks it up
            while parent is not None and parent.task_spec.name != split:
                parent = get(parent._parent)
            if parent in place:
                highest = min(highest, place[parent])
    return chain[highest], set(chain[1:highest])


def _drop(workflow: BpmnWorkflow, dropped: list[Any], parents: list[Any], top: Any) -> int:
    """Remove `dropped` (in the tasks' order), recording them in `workflow.pruned`, from the
    children of `parents` (the kept tasks above them), and link `top` under the root."""
    tasks = workflow.tasks
    root = workflow.task_tree
    record = dict(pruned_of(workflow))
    for task in dropped:
        name = task.task_spec.name
        states, first = record.get(name, (0, None))
        if task._state & TaskState.COMPLETED:
            changed = task.last_state_change
            first = changed if first is None else min(first, changed)
        record[name] = [states | task._state, first]
        del tasks[task.id]
        workflow.event_manager.remove_task(task)
    for task in parents:  # their children that are kept, in their order
        task._children = [child for child in task._children if child in tasks]
    if top is not root:
        root._children = [top.id]
        top._parent = root.id
    if workflow.last_task is not None and workflow.last_task.id not in tasks:
        workflow.last_task = None
    workflow.pruned = record
    return len(dropped)
