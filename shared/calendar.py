"""Working-day calendar of the Vietnamese civil service (time zone Asia/Ho_Chi_Minh).

A working day is Monday to Friday, minus the public holidays of Labour Code 2019 Đ112, corrected
by a table of decreed day swaps that the Office edits (a Saturday worked, a weekday given off).

The holidays come from the `holidays` package (VN), checked for 0.108 against Đ112 for 2021-2060:
Tết 5 weekdays, Giỗ Tổ, 30/4, 1/5, 2/9 plus an adjacent day, 24/11 from 2026, and a holiday on a
weekly rest day moved to the next working day ("nghỉ bù"). tests/unit/test_calendar.py guards these
rules, so no Đ112 rule is re-implemented here. The package knows only some swaps and none of the
make-up Saturdays, hence the table.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import holidays

TZ = ZoneInfo("Asia/Ho_Chi_Minh")
SWAPS_FILE = Path(__file__).with_name("data") / "calendar_swaps.json"

_ONE_DAY = timedelta(days=1)
# add_working_days answers remembered per calendar (a deadline timer asks the same few dates and
# offsets at every start); dropped whole past this many, so a long-lived process stays bounded.
_ADDED_KEPT = 4096
_DEFAULT_DAY_OFF_NAME = "Ngày nghỉ hoán đổi"


def local_date(ts: datetime) -> date:
    """The calendar date in Vietnam of an aware timestamp (deadlines are counted in local days)."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        raise ValueError("local_date needs a timezone-aware datetime")
    return ts.astimezone(TZ).date()


@cache
def _public_holidays(year: int) -> Mapping[date, str]:
    # Building a year costs about a millisecond and add_working_days sits in hot paths, so each
    # year is built once per process and shared by every calendar instance.
    found = holidays.country_holidays("VN", years=year, language="vi")
    return {day: str(name) for day, name in found.items()}


def _weekdays_through(d: date) -> int:
    # Ordinal 1 (0001-01-01) is a Monday, so every block of 7 ordinals holds 5 weekdays.
    weeks, rest = divmod(d.toordinal(), 7)
    return weeks * 5 + min(rest, 5)


def _parse_swaps(entries: Any) -> tuple[dict[date, bool], dict[date, str]]:
    if not isinstance(entries, list):
        raise ValueError("calendar swaps must be a JSON list of {date, working, note}")
    swaps: dict[date, bool] = {}
    notes: dict[date, str] = {}
    for entry in entries:
        day = date.fromisoformat(entry["date"])
        working = entry["working"]
        if not isinstance(working, bool):
            raise ValueError(f"calendar swap {day}: 'working' must be true or false")
        swaps[day] = working
        notes[day] = str(entry.get("note", ""))
    return swaps, notes


def load_swaps(path: Path = SWAPS_FILE) -> tuple[dict[date, bool], dict[date, str]]:
    """Read a swaps file: (date -> working?, date -> Vietnamese note)."""
    return _parse_swaps(json.loads(path.read_text(encoding="utf-8")))


class WorkingCalendar:
    """Answers "is this a working day" and counts working days; immutable once built."""

    def __init__(
        self,
        swaps: Mapping[date, bool] | None = None,
        notes: Mapping[date, str] | None = None,
    ) -> None:
        self._swaps: dict[date, bool] = dict(swaps or {})
        self._notes: dict[date, str] = dict(notes or {})
        # Safe to remember: the swaps are copied above and never changed, the holidays are fixed.
        self._added: dict[tuple[date, int], date] = {}

    @classmethod
    def default(cls) -> WorkingCalendar:
        """The calendar with the swaps shipped in shared/data/calendar_swaps.json."""
        swaps, notes = load_swaps()
        return cls(swaps, notes)

    @property
    def swaps(self) -> Mapping[date, bool]:
        return dict(self._swaps)

    def with_swaps(
        self, swaps: Mapping[date, bool], notes: Mapping[date, str] | None = None
    ) -> WorkingCalendar:
        """A new calendar with `swaps` laid over this one's; a later entry wins for its date."""
        kept_notes = {d: note for d, note in self._notes.items() if d not in swaps}
        return WorkingCalendar({**self._swaps, **swaps}, {**kept_notes, **(notes or {})})

    def is_working_day(self, d: date) -> bool:
        swapped = self._swaps.get(d)
        if swapped is not None:
            return swapped
        return self._is_working_by_law(d)

    def holiday_name(self, d: date) -> str | None:
        """Vietnamese name of the holiday or decreed day off on `d`; None on any working day."""
        swapped = self._swaps.get(d)
        if swapped is True:
            return None
        name = _public_holidays(d.year).get(d)
        if swapped is False:
            return self._notes.get(d) or name or _DEFAULT_DAY_OFF_NAME
        return name

    def next_working_day(self, d: date) -> date:
        """The first working day strictly after `d`."""
        return self._step(d, 1)

    def add_working_days(self, d: date, n: int) -> date:
        """The n-th working day after `d` (before it when n < 0); n = 0 rolls forward to one."""
        key = (d, n)
        found = self._added.get(key)
        if found is None:
            found = self._count_working_days(d, n)
            if len(self._added) >= _ADDED_KEPT:
                self._added.clear()
            self._added[key] = found
        return found

    def _count_working_days(self, d: date, n: int) -> date:
        if n == 0:
            return d if self.is_working_day(d) else self._step(d, 1)
        step = 1 if n > 0 else -1
        current = d
        for _ in range(abs(n)):
            current = self._step(current, step)
        return current

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in (a, b]; the negated count of (b, a] when b < a."""
        if b < a:
            return -self.working_days_between(b, a)
        count = _weekdays_through(b) - _weekdays_through(a)
        for year in range(a.year, b.year + 1):
            count -= sum(1 for h in _public_holidays(year) if a < h <= b and h.weekday() < 5)
        for day, working in self._swaps.items():
            if a < day <= b:
                count += int(working) - int(self._is_working_by_law(day))
        return count

    def _step(self, d: date, step: int) -> date:
        current = d + step * _ONE_DAY
        while not self.is_working_day(current):
            current += step * _ONE_DAY
        return current

    @staticmethod
    def _is_working_by_law(d: date) -> bool:
        return d.weekday() < 5 and d not in _public_holidays(d.year)
