"""Calendar functions that diagrams may call to place their timers (Đ16.4, SPEC §5).

They return ISO 8601 date-times with Vietnam's offset (+07:00), which is what a BPMN `timeDate`
expects; None when the task has no due date, which turns the timer off (see engine_timers). The
number of working days is the diagram's argument, so a process owner moves a reminder from 3 to 5
working days by editing the diagram, not this module.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from typing import Any

from shared.calendar import TZ, WorkingCalendar

# Reminders go out when the working day starts, so that they reach people at their desks.
WORKDAY_START = time(8, 0)


def _day(value: Any) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise TypeError("cần một ngày (YYYY-MM-DD), không phải thời điểm")
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _at(day: date, moment: time) -> str:
    return datetime.combine(day, moment, TZ).isoformat()


def deadline_functions(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    """The functions, bound to `calendar`, under the names diagrams call them by."""

    def due_soon_at(due_on: Any, days: int) -> str | None:
        """08:00 on the working day `days` working days before `due_on`."""
        day = _day(due_on)
        if day is None:
            return None
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError("số ngày làm việc phải là số nguyên không âm")
        return _at(calendar.add_working_days(day, -days) if days else day, WORKDAY_START)

    def overdue_at(due_on: Any) -> str | None:
        """00:00 of the day after `due_on`: the due date itself is still on time."""
        day = _day(due_on)
        return None if day is None else _at(day + timedelta(days=1), time(0, 0))

    def urge_every(due_on: Any, days: int) -> str | None:
        """A cycle that urges every `days` calendar days after the task fell overdue."""
        start = overdue_at(due_on)
        if start is None:
            return None
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ValueError("chu kỳ đôn đốc phải là số ngày nguyên dương")
        first = datetime.fromisoformat(start) + timedelta(days=days)
        return f"R/{first.isoformat()}/P{days}D"

    return {"due_soon_at": due_soon_at, "overdue_at": overdue_at, "urge_every": urge_every}
