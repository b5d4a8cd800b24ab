"""The calendar functions diagrams call to place deadline timers (Đ16.4, SPEC §5)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.workflow.deadlines import deadline_functions
from shared.calendar import WorkingCalendar

FUNCTIONS = deadline_functions(WorkingCalendar.default())
due_soon_at = FUNCTIONS["due_soon_at"]
overdue_at = FUNCTIONS["overdue_at"]
urge_every = FUNCTIONS["urge_every"]


def test_the_reminder_is_at_8_local_time_n_working_days_before_the_due_date_D16_4():
    # Tuesday 15 December 2026: three working days back is Thursday the 10th.
    assert due_soon_at("2026-12-15", 3) == "2026-12-10T08:00:00+07:00"
    assert due_soon_at(date(2026, 12, 15), 5) == "2026-12-08T08:00:00+07:00"


def test_the_reminder_skips_weekends_and_public_holidays_D16_4():
    # Monday 4 May 2026: the weekend and 30/4 – 1/5 are not working days.
    assert due_soon_at("2026-05-04", 1) == "2026-04-29T08:00:00+07:00"


def test_a_reminder_zero_days_before_is_on_the_due_date_itself():
    assert due_soon_at("2026-12-15", 0) == "2026-12-15T08:00:00+07:00"


def test_a_task_is_overdue_from_the_start_of_the_day_after_its_due_date_D16_4():
    assert overdue_at("2026-12-15") == "2026-12-16T00:00:00+07:00"
    assert overdue_at("2026-12-31") == "2027-01-01T00:00:00+07:00"


def test_urging_repeats_every_n_days_from_the_first_overdue_day_D16_4():
    assert urge_every("2026-12-15", 5) == "R/2026-12-21T00:00:00+07:00/P5D"


def test_an_undated_task_has_no_deadline_times():
    assert due_soon_at(None, 3) is None
    assert overdue_at(None) is None
    assert urge_every(None, 5) is None


@pytest.mark.parametrize("days", [-1, 1.5, True, "3"])
def test_a_reminder_needs_a_whole_non_negative_number_of_working_days(days):
    with pytest.raises(ValueError):
        due_soon_at("2026-12-15", days)


def test_a_due_date_must_be_a_date_not_a_moment():
    with pytest.raises(TypeError):
        overdue_at(datetime(2026, 12, 15, 10, 0))
