"""engine/subtrees.py walks below a task as Spiff does: every diagram the project ships, driven
through its actions, its timers (boundary timers firing, the working step's timers cancelled at
each action) and an update from outside, leaves the same tasks, makes the same state changes in
the same order and removes the same tasks in the same order as with Spiff's own
`Join._find_tasks` and `Task.__iter__`; and at every step, each task's walk and each join's
search find the very tasks Spiff's find, in its order."""

from __future__ import annotations

import re
from datetime import date, timedelta
from typing import Any

import pytest
from SpiffWorkflow.specs.Join import Join
from SpiffWorkflow.task import Task
from SpiffWorkflow.util.task import TaskIterator, TaskState
from SpiffWorkflow.workflow import Workflow as SpiffsWorkflow

import services.workflow.engine.quiet as quiet
import services.workflow.engine.subtrees as subtrees
from services.workflow.case_dates import case_date_functions
from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine
from services.workflow.engine.walks import Workflow
from shared.calendar import WorkingCalendar
from shared.clock import FixedClock, PinnableClock
from tests.unit.test_engine_predictions import DIAGRAMS, PAYLOAD, START, START_DATA, _shape


def _walks_agree(workflow: Any) -> None:
    """Each task's walk and each join's search, ours and Spiff's, find the same tasks in order."""
    for task in list(workflow.tasks.values()):
        assert list(subtrees._iter(task)) == list(TaskIterator(task))
        spec = task.task_spec
        if isinstance(spec, Join):
            assert subtrees._find_tasks(spec, task) == subtrees._spiffs_find_tasks(spec, task)


def _run(engine: Engine, clock: FixedClock, model: Any, log: list[Any]) -> list[Any]:
    """What each step of a fixed path leaves: actions in turn, the timers fired every third step
    with the clock moved on eleven days, and once a due date moved from outside."""
    data = workflow_data(
        {"task_id": "t-1", "lead_unit": "SO_TC", "due_on": date(2026, 1, 20), "cadence": None}
    )
    clock._now = START
    log.clear()
    seen: list[Any] = []
    try:
        step = engine.start(model, {**data, **START_DATA})
    except Exception as exc:  # the same failure either way
        return [repr(exc)]
    for turn in range(14):
        workflow = step._workflow[0]
        _walks_agree(workflow)
        seen.append((_shape(workflow), step.data, step.offers, step.next_due, step.notices))
        seen.append(list(log))
        log.clear()
        offered = sorted({offer.action for offer in step.offers if not offer.opens})
        if step.completed:
            break
        if turn == 5:
            step = engine.update(step, {"due_on": "2026-03-31"})
            continue
        if turn % 3 == 2 or not offered:
            clock.advance(timedelta(days=11))
            step = engine.fire_due(step)
            continue
        try:
            step = engine.perform(step, offered[turn % len(offered)], PAYLOAD)
        except Exception as exc:
            seen.append(repr(exc))
            break
    return seen


def _recording(monkeypatch: Any) -> list[Any]:
    """The state changes and removals made from now on, by task spec name, in order."""
    log: list[Any] = []

    def set_state(task: Any, value: int) -> None:
        if value != task._state:
            log.append(("state", task.task_spec.name, value))
        quiet._set_state(task, value)

    def removed(workflow: Any, task: Any) -> None:
        log.append(("removed", task.task_spec.name, task._state))
        SpiffsWorkflow._task_removed_notify(workflow, task)

    monkeypatch.setattr(Task, "_set_state", set_state)
    monkeypatch.setattr(Workflow, "_task_removed_notify", removed, raising=False)
    return log


def _engine() -> tuple[Engine, FixedClock]:
    calendar = WorkingCalendar.default()
    clock = FixedClock(START)
    pinned = PinnableClock(clock)
    engine = Engine(
        {**deadline_functions(calendar, pinned), **case_date_functions(calendar)}, clock=pinned
    )
    return engine, clock


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda path: path.stem)
def test_walks_below_a_task_are_spiffs(diagram, monkeypatch):
    source = diagram.read_bytes()
    found = re.search(rb'<bpmn:process id="([^"]+)"', source)
    assert found is not None
    log = _recording(monkeypatch)

    def run() -> list[Any]:
        engine, clock = _engine()
        return _run(engine, clock, engine.parse(source, found.group(1).decode(), 1), log)

    ours = run()
    with monkeypatch.context() as patched:
        patched.setattr(Join, "_find_tasks", subtrees._spiffs_find_tasks)
        patched.setattr(Task, "__iter__", subtrees._spiffs_iter)
        spiffs = run()
    assert ours == spiffs


def test_the_lifecycle_cancels_its_timers_and_fires_them(monkeypatch):
    """On the task's lifecycle the comparison covers what it is about: the working step's
    boundary timers cancelled (and their predicted branches removed) at the actions, and fired
    on their own, announcing."""
    source = next(path for path in DIAGRAMS if path.stem == "task_lifecycle").read_bytes()
    log = _recording(monkeypatch)
    engine, clock = _engine()
    seen = _run(engine, clock, engine.parse(source, "task_lifecycle", 1), log)
    entries = [entry for changes in seen[1::2] for entry in changes]
    cancelled = TaskState.CANCELLED
    assert ("state", "work_due_soon", cancelled) in entries
    assert any(kind == "removed" and name == "gw_due_soon" for kind, name, _state in entries)
    assert ("state", "work_due_soon", TaskState.READY) in entries  # a timer fired
    assert any(step[4] for step in seen[0::2])  # and announced
