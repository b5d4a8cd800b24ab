"""The calendar functions diagrams call to place deadline timers (Đ16.4; docs/architecture.md,
Working days and time)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from services.workflow.deadlines import deadline_functions
from shared.calendar import TZ, WorkingCalendar
from shared.clock import FixedClock

# The functions read the engine's clock (`today()`, and `due_soon_at` stands down after the due
# date): held before every date below, so that the results do not depend on the machine's date.
CLOCK = FixedClock(datetime(2026, 4, 1, 9, 0, tzinfo=TZ))
FUNCTIONS = deadline_functions(WorkingCalendar.default(), CLOCK)
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


def test_no_due_soon_time_once_the_due_date_has_passed_D16_4():
    clock = FixedClock(datetime(2026, 12, 15, 23, 59, tzinfo=TZ))
    late = deadline_functions(WorkingCalendar.default(), clock)["due_soon_at"]
    # On the due date itself the reminder still applies (a timer armed then fires at once) …
    assert late("2026-12-15", 3) == "2026-12-10T08:00:00+07:00"
    clock.advance(datetime(2026, 12, 16, 0, 0, tzinfo=TZ) - clock.now())
    # … from the day after, never: rework, an urging's re-entry or an amendment to a past date
    # arms no reminder; a date moved later (an extension) has one again.
    assert late("2026-12-15", 3) is None
    assert late("2026-12-15", 0) is None
    assert late("2026-12-18", 3) == "2026-12-15T08:00:00+07:00"
    assert overdue_at("2026-12-15") == "2026-12-16T00:00:00+07:00"  # overdue is still placed


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


# -- repeated reminders (Đ16.4, Đ6.2b, Đ6.2a) -----------------------------------------------------

next_urge_at = FUNCTIONS["next_urge_at"]
update_request_at = FUNCTIONS["update_request_at"]
progress_due_at = FUNCTIONS["progress_due_at"]


def test_d16_4_urging_comes_n_working_days_after_the_due_date_then_after_each_urging():
    # Due Tuesday 15 December 2026: first urging Tuesday the 22nd at 08:00.
    assert next_urge_at("2026-12-15", 5, None) == "2026-12-22T08:00:00+07:00"
    # After an urging on 29 December: 1 January 2027 is a holiday.
    assert next_urge_at("2026-12-15", 5, "2026-12-29") == "2027-01-06T08:00:00+07:00"
    # A due date moved past the last urging counts from the new due date.
    assert next_urge_at("2027-02-26", 5, "2026-12-29") == "2027-03-05T08:00:00+07:00"
    assert next_urge_at(None, 5, None) is None


@pytest.mark.parametrize("days", [0, -1, 1.5, True])
def test_d16_4_urging_needs_a_positive_whole_number_of_working_days(days):
    with pytest.raises(ValueError):
        next_urge_at("2026-12-15", days, None)


@pytest.mark.parametrize(
    ("cadence", "last", "expected"),
    [
        # Đ18.1: 20 December 2026 is a Sunday; five working days before it is Monday the 14th.
        ("quarterly", "2026-11-30", "2026-12-14T08:00:00+07:00"),
        # Asked on the 14th: next for 20 March 2027, a Saturday (five working days: the 15th).
        ("quarterly", "2026-12-14", "2027-03-15T08:00:00+07:00"),
        ("half_yearly", "2026-12-14", "2027-05-13T08:00:00+07:00"),  # for 20 May
        ("yearly", "2026-11-30", "2027-11-15T08:00:00+07:00"),  # for 20 November 2027
    ],
)
def test_d6_2b_update_requests_come_n_working_days_before_each_report_deadline(
    cadence, last, expected
):
    assert update_request_at(cadence, 5, last) == expected


def test_d6_2b_a_dated_task_has_no_update_request_and_a_bad_cadence_is_refused():
    assert update_request_at(None, 5, None) is None
    with pytest.raises(ValueError):
        update_request_at("monthly", 5, None)


def test_d6_2a_the_progress_reminder_comes_n_working_days_after_the_last_report():
    assert progress_due_at("2027-03-31", 15, "2026-12-01") == "2026-12-22T08:00:00+07:00"
    # Not on or after the due date: the deadline notices take over there.
    assert progress_due_at("2026-12-22", 15, "2026-12-01") is None
    assert progress_due_at(None, 15, "2026-12-01") is None
    assert progress_due_at("2027-03-31", 15, None) is None
