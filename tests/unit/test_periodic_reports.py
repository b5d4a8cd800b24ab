"""The calendar of Đ18's reporting periods (services/workflow/kinds/periodic_reports.py)."""

from __future__ import annotations

from datetime import date

from services.workflow.kinds.periodic_reports import opening, periods_of, upcoming


def _dates(year: int) -> dict[str, tuple[date, date]]:
    return {p.key: (p.units_due_on, p.office_due_on) for p in periods_of(year)}


def test_d18_1_d18_2_a_year_has_four_quarters_a_half_year_and_the_year_with_both_deadlines():
    assert _dates(2026) == {
        "2026-Q1": (date(2026, 3, 19), date(2026, 3, 24)),
        "2026-H1": (date(2026, 5, 19), date(2026, 6, 24)),
        "2026-Q2": (date(2026, 6, 19), date(2026, 6, 24)),
        "2026-Q3": (date(2026, 9, 19), date(2026, 9, 24)),
        "2026": (date(2026, 11, 19), date(2026, 12, 24)),
        "2026-Q4": (date(2026, 12, 19), date(2026, 12, 24)),
    }


def test_d18_1_the_units_deadlines_come_in_order_and_are_the_days_before_the_20th():
    periods = periods_of(2027)
    assert [p.key for p in periods] == [
        "2027-Q1",
        "2027-H1",
        "2027-Q2",
        "2027-Q3",
        "2027",
        "2027-Q4",
    ]
    assert all(p.units_due_on.day == 19 for p in periods)  # "trước ngày 20"
    assert all(p.office_due_on.day == 24 for p in periods)  # "trước ngày 25"
    assert all(p.units_due_on < p.office_due_on for p in periods)


def test_d18_2_the_year_report_is_due_from_units_by_20_november_from_the_office_by_25_december():
    year = next(p for p in periods_of(2028) if p.key == "2028")
    assert (year.units_due_on, year.office_due_on) == (date(2028, 11, 19), date(2028, 12, 24))
    assert year.label == "năm 2028"
    half = next(p for p in periods_of(2028) if p.key == "2028-H1")
    assert (half.units_due_on, half.office_due_on) == (date(2028, 5, 19), date(2028, 6, 24))


def test_d18_1_the_upcoming_period_is_the_next_units_deadline_today_included():
    assert upcoming(date(2026, 1, 1)).key == "2026-Q1"
    assert upcoming(date(2026, 3, 19)).key == "2026-Q1"
    assert upcoming(date(2026, 3, 20)).key == "2026-H1"
    assert upcoming(date(2026, 5, 20)).key == "2026-Q2"
    assert upcoming(date(2026, 9, 20)).key == "2026"
    assert upcoming(date(2026, 11, 20)).key == "2026-Q4"
    assert upcoming(date(2026, 12, 20)).key == "2027-Q1"


def test_a_period_opens_as_a_case_for_every_unit_keyed_by_the_period():
    q1 = opening(upcoming(date(2026, 1, 1)))
    assert q1.parties == {"units": ["*"]}
    assert q1.group_id == "d18-2026-Q1"
    assert q1.title == (
        "Báo cáo quý I năm 2026: đơn vị gửi trước ngày 20/03/2026, "
        "Văn phòng tổng hợp trước ngày 25/03/2026"
    )
    assert q1.data == {
        "period": "2026-Q1",
        "period_label": "quý I năm 2026",
        "units_due_on": "2026-03-19",
        "office_due_on": "2026-03-24",
    }
