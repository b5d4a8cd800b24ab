"""Calendar functions that diagrams may call to place their timers (Đ6.2, Đ16.4;
docs/architecture.md, Working days and time).

They return ISO 8601 date-times with Vietnam's offset (+07:00), which is what a BPMN `timeDate`
expects; None when the timer does not apply (no due date, no cadence), which turns it off (see
engine_timers). The number of working days is the diagram's argument, so a process owner moves a
reminder from 3 to 5 working days by editing the diagram, not this module.

Repeating reminders (urging while overdue, update requests, the progress duty) are not ISO
cycles, whose periods are fixed lengths of time: each is a `timeDate` placed from the day of the
last one, which a script remembers with `today()`. The scheduler fires each timer with the
engine's clock held at its due time (scheduler.py), so a clock that jumps over several periods
fires one per period, in turn, each placed from the day the previous one went out.

The functions read the engine's clock: pass them the engine's PinnableClock (app.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from shared import dates
from shared.calendar import TZ, WorkingCalendar, local_date
from shared.clock import Clock, SystemClock

# Reminders go out when the working day starts, so that they reach people at their desks.
WORKDAY_START = time(8, 0)

# Đ18.1: units report by the 20th of the last month of each quarter, by 20 May for the half-year
# and by 20 November for the year. The months whose deadline each cadence (Đ6.2b) reports for.
REPORT_DAY = 20
REPORT_MONTHS = {"quarterly": (3, 6, 9, 12), "half_yearly": (5, 11), "yearly": (11,)}


def _day(value: Any) -> date | None:
    """The date, or None for none; a date after the supported years (README "Dates people
    enter"), which only an event from before those bounds can carry, also turns the timer off
    rather than overflowing the calendar."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        raise TypeError("cần một ngày (YYYY-MM-DD), không phải thời điểm")
    day = value if isinstance(value, date) else date.fromisoformat(str(value))
    return day if day <= dates.LATEST else None


@lru_cache(maxsize=4096)
def _at(day: date, moment: time) -> str:
    # Remembered: the deadline timers of every start place the same few days.
    return datetime.combine(day, moment, TZ).isoformat()


def _days(days: Any, least: int, message: str) -> int:
    if not isinstance(days, int) or isinstance(days, bool) or days < least:
        raise ValueError(message)
    return days


def deadline_functions(
    calendar: WorkingCalendar, clock: Clock | None = None
) -> dict[str, Callable[..., Any]]:
    """The functions, bound to `calendar` and `clock` (the engine's), under the names diagrams
    call them by."""
    clock = clock or SystemClock()

    def today() -> str:
        """Today's local date (YYYY-MM-DD) by the engine's clock: what scripts remember."""
        return local_date(clock.now()).isoformat()

    def due_soon_at(due_on: Any, days: int) -> str | None:
        """08:00 on the working day `days` working days before `due_on`; None once `due_on` has
        passed by the engine's clock (Đ16.4: "sắp đến hạn" is said before the due date, never
        after it). A timer armed inside the window (a task released 2 days before its due date,
        an extension approved for a date 2 days away) fires at once; one armed after the due
        date (rework, re-entry after an urging, an amendment to a past date) stays off."""
        day = _day(due_on)
        if day is None:
            return None
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError("số ngày làm việc phải là số nguyên không âm")
        if local_date(clock.now()) > day:
            return None
        return _at(calendar.add_working_days(day, -days) if days else day, WORKDAY_START)

    def overdue_at(due_on: Any) -> str | None:
        """00:00 of the day after `due_on`: the due date itself is still on time."""
        day = _day(due_on)
        return None if day is None else _at(day + timedelta(days=1), time(0, 0))

    def urge_every(due_on: Any, days: int) -> str | None:
        """A cycle that urges every `days` calendar days after the task fell overdue (an ISO
        cycle counts calendar time; the task diagram urges by working days, next_urge_at)."""
        start = overdue_at(due_on)
        if start is None:
            return None
        if not isinstance(days, int) or isinstance(days, bool) or days < 1:
            raise ValueError("chu kỳ đôn đốc phải là số ngày nguyên dương")
        first = datetime.fromisoformat(start) + timedelta(days=days)
        return f"R/{first.isoformat()}/P{days}D"

    def next_urge_at(due_on: Any, days: int, last_urged_on: Any) -> str | None:
        """Đ16.4, Đ8.1: 08:00 on the working day `days` working days after the later of the due
        date and the last urging: the first urging comes `days` working days after the task
        fell overdue, the next ones every `days` working days after."""
        day = _day(due_on)
        if day is None:
            return None
        _days(days, 1, "chu kỳ đôn đốc phải là số ngày làm việc nguyên dương")
        last = _day(last_urged_on)
        base = day if last is None else max(day, last)
        return _at(calendar.add_working_days(base, days), WORKDAY_START)

    def update_request_at(cadence: Any, days: int, last_requested_on: Any) -> str | None:
        """Đ6.2b, Đ18.1: 08:00 on the working day `days` working days before the next reporting
        deadline of the task's cadence whose request day comes after the last request (before
        the first one: today or later, so a task assigned inside a window is first asked for
        the next period). None without a cadence (a dated task)."""
        if not cadence:
            return None
        months = REPORT_MONTHS.get(str(cadence))
        if months is None:
            raise ValueError(f"kỳ báo cáo không hợp lệ: {cadence!r}")
        _days(days, 0, "số ngày làm việc phải là số nguyên không âm")
        last = _day(last_requested_on)
        after = last if last is not None else local_date(clock.now()) - timedelta(days=1)
        for year in range(after.year, after.year + 2):
            for month in months:
                deadline = date(year, month, REPORT_DAY)
                asked = calendar.add_working_days(deadline, -days) if days else deadline
                if asked > after:
                    return _at(asked, WORKDAY_START)
        raise AssertionError("unreachable: every cadence reports at least once a year")

    def progress_due_at(due_on: Any, days: int, progress_since: Any) -> str | None:
        """Đ6.2a: 08:00 on the working day `days` working days after the unit last posted
        progress (or accepted the task, or was last reminded); None for an undated task, before
        the task is accepted, and once that day would not come before the due date, when the overdue
        notice and urging take over (the due date itself has its own reminder)."""
        day = _day(due_on)
        since = _day(progress_since)
        if day is None or since is None:
            return None
        _days(days, 1, "số ngày làm việc phải là số nguyên dương")
        reminder = calendar.add_working_days(since, days)
        return None if reminder >= day else _at(reminder, WORKDAY_START)

    return {
        "today": today,
        "due_soon_at": due_soon_at,
        "overdue_at": overdue_at,
        "urge_every": urge_every,
        "next_urge_at": next_urge_at,
        "update_request_at": update_request_at,
        "progress_due_at": progress_due_at,
    }
