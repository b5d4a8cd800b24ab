"""Timers for the engine: SpiffWorkflow's timer events, made to read an injected clock.

SpiffWorkflow 3.2 reads `datetime.now()` inside its timer event definitions, so a development
clock moved forward (or a test's FixedClock) would never fire anything. After parsing, the engine
swaps each timer event definition's class for one of the subclasses below, which ask the
workflow's script engine for its clock instead. The instance state holds only evaluated values
(`event_value` in a task's internal data), never the spec, so no serializer change is needed.

Rules these classes add to Spiff's:
- a timer fires when its time has come (`<=` now, not Spiff's `<`): the scheduler selects rows
  whose due time is `<=` now, and a timer due exactly now must not be left waiting forever;
- a timer expression that evaluates to None is off: it never fires and has no due time. That is
  how a deadline timer stands down for an undated task (`due_soon_at(None, 3)` is None);
- a date without an offset is read in Vietnam's time zone, not the server's;
- a timer's expression reads the process's data objects, as a gateway's condition does;
- a cycle that fell behind (the clock jumped several periods) fires once and moves on to its
  next period after now, rather than firing once per missed period.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.timer import (
    CycleTimerEventDefinition,
    DurationTimerEventDefinition,
    TimeDateEventDefinition,
    TimerEventDefinition,
)
from SpiffWorkflow.exceptions import WorkflowException

from shared.calendar import TZ

_OFF = "timer_off"


def _now(my_task: Any) -> datetime:
    clock = getattr(my_task.workflow.script_engine, "clock", None)
    return clock.now() if clock is not None else datetime.now(UTC)


def parse_instant(value: str) -> datetime:
    """An ISO date or date-time as an aware UTC datetime; naive values are Vietnam's local time."""
    try:
        parsed = datetime.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValueError(f"không phải thời điểm ISO 8601: {value!r}") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=TZ)
    return parsed.astimezone(UTC)


def parse_duration(value: str, start: datetime) -> timedelta:
    """An ISO 8601 duration (P3D, PT2H, P1M) counted from `start`."""
    try:
        parsed = TimerEventDefinition.parse_iso_duration(value)
    except Exception:  # Spiff raises a bare Exception for a malformed duration
        raise ValueError(f"không phải khoảng thời gian ISO 8601: {value!r}") from None
    delta: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
    return delta


def parse_cycle(value: str, now: datetime) -> dict[str, Any]:
    """`R[n]/<start>/<duration>` or `R[n]/<duration>` as Spiff's cycle record."""
    parts = value.upper().strip().lstrip("R").split("/")
    if len(parts) not in (2, 3):
        raise ValueError(f"không phải chu kỳ ISO 8601 (R/…/…): {value!r}")
    cycles = int(parts[0]) if parts[0] else -1
    if len(parts) == 3:
        start = parse_instant(parts[1])
        duration = parse_duration(parts[2], start)
    else:
        duration = parse_duration(parts[1], now)
        start = now + duration
    if duration <= timedelta(0):
        raise ValueError(f"chu kỳ phải dài hơn 0: {value!r}")
    return {"cycles": cycles, "next": start.isoformat(), "duration": duration.total_seconds()}


def check_literal(kind: str, value: str) -> None:
    """Refuse a literal timer value that could never be read (e.g. 'P3X' or '3 days')."""
    epoch = datetime(2000, 1, 1, tzinfo=UTC)
    if kind == "timeDate":
        parse_instant(value)
    elif kind == "timeDuration":
        parse_duration(value, epoch)
    else:
        parse_cycle(value, epoch)


def _evaluate(my_task: Any, expression: str) -> str | None:
    # Like a gateway's condition, a timer reads the process's data objects as well as the task's
    # data: that is where a diagram keeps what must outlive one branch (e.g. the last urging).
    workflow = my_task.workflow
    value = workflow.script_engine.evaluate(
        my_task, expression, external_context=workflow.data_objects
    )
    if value is None or isinstance(value, str):
        return value
    raise WorkflowException(
        f"biểu thức hẹn giờ phải cho chuỗi ISO 8601 hoặc None, nhận {type(value).__name__}",
        task_spec=my_task.task_spec,
    )


def _read(my_task: Any, reader: Callable[[str], Any]) -> Any:
    """Evaluate the timer's expression and read it with `reader`; None means the timer is off."""
    value = _evaluate(my_task, my_task.task_spec.event_definition.expression)
    if value is None:
        my_task._set_internal_data(**{_OFF: True})
        return None
    try:
        return reader(value)
    except ValueError as exc:
        raise WorkflowException(str(exc), task_spec=my_task.task_spec) from None


# A due time as stored (an ISO string) read back, once per string: the waiting timers are
# looked at after every step an instance takes.
_instant = lru_cache(maxsize=4096)(datetime.fromisoformat)


