"""engine/predict.py lays a task's prediction out from the one Spiff made before: every diagram
the project ships, driven through its actions and timers, leaves the same tasks (specs, states,
parents, children in order, data) as Spiff's own prediction leaves, step by step."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from SpiffWorkflow.specs.base import TaskSpec

import services.workflow.engine.predict as predict
from services.workflow.case_dates import case_date_functions
from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine
from shared.calendar import WorkingCalendar
from shared.clock import FixedClock, PinnableClock

DIAGRAMS = sorted((Path(__file__).resolve().parents[2] / "bpmn").glob("*.bpmn"))
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
# What the other diagrams read when they start (a case's origin, its dates, the units asked).
START_DATA = {
    "cadence": "quarterly",
    "origin": "unit",
    "opened_on": "2026-01-05",
    "report_due_on": "2026-01-20",
    "office_due_on": "2026-01-23",
    "units_due_on": "2026-01-15",
    "units": ["SO_TC", "SO_YT"],
    "parties": ["SO_TC"],
}
PAYLOAD = {
    "approve": True,
    "new_due_on": "2026-02-27",
    "note": "50%",
    "accepted": True,
    "consulted": True,
}


def _shape(workflow: Any) -> list[tuple[Any, ...]]:
    tasks = list(workflow.tasks.values())
    index = {task.id: n for n, task in enumerate(tasks)}
    return [
        (
            task.task_spec.name,
            task._state,
            index.get(task._parent),
            [index[child] for child in task._children],
            task.thread_id,
            task.triggered,
            task.data,
            task.internal_data,
            list(vars(task)),  # the attributes a task is made with, in their order
        )
        for task in tasks
    ] + [workflow.data]


def _run(diagram: Path, engine: Engine, clock: FixedClock, model: Any) -> list[Any]:
    """What each step of a fixed path through the diagram leaves: its actions in turn, and its
    timers fired every few steps with the clock moved on a week."""
    data = workflow_data(
        {"task_id": "t-1", "lead_unit": "SO_TC", "due_on": date(2026, 1, 20), "cadence": None}
    )
    clock._now = START  # each run from the same moment
    seen: list[Any] = []
    try:
        step = engine.start(model, {**data, **START_DATA})
    except Exception as exc:  # the same failure either way
        return [repr(exc)]
    for turn in range(12):
        seen.append((_shape(step._workflow[0]), step.data, step.offers, step.next_due))
        offered = sorted({offer.action for offer in step.offers if not offer.opens})
        if step.completed:
            break
        if turn % 4 == 3 or not offered:
            clock.advance(timedelta(days=7))
            step = engine.fire_due(step)
            continue
        try:
            step = engine.perform(step, offered[turn % len(offered)], PAYLOAD)
        except Exception as exc:
            seen.append(repr(exc))
            break
    return seen


@pytest.mark.parametrize("diagram", DIAGRAMS, ids=lambda path: path.stem)
def test_a_laid_out_prediction_is_spiffs(diagram, monkeypatch):
    source = diagram.read_bytes()
    found = re.search(rb'<bpmn:process id="([^"]+)"', source)
    assert found is not None

    def runs() -> list[list[Any]]:
        calendar = WorkingCalendar.default()
        clock = FixedClock(START)
        pinned = PinnableClock(clock)
        engine = Engine(
            {**deadline_functions(calendar, pinned), **case_date_functions(calendar)},
            clock=pinned,
        )
        model = engine.parse(source, found.group(1).decode(), 1)
        # The first run remembers the predictions, the second lays them out.
        return [_run(diagram, engine, clock, model) for _ in range(2)]

    laid_out = runs()
    assert predict._layouts  # predictions were remembered
    with monkeypatch.context() as patched:
        patched.setattr(TaskSpec, "_predict", predict._spiffs)
        spiffs = runs()
    assert laid_out == spiffs
    assert laid_out[0] == laid_out[1]
