"""Intake rules: document numbers (Nghị định 30/2020 Phụ lục III) and the Office's intake
deadline (Đ6.1)."""

from __future__ import annotations

from datetime import date

import pytest

from services.intake.domain import NumberError, intake_deadline, parse_number
from shared.calendar import WorkingCalendar

CALENDAR = WorkingCalendar.default()
FRIDAY = date(2026, 11, 27)
MONDAY = date(2026, 11, 30)


def test_a_legal_normative_decision_number_carries_its_year() -> None:
    number = parse_number("131/2025/QĐ-UBND", "quyet_dinh", date(2025, 7, 1))
    assert (number.sequence, number.year, number.abbreviation, number.issuer) == (
        131,
        2025,
        "QĐ",
        "UBND",
    )


def test_a_cong_van_number_has_no_type_abbreviation() -> None:
    number = parse_number("12/UBND-VX", "cong_van", date(2026, 3, 2))
    assert number.abbreviation is None and number.issuer == "UBND-VX"


def test_a_cong_van_numbered_like_a_decision_is_refused() -> None:
    with pytest.raises(NumberError):
        parse_number("12/QĐ-UBND", "cong_van", date(2026, 3, 2))


@pytest.mark.parametrize(
    "number,doc_type",
    [
        ("5/TTR-UBND", "to_trinh"),  # TTr is case-sensitive
        ("5/Ctr-UBND", "chuong_trinh"),
        ("5/QYĐ-UBND", "quy_dinh"),
    ],
)
def test_type_abbreviations_are_case_sensitive(number: str, doc_type: str) -> None:
    with pytest.raises(NumberError):
        parse_number(number, doc_type, date(2026, 3, 2))


@pytest.mark.parametrize(
    "number,doc_type",
    [
        ("5/TTr-UBND", "to_trinh"),
        ("7/CTr-UBND", "chuong_trinh"),
        ("9/2026/QyĐ-UBND", "quy_dinh"),
    ],
)
def test_the_right_case_of_an_abbreviation_is_accepted(number: str, doc_type: str) -> None:
    assert parse_number(number, doc_type, date(2026, 3, 2)).sequence > 0


def test_a_year_in_the_number_must_be_the_year_of_issue() -> None:
    with pytest.raises(NumberError):
        parse_number("131/2024/QĐ-UBND", "quyet_dinh", date(2025, 7, 1))


@pytest.mark.parametrize("number", ["", "QĐ-UBND", "12/", "12/ubnd-vx", "12 /UBND", "x/UBND"])
def test_malformed_numbers_are_refused(number: str) -> None:
    with pytest.raises(NumberError):
        parse_number(number, "cong_van", date(2026, 3, 2))


def test_urgent_documents_are_released_the_same_day_D6_1a() -> None:
    for urgency in ("khan", "thuong_khan", "hoa_toc"):
        assert intake_deadline(CALENDAR, FRIDAY, urgency, [("SO_TC",)]) == FRIDAY


def test_an_ordinary_document_has_one_working_day_D6_1b() -> None:
    assert intake_deadline(CALENDAR, FRIDAY, "thuong", [("SO_TC",)]) == MONDAY


def test_several_tasks_for_several_units_have_two_working_days_D6_1c() -> None:
    tasks = [("SO_TC",), ("SO_XD", "SO_TC")]
    assert intake_deadline(CALENDAR, FRIDAY, "thuong", tasks) == date(2026, 12, 1)


def test_several_tasks_for_one_unit_keep_one_working_day_D6_1b() -> None:
    assert intake_deadline(CALENDAR, FRIDAY, "thuong", [("SO_TC",), ("SO_TC",)]) == MONDAY


def test_the_intake_deadline_skips_tet_D6_1b() -> None:
    # Friday 13 February 2026: the next working day is Monday 23 February, after Tết.
    assert intake_deadline(CALENDAR, date(2026, 2, 13), "thuong", [("SO_TC",)]) == date(2026, 2, 23)