class _ClockTimer:
    """Fires when `due_at` has come by the injected clock; subclasses say when that is. (The
    task's internal data is read directly, as Spiff's `_get_internal_data` reads it.)"""

    def has_fired(self, my_task: Any) -> bool:
        internal = my_task.internal_data
        if internal.get("event_fired", False):
            return True
        # A waiting timer is looked at after every step: its stored due time is read inline.
        value = internal.get("event_value")
        due = self.due_at(my_task) if value is None or _OFF in internal else _instant(value)
        if due is not None and due <= _now(my_task):
            my_task._set_internal_data(event_fired=True)
            return True
        return False

    def due_at(self, my_task: Any) -> datetime | None:
        internal = my_task.internal_data
        if internal.get(_OFF, False):
            return None
        value = internal.get("event_value")
        if value is None:
            value = _read(my_task, self.reader(my_task))
            if value is None:
                return None
            my_task._set_internal_data(event_value=value)
        due: datetime = _instant(value)
        return due

    def reader(self, my_task: Any) -> Callable[[str], str]:
        """What reads the expression's value into the due time stored (an ISO string)."""
        raise NotImplementedError


# A date's due time as stored, once per value: the five timers of a waiting step are armed
# again at every action, mostly with the values they had (the due date's, the next reminder's).
@lru_cache(maxsize=4096)
def _utc_text(value: str) -> str:
    return parse_instant(value).isoformat()


class ClockTimeDate(_ClockTimer, TimeDateEventDefinition):
    def reader(self, my_task: Any) -> Callable[[str], str]:
        return _utc_text  # a date reads no clock


class ClockDuration(_ClockTimer, DurationTimerEventDefinition):
    def reader(self, my_task: Any) -> Callable[[str], str]:
        return partial(self.instant, _now(my_task))

    def instant(self, now: datetime, value: str) -> str:
        return (now + parse_duration(value, now)).isoformat()


class ClockCycle(_ClockTimer, CycleTimerEventDefinition):
    def has_fired(self, my_task: Any) -> bool:
        # A cycle fires through update_task (a new branch per period), never as a whole.
        return bool(my_task._get_internal_data("event_fired", False))

    def cycle_complete(self, my_task: Any) -> bool:
        record = self._record(my_task)
        if record is None:
            return False
        if record["cycles"] == 0:
            my_task.internal_data.pop("event_value", None)
            my_task._set_internal_data(event_fired=True)
            return False
        now = _now(my_task)
        due = datetime.fromisoformat(record["next"])
        if due > now:
            return False
        period = timedelta(seconds=record["duration"])
        missed = (now - due) // period  # periods that passed unseen fire once, not many times
        record["next"] = (due + (missed + 1) * period).isoformat()
        if record["cycles"] > 0:
            record["cycles"] = max(record["cycles"] - 1 - missed, 0)
        my_task._set_internal_data(event_value=record)
        return True

    def due_at(self, my_task: Any) -> datetime | None:
        record = self._record(my_task)
        if record is None or record["cycles"] == 0:
            return None
        return datetime.fromisoformat(record["next"])

    def _record(self, my_task: Any) -> dict[str, Any] | None:
        if my_task._get_internal_data(_OFF, False):
            return None
        record = my_task._get_internal_data("event_value")
        if record is None:
            record = _read(my_task, partial(parse_cycle, now=_now(my_task)))
            if record is None:
                return None
            my_task._set_internal_data(event_value=record)
        return dict(record)


_SWAPS: dict[type, type] = {
    TimeDateEventDefinition: ClockTimeDate,
    DurationTimerEventDefinition: ClockDuration,
    CycleTimerEventDefinition: ClockCycle,
}


def use_injected_clock(specs: Iterator[Any]) -> None:
    """Make every timer event of the given process specs read the script engine's clock."""
    for spec in specs:
        for task_spec in spec.task_specs.values():
            definition = getattr(task_spec, "event_definition", None)
            swapped = _SWAPS.get(type(definition))
            if swapped is not None:
                definition.__class__ = swapped


def due_times(waiting_tasks: Iterator[Any]) -> Iterator[datetime]:
    """Due times of the waiting timers among `waiting_tasks` (an event manager's tasks)."""
    for task in waiting_tasks:
        definition = getattr(task.task_spec, "event_definition", None)
        if isinstance(definition, _ClockTimer):
            due = definition.due_at(task)
            if due is not None:
                yield due.astimezone(UTC)


def rearm(task: Any) -> None:
    """Make a waiting timer that has not fired evaluate its expression again (its data changed,
    e.g. a new due date); a cycle starts over from the new value."""
    definition = getattr(task.task_spec, "event_definition", None)
    if isinstance(definition, _ClockTimer) and not task._get_internal_data("event_fired", False):
        task.internal_data.pop("event_value", None)
        task.internal_data.pop(_OFF, None)
