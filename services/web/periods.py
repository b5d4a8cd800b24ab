"""The period picker of the dashboard and the reports: a month, a quarter, a half-year, a year
(reporting's `period`, Đ18) or any from/to; read from the query string, offered as a <select>."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from services.web.labels import vn_period

CUSTOM = "custom"
PERIOD = re.compile(r"\d{4}(-(H[12]|Q[1-4]|0[1-9]|1[0-2]))?")
YEARS_OFFERED = 3  # this year and the two before


@dataclass(frozen=True)
class Period:
    """What the person picked: `period` (2026-Q4) or CUSTOM with `start` and `end`."""

    period: str
    start: str = ""
    end: str = ""
    error: str | None = None

    @property
    def custom(self) -> bool:
        return self.period == CUSTOM

    def api_args(self) -> dict[str, str]:
        """The reporting API's parameters for this period."""
        if self.custom:
            return {"from": self.start, "to": self.end}
        return {"period": self.period}

    def query(self) -> dict[str, str]:
        """This page's own query string for the period (links keep it)."""
        if self.custom:
            return {"period": CUSTOM, "from": self.start, "to": self.end}
        return {"period": self.period}

    @property
    def label(self) -> str:
        if self.custom:
            return vn_period(f"{self.start}..{self.end}")
        return vn_period(self.period)


def options(today: date, current: str | None = None) -> list[tuple[str, list[tuple[str, str]]]]:
    """The <select>'s groups: for each offered year, the year, its halves, quarters and months;
    first the `current` period when it is an older one (reached by a link)."""
    groups: list[tuple[str, list[tuple[str, str]]]] = []
    for year in range(today.year, today.year - YEARS_OFFERED, -1):
        values = [f"{year}", f"{year}-H1", f"{year}-H2"]
        values += [f"{year}-Q{q}" for q in range(1, 5)]
        values += [f"{year}-{m:02d}" for m in range(1, 13)]
        groups.append((f"Năm {year}", [(v, _sentence(vn_period(v))) for v in values]))
    known = {value for _, values in groups for value, _ in values}
    if current and current != CUSTOM and current not in known:
        groups.insert(0, ("Kỳ đang xem", [(current, _sentence(vn_period(current)))]))
    return groups


def _sentence(text: str) -> str:
    return text[:1].upper() + text[1:]


def read(args: Any, today: date) -> Period:
    """The period of the query string; this year when none (or no valid one) is given. A custom
    period needs both dates; the API checks the rest (order, at most five years)."""
    default = Period(str(today.year))
    chosen = (args.get("period") or "").strip().upper()
    if chosen == CUSTOM.upper():
        start, end = (args.get("from") or "").strip(), (args.get("to") or "").strip()
        if not (_is_date(start) and _is_date(end)):
            return Period(
                default.period, error="Khoảng tùy chọn cần cả ngày bắt đầu và ngày kết thúc."
            )
        if end < start:
            return Period(default.period, error="Ngày kết thúc không được trước ngày bắt đầu.")
        return Period(CUSTOM, start, end)
    if PERIOD.fullmatch(chosen):  # any period, offered or linked (the API checks its year)
        return Period(chosen)
    return default


def _is_date(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return len(value) == 10
