"""Compact states (engine/state.py, `prune`): a stored state keeps where the instance stands, not
every step it took; what a Step, a diagram's positions and a migration read is unchanged."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, MigrationRefused, ProcessModel, Step
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock

LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
TASK = {"task_id": "t1", "lead_unit": "SO_TC", "due_on": date(2026, 12, 15), "cadence": None}


def _engine(clock: FixedClock, compact: bool) -> tuple[Engine, ProcessModel]:
    engine = Engine(
        deadline_functions(WorkingCalendar.default(), clock),
        clock=clock,
        cache_size=0,
        compact=compact,
    )
    return engine, engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)


def _seen(engine: Engine, step: Step) -> tuple[Any, ...]:
    positions = engine.positions(step)
    return (
        step.data,
        step.offers,
        step.next_due,
        step.notices,
        step.completed,
        positions.current,
        positions.armed,
        positions.passed,
    )


def test_a_task_s_stored_state_stays_the_size_of_where_it_stands_however_many_actions() -> None:
    clock = FixedClock(NOW)
    compact, model = _engine(clock, compact=True)
    whole, whole_model = _engine(clock, compact=False)
    step = compact.perform(compact.start(model, workflow_data(TASK)), "accept", {})
    kept = whole.perform(whole.start(whole_model, workflow_data(TASK)), "accept", {})
    sizes = []
    for _done in range(60):
        step = compact.perform(compact.load(model, step.state), "report_progress", {"note": "x"})
        kept = whole.perform(whole.load(whole_model, kept.state), "report_progress", {"note": "x"})
        sizes.append(len(step.state))

    assert max(sizes) - min(sizes) < 200  # the record of pruned steps is one entry per step
    assert len(kept.state) > 15 * len(step.state)  # Spiff's own state grew ~4.5 KB per action
    assert _seen(compact, step) == _seen(whole, kept)


def _advance_to_due(clock: FixedClock, *steps: Step) -> None:
    due = min(s.next_due for s in steps if s.next_due is not None)
    if due > clock.now():
        clock.advance(due - clock.now())


def test_a_compact_state_answers_as_the_whole_one_at_every_step_of_a_task_s_life() -> None:
    """Actions, reminders fired by the clock, a due date moved from outside (which re-arms the
    reminders beside the waiting step, those already fired included), an extension, rework and
    confirmation: at each step both engines report the same, read back from the stored state."""
    clock = FixedClock(NOW)
    engines = [_engine(clock, compact=True), _engine(clock, compact=False)]
    steps = [engine.start(model, workflow_data(TASK)) for engine, model in engines]

    def each(call: Any) -> None:
        for i, (engine, model) in enumerate(engines):
            steps[i] = call(engine, engine.load(model, steps[i].state))
        assert _seen(engines[0][0], steps[0]) == _seen(engines[1][0], steps[1])

    each(lambda engine, step: engine.perform(step, "accept", {}))
    for note in ("10%", "20%"):
        each(
            lambda engine, step, note=note: engine.perform(step, "report_progress", {"note": note})
        )
    _advance_to_due(clock, *steps)
    each(lambda engine, step: engine.fire_due(step))
    assert steps[0].notices == ("task.due_soon",)  # a reminder beside the step, which waits on
    later = (clock.now() + timedelta(days=30)).date().isoformat()
    each(lambda engine, step: engine.update(step, {"due_on": later}))
    assert "work_due_soon" in [p.element_id for p in engines[0][0].positions(steps[0]).armed]
    fired: list[str] = []
    for _round in range(6):  # whatever falls due next, in turn: due soon again among them
        _advance_to_due(clock, *steps)
        each(lambda engine, step: engine.fire_due(step))
        fired.extend(steps[0].notices)
    assert "task.due_soon" in fired and "task.overdue" in fired
    asked = (clock.now() + timedelta(days=60)).date().isoformat()
    each(lambda engine, step: engine.perform(step, "request_extension", {"new_due_on": asked}))
    each(
        lambda engine, step: engine.perform(
            step, "decide_extension", {"approve": True, "new_due_on": None}
        )
    )
    each(lambda engine, step: engine.perform(step, "submit_result", {"note": "xong"}))
    each(lambda engine, step: engine.perform(step, "request_rework", {"note": "bổ sung"}))
    each(lambda engine, step: engine.perform(step, "submit_result", {"note": "xong"}))
    each(lambda engine, step: engine.perform(step, "confirm", {}))
    assert steps[0].completed
    assert len(steps[0].state) < len(steps[1].state)


def test_a_migration_still_refuses_a_step_passed_long_ago_that_the_new_version_lacks() -> None:
    """The steps a compact state dropped are still named in it, so `nhiemvu models migrate`
    refuses the same instances it refused before."""
    clock = FixedClock(NOW)
    engine, model = _engine(clock, compact=True)
    step = engine.perform(engine.start(model, workflow_data(TASK)), "accept", {})
    step = engine.perform(engine.load(model, step.state), "report_progress", {"note": "x"})
    assert '"set_assigned"' not in step.state.split('"pruned"')[0]  # dropped from the tasks
    without = re.sub(rb"\bset_assigned\b", b"set_assigned_v2", LIFECYCLE.read_bytes())
    target = engine.parse(without, "task_lifecycle", 2)

    with pytest.raises(MigrationRefused) as refused:
        engine.migrate(step.state, model, target)
    assert "đã qua" in str(refused.value)
    assert refused.value.steps == [model._parsed.spec.task_specs["set_assigned"].bpmn_name]
