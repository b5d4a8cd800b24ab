"""Starts copied from a template (engine/templates.py, `Engine.start_like`) are the engine's own
start at the same instant, field for field: the same data, offers, next due time, notices and
completion, and byte for byte the same state once the copy's fresh task ids are mapped onto the
engine's (the times of the state changes too, with time.time() made to count alike). Whatever a
copy could not be (a timer fired at the start, a timer come due, another day, a key the diagram
reads) is started by the engine."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any
from unittest import mock
from uuid import UUID

import orjson
import pytest

from services.workflow.app import create_service
from services.workflow.deadlines import deadline_functions
from services.workflow.domain import workflow_data
from services.workflow.engine import Engine, ProcessModel, Step
from services.workflow.engine.expressions import SAFE_BUILTINS
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock
from tests.unit.test_engine_compact import LIFECYCLE

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


def _engines(clock: FixedClock) -> tuple[Engine, Engine, ProcessModel, ProcessModel]:
    made = []
    for copies in (True, False):
        engine = Engine(
            deadline_functions(WorkingCalendar.default(), clock), clock=clock, start_copies=copies
        )
        model = engine.parse(LIFECYCLE.read_bytes(), "task_lifecycle", 1)
        # Warmed alike: a first start lays out predictions (engine/predict.py) and reads the
        # clock a different number of times than the next ones, whose times are compared.
        engine.start(model, {"warm": True, "due_on": None, "cadence": None})
        made.append((engine, model))
    (copying, model), (plain, plain_model) = made
    return copying, plain, model, plain_model


@contextmanager
def _counted_time(base: float) -> Iterator[None]:
    """time.time() as base, base + 1, ...: whole seconds, so that moved times add exactly."""
    ticks = iter(range(10**6))
    with mock.patch("time.time", lambda: base + next(ticks)):
        yield


def _task(task_id: str, **fields: Any) -> dict[str, Any]:
    task = {"task_id": task_id, "lead_unit": "SO_TC", "due_on": date(2026, 12, 30)}
    return workflow_data({**task, "cadence": None, **fields})


def _own_start(
    engine: Engine, model: ProcessModel, data: dict[str, Any], base: float, read: bool = True
) -> Step:
    """The engine's start, as `start_like` runs it when it makes a template (`read`): the time
    read once, then the start."""
    with _counted_time(base):
        if read:
            time.time()
        with engine.clock.held_at(engine.clock.now()):
            return engine.start(model, data)


def _assert_same(copy: Step, own: Step) -> None:
    assert (copy.data, copy.offers, copy.next_due, copy.notices, copy.completed) == (
        own.data,
        own.offers,
        own.next_due,
        own.notices,
        own.completed,
    )
    mine, theirs = orjson.loads(copy.state)["tasks"], orjson.loads(own.state)["tasks"]
    assert len(mine) == len(theirs)
    state = copy.state
    for ours, engine_s in zip(mine, theirs, strict=True):
        state = state.replace(ours, engine_s)
    assert state == own.state


# (the task's fields, whether its starts are copied: not when a timer fires at the start)
CASES = [
    pytest.param({}, True, id="dated"),
    pytest.param({"due_on": None, "cadence": "quarterly"}, True, id="undated-quarterly"),
    pytest.param({"due_on": None, "cadence": "yearly"}, True, id="undated-yearly"),
    pytest.param({"due_on": None}, True, id="undated-no-cadence"),
    pytest.param({"due_on": date(2026, 12, 3)}, False, id="nearly-due"),
    pytest.param({"due_on": date(2026, 11, 20)}, False, id="past-due"),
    pytest.param({"lead_unit": "Sở Tài chính"}, True, id="same-unit-in-vietnamese"),
]


@pytest.mark.parametrize(("fields", "copied"), CASES)
def test_a_copied_start_is_the_engine_s_own_start_field_for_field(
    fields: dict[str, Any], copied: bool
) -> None:
    clock = FixedClock(NOW)
    copying, plain, model, plain_model = _engines(clock)
    with _counted_time(1e6):  # seen once: started by the engine
        first = copying.start_like(model, _task("a" * 32, **fields))
    _assert_same(first, _own_start(plain, plain_model, _task("a" * 32, **fields), 1e6, False))
    # Seen again (a template is made), then later that day, the next day (a new template),
    # then later that day.
    for hours, base, copy_made in (
        (0, 2e6, False),
        (0, 3e6, True),
        (5, 4e6, True),
        (24, 5e6, False),
        (2, 6e6, True),
    ):
        clock.advance(timedelta(hours=hours))
        # Another id and another unit, which the diagram does not read.
        data = _task(f"{base:032.0f}", **{"lead_unit": f"Đơn vị {base:.0f}", **fields})
        with _counted_time(base):
            copy = copying.start_like(model, data)
        assert (not copy._workflow) == (copied and copy_made)
        _assert_same(copy, _own_start(plain, plain_model, data, base))


def test_starts_of_one_kind_are_copied_with_fresh_ids_until_their_first_timer_comes_due() -> None:
    clock = FixedClock(NOW)
    copying, _plain, model, _plain_model = _engines(clock)
    seen = copying.start_like(model, _task("t-seen"))
    first = copying.start_like(model, _task("t-first"))
    assert seen._workflow and first._workflow  # the engine's starts: the second's is kept
    copies = [copying.start_like(model, _task(f"t-{n}")) for n in range(3)]
    assert all(not copy._workflow for copy in copies)  # copied
    ids = [set(orjson.loads(s.state)["tasks"]) for s in (seen, first, *copies)]
    assert all(UUID(i).version == 4 for i in ids[2]) and len(set().union(*ids)) == 5 * len(ids[0])
    assert [copy.data["task_id"] for copy in copies] == ["t-0", "t-1", "t-2"]
    # Loaded, a copy is an instance like any other: it is accepted.
    accepted = copying.perform(copying.load(model, copies[0].state), "accept", {})
    assert accepted.status == "in_progress"
    assert first.next_due is not None
    clock.advance(first.next_due - clock.now())  # the due-soon reminder is due now
    due = copying.start_like(model, _task("t-due"))
    assert due._workflow and due.notices  # the engine's start, which announces it


def test_what_the_diagram_reads_or_a_value_the_state_holds_elsewhere_is_never_copied() -> None:
    clock = FixedClock(NOW)
    copying, plain, model, plain_model = _engines(clock)

    def engine_s(data: dict[str, Any]) -> bool:
        step = copying.start_like(model, data)
        assert step.data == plain.start(plain_model, data).data
        return bool(step._workflow)

    # The diagram reads `due_on`: starts differing in it are each the engine's.
    assert all(engine_s(_task(f"t-{n}", due_on=date(2026, 12, 20 + n))) for n in range(3))
    assert engine_s(_task("t-template", due_on=date(2026, 12, 22)))  # seen twice: kept
    assert not engine_s(_task("t-copied", due_on=date(2026, 12, 22)))
    # Data that is not scalar, or holds a value of another type.
    assert all(engine_s({**_task(f"t-{n}"), "extra": [n]}) for n in range(3))
    assert all(engine_s({**_task(f"t-{n}"), "extra": 1.5}) for n in range(3))
    # A unit named as another key's value, or as a text the state holds besides (the status):
    # the value could not be told apart in the text, which is not made a template.
    assert all(engine_s(_task(f"t-{n}", lead_unit=f"t-{n}")) for n in range(3))
    assert all(engine_s(_task(f"t-{n}", lead_unit="assigned")) for n in range(2))
    assert engine_s(_task("t-template", lead_unit="SO_XD"))
    # Copied from another's template, such values are only written in.
    assert not engine_s(_task("t-same", lead_unit="t-same"))
    assert not engine_s(_task("t-status", lead_unit="assigned"))


def test_an_engine_without_start_copies_always_starts_itself() -> None:
    clock = FixedClock(NOW)
    _copying, plain, _model, plain_model = _engines(clock)
    for n in range(3):
        assert plain.start_like(plain_model, _task(f"t-{n}"))._workflow


# Each function the workflow service gives its engine, with calls that reach its branches around
# the sample day (a due date before, on and after it; no date; a cadence or none).
_DAY = date(2026, 12, 10)
_CALLS: dict[str, list[tuple[Any, ...]]] = {
    "add_working_days": [(_DAY, 3), (_DAY, -2)],
    "due_soon_at": [
        (d, n) for d in ("2026-12-09", "2026-12-10", "2026-12-14", None) for n in (0, 2)
    ],
    "is_working_day": [(_DAY,), (date(2026, 12, 12),)],
    "next_urge_at": [("2026-12-01", 3, None), ("2026-12-01", 3, "2026-12-08"), (None, 3, None)],
    "overdue_at": [("2026-12-09",), ("2026-12-11",), (None,)],
    "progress_due_at": [("2026-12-20", 5, None), ("2026-12-20", 5, "2026-12-03"), (None, 5, None)],
    "today": [()],
    "update_request_at": [
        (c, 3, last) for c in ("monthly", "quarterly", None, "") for last in (None, "2026-12-01")
    ],
    "urge_every": [("2026-12-01", 3), (None, 3)],
    "working_days_after": [("2026-12-10", 5), (None, 5)],
    "working_days_between": [(date(2026, 12, 1), _DAY)],
}


def test_the_workflow_s_diagram_functions_read_the_clock_by_the_local_day_only(tmp_path) -> None:
    """The workflow service copies starts (`start_copies`) because every function its diagrams
    call answers the same at any instant of one local day; a new function must too (add its
    calls above), or the service must stop copying."""
    engine = create_service({"DATA_DIR": str(tmp_path)}).engine
    environment = engine._script_engine.environment
    functions = {
        name: environment.globals[name] for name in environment.callables - set(SAFE_BUILTINS)
    }
    assert set(functions) == set(_CALLS), "a diagram function without calls here"
    instants = [
        datetime(2026, 12, 10, h, m, sec, tzinfo=TZ)
        for h, m, sec in ((0, 0, 1), (8, 0, 0), (23, 59, 59))
    ]
    answers = []
    for instant in instants:
        with engine.clock.held_at(instant):
            answers.append(
                {name: [_answer(f, args) for args in _CALLS[name]] for name, f in functions.items()}
            )
    assert answers[0] == answers[1] == answers[2]
    with engine.clock.held_at(instants[0] + timedelta(days=1)):  # (the calls do reach the clock)
        assert functions["today"]() != answers[0]["today"][0]


def _answer(function: Any, args: tuple[Any, ...]) -> Any:
    try:
        return function(*args)
    except (ValueError, TypeError) as exc:
        return repr(exc)
