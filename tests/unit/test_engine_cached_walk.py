"""A cached workflow's read (Engine.load on the state it was cached with) starts from what the
walk of its tree found when it was cached, rather than walking it again: what it reports is
what a fresh read of the stored state reports, at every step of a task's life (timers fired,
announcing tasks pruned from the state), and the actions' conditions are asked again at every
read, so a condition that reads the clock is never answered from the cache."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, ProcessModel, Step
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock
from tests.unit.test_engine_conditions import gated

LIFECYCLE = Path(__file__).resolve().parents[2] / "bpmn" / "task_lifecycle.bpmn"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
TASK = {"task_id": "t1", "lead_unit": "SO_TC", "due_on": date(2026, 12, 15), "cadence": None}


class CountingEngine(Engine):
    loads = 0

    def _load(self, model: ProcessModel, state: str) -> Any:
        self.loads += 1
        return super()._load(model, state)


def _seen(step: Step) -> tuple[Any, ...]:
    return (
        step.state,
        step.data,
        step.offers,
        step.next_due,
        step.completed,
        step._announced,
        {action: task.id for action, task in step._offering.items()},
    )


def test_a_cached_read_reports_what_a_fresh_read_of_the_state_reports() -> None:
    clock = FixedClock(NOW)
    functions = deadline_functions(WorkingCalendar.default(), clock)
    cached = CountingEngine(functions, clock=clock)
    fresh = Engine(functions, clock=clock, cache_size=0)
    model = cached.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)
    fresh_model = fresh.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)
    step = cached.start(model, workflow_data(TASK), key="t1")
    life = [
        ("accept", {}),
        ("report_progress", {"note": "a"}),
        (None, timedelta(days=9)),  # reminders fall due: announcing tasks run, then pruned
        ("report_progress", {"note": "b"}),
        ("request_extension", {"new_due_on": "2026-12-30", "reason": "Chờ số liệu"}),
        (None, timedelta(days=8)),
        ("decide_extension", {"approve": True}),
        ("submit_result", {"note": "xong"}),
        ("confirm", {}),
    ]
    compared = 0
    for action, given in life:
        read = cached.load(model, step.state, key="t1")
        assert _seen(read) == _seen(fresh.load(fresh_model, step.state))
        compared += 1
        if action is None:
            clock.advance(given)
            step = cached.fire_due(read)
            assert step.notices  # reminders announced, their tasks dropped from the state
        else:
            assert read.offered(action), (action, read.offers)
            step = cached.perform(read, action, given)
    final = cached.load(model, step.state, key="t1")
    assert _seen(final) == _seen(fresh.load(fresh_model, step.state))
    assert final.completed and compared == len(life)
    assert cached.loads == 0  # every read above was a cached one


GATED = gated("late()")


def test_a_condition_that_reads_the_clock_is_asked_again_at_every_cached_read() -> None:
    clock = FixedClock(NOW)
    engine = CountingEngine({"late": lambda: clock.now() >= NOW + timedelta(days=1)}, clock=clock)
    model = engine.parse(GATED, "p", 1)
    started = engine.start(model, {}, key="g1")
    assert [offer.action for offer in started.offers] == ["wait"]

    assert [o.action for o in engine.load(model, started.state, key="g1").offers] == ["wait"]
    clock.advance(timedelta(days=1))
    later = engine.load(model, started.state, key="g1")  # the same state, from the cache
    assert [offer.action for offer in later.offers] == ["go", "wait"]
    assert engine.loads == 0
    done = engine.perform(later, "go", {})
    assert done.completed
