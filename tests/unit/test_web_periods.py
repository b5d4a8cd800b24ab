"""The period picker of the dashboard and the reports (services/web/periods.py) and the months
reporting's trend walks (domain.months_of)."""

from __future__ import annotations

from datetime import date

from services.reporting.domain import months_of
from services.web import periods

TODAY = date(2026, 12, 6)


def test_no_period_or_an_invalid_one_is_this_year() -> None:
    assert periods.read({}, TODAY) == periods.Period("2026")
    for bad in ("2026-Q5", "2026-13", "26", "2026-H3", "<script>"):
        assert periods.read({"period": bad}, TODAY).period == "2026", bad


def test_a_month_quarter_half_or_year_is_kept_as_reporting_writes_it_D18() -> None:
    for value in ("2026-11", "2026-q4", "2026-H1", "2025", "2021-Q2"):
        chosen = periods.read({"period": value}, TODAY)
        assert chosen.period == value.upper() and chosen.api_args() == {"period": value.upper()}
    assert periods.read({"period": "2026-Q4"}, TODAY).label == "quý IV năm 2026"


def test_a_custom_period_needs_both_dates_in_order() -> None:
    chosen = periods.read({"period": "custom", "from": "2026-03-01", "to": "2026-05-31"}, TODAY)
    assert chosen.custom and chosen.api_args() == {"from": "2026-03-01", "to": "2026-05-31"}
    assert chosen.query() == {"period": "custom", "from": "2026-03-01", "to": "2026-05-31"}
    assert chosen.label == "từ 01/03/2026 đến 31/05/2026"
    missing = periods.read({"period": "custom", "from": "2026-03-01"}, TODAY)
    assert missing.period == "2026" and missing.error
    backwards = periods.read({"period": "custom", "from": "2026-05-01", "to": "2026-03-01"}, TODAY)
    assert backwards.period == "2026" and "không được trước" in (backwards.error or "")


def test_the_picker_offers_three_years_and_keeps_an_older_period_reached_by_a_link() -> None:
    groups = periods.options(TODAY)
    assert [name for name, _ in groups] == ["Năm 2026", "Năm 2025", "Năm 2024"]
    values = dict(groups[0][1])
    assert values["2026-Q4"] == "Quý IV năm 2026" and values["2026-H1"] == "6 tháng đầu năm 2026"
    assert values["2026-11"] == "Tháng 11 năm 2026" and len(values) == 19
    older = periods.options(TODAY, "2021-Q2")
    assert older[0] == ("Kỳ đang xem", [("2021-Q2", "Quý II năm 2021")])


def test_the_trend_walks_each_month_clipped_to_the_period() -> None:
    assert months_of(date(2026, 11, 20), date(2027, 1, 10)) == [
        (date(2026, 11, 20), date(2026, 11, 30)),
        (date(2026, 12, 1), date(2026, 12, 31)),
        (date(2027, 1, 1), date(2027, 1, 10)),
    ]
    assert len(months_of(date(2026, 1, 1), date(2026, 12, 31))) == 12
    assert months_of(date(2028, 2, 1), date(2028, 2, 29)) == [(date(2028, 2, 1), date(2028, 2, 29))]
