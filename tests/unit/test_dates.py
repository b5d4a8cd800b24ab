"""The bounds of the dates people enter (shared/dates.py, README "Dates people enter")."""

from __future__ import annotations

from datetime import date

import pytest

from shared import dates


def test_a_due_date_may_lie_MAX_DUE_YEARS_after_the_issue_date_and_no_later() -> None:
    issued = date(2026, 11, 27)
    assert dates.due_date_problem(date(2036, 11, 27), issued, 10) is None
    assert "10 năm" in (dates.due_date_problem(date(2036, 11, 28), issued, 10) or "")
    assert dates.due_date_problem(date(2026, 11, 26), issued, 10) is not None
    # 29 February has its anniversary on 28 February.
    assert dates.years_after(date(2028, 2, 29), 10) == date(2038, 2, 28)


def test_an_issue_date_may_be_today_or_tomorrow_at_most() -> None:
    today = date(2026, 12, 1)
    assert dates.issue_date_problem(date(2026, 12, 2), today) is None
    assert dates.issue_date_problem(date(2026, 12, 3), today) is not None


def test_a_period_spans_at_most_five_years_in_order() -> None:
    assert dates.span_problem(date(2021, 1, 1), date(2025, 12, 31)) is None
    assert dates.span_problem(date(2021, 1, 1), date(2026, 1, 1)) is not None
    assert dates.span_problem(date(2026, 2, 1), date(2026, 1, 1)) is not None


def test_MAX_DUE_YEARS_is_a_whole_number_of_years_from_1_to_50() -> None:
    assert dates.max_due_years({}) == dates.DEFAULT_MAX_DUE_YEARS == 10
    assert dates.max_due_years({"MAX_DUE_YEARS": "25"}) == 25
    for wrong in ("0", "51", "ten"):
        with pytest.raises(ValueError, match="MAX_DUE_YEARS"):
            dates.max_due_years({"MAX_DUE_YEARS": wrong})
