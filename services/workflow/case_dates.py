"""Calendar functions for case diagrams (inspections, feedback, periodic reports, exchanges).

Dates in diagram data are ISO strings (what a state's JSON keeps); these take and return them, so
that a diagram computes its own deadlines ("within 10 working days", Đ15.1, Đ16.6) and the number
stays in the diagram.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from shared.calendar import WorkingCalendar


def case_date_functions(calendar: WorkingCalendar) -> dict[str, Callable[..., Any]]:
    def working_days_after(day: Any, days: int) -> str | None:
        """The date `days` working days after `day` (ISO in, ISO out); None for no date."""
        if day is None or day == "":
            return None
        if not isinstance(days, int) or isinstance(days, bool) or days < 0:
            raise ValueError("số ngày làm việc phải là số nguyên không âm")
        return calendar.add_working_days(date.fromisoformat(str(day)[:10]), days).isoformat()

    return {"working_days_after": working_days_after}
