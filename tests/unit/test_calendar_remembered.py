"""add_working_days remembers its answers per calendar (shared/calendar.py): the remembered
answers are the counted ones, a calendar with other swaps keeps its own, and the memory stays
bounded."""

from datetime import date, timedelta

from shared import calendar as calendar_module
from shared.calendar import WorkingCalendar


def test_remembered_answers_are_the_counted_ones_across_tet_and_swaps():
    cal = WorkingCalendar.default()
    first = date(2025, 12, 20)
    for offset in range(80):
        day = first + timedelta(offset)
        for n in (-5, -3, -1, 0, 1, 3, 5):
            counted = cal._count_working_days(day, n)
            assert cal.add_working_days(day, n) == counted
            assert cal.add_working_days(day, n) == counted  # the remembered answer


def test_a_calendar_with_other_swaps_does_not_read_anothers_answers_D112():
    cal = WorkingCalendar.default()
    # Friday 2 January 2026 is off by the shipped table: one working day after 1 January 2026
    # (a holiday) is Monday 5 January.
    assert cal.add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 5)
    edited = cal.with_swaps({date(2026, 1, 2): True})
    assert edited.add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 2)
    assert cal.add_working_days(date(2026, 1, 1), 1) == date(2026, 1, 5)


def test_the_memory_is_bounded(monkeypatch):
    monkeypatch.setattr(calendar_module, "_ADDED_KEPT", 10)
    cal = WorkingCalendar()
    for offset in range(25):
        cal.add_working_days(date(2030, 3, 1) + timedelta(offset), 2)
    assert len(cal._added) <= 10
    assert cal.add_working_days(date(2030, 3, 6), 2) == cal._count_working_days(date(2030, 3, 6), 2)
