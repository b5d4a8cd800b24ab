"""Notify's rows for inspections (Đ10–Đ15): who hears about each step."""

from __future__ import annotations

from typing import Any

from services.notify import domain

OFFICE = domain.OFFICE_UNIT
INSPECTION = {
    "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV/2026",
    "parties": {"inspected": ["SO_TC", "SO_XD"], "invited": ["SO_YT", "SO_GD"]},
    "note": "Đồng ý",
    "due_on": None,
    "details": {"unit": "SO_GD"},
}
DOCUMENTS = {"title": "SO_TC: cung cấp hồ sơ", "parties": {"asked": ["SO_TC"]}, "due_on": None}


def _recipients(event_type: str, data: dict[str, Any]) -> set[str]:
    return {m.recipient.id for m in domain.messages_for(event_type, data, lambda c: c)}


def test_d13_2_a_plan_goes_to_the_office_and_once_approved_to_the_inspected_units() -> None:
    assert _recipients("inspection.plan_submitted", INSPECTION) == {OFFICE}
    assert _recipients("inspection.plan_returned", INSPECTION) == {OFFICE}
    assert _recipients("inspection.cancelled", INSPECTION) == {OFFICE}
    assert _recipients("inspection.plan_approved", INSPECTION) == {OFFICE, "SO_TC", "SO_XD"}


def test_d14_2_an_invitation_reaches_only_the_unit_invited() -> None:
    assert _recipients("inspection.unit_invited", INSPECTION) == {"SO_GD"}


def test_d15_1_d15_2_the_report_deadline_reaches_the_office_and_the_report_every_unit() -> None:
    for event in ("finished", "report_due", "report_overdue", "report_urged", "presented"):
        assert _recipients(f"inspection.{event}", INSPECTION) == {OFFICE}, event
    everyone = {OFFICE, "SO_TC", "SO_XD", "SO_YT", "SO_GD"}
    # Đ15.2: reported to the People's Committee's leaders too, by role
    assert _recipients("inspection.reported", INSPECTION) == everyone | {"leader"}
    reported = domain.messages_for("inspection.reported", INSPECTION, lambda c: c)[0]
    assert reported.title == "Thông báo kết quả kiểm tra"


def test_d14_3_a_request_for_documents_reaches_the_unit_asked_and_its_answer_the_office() -> None:
    assert _recipients("inspection.documents_requested", DOCUMENTS) == {"SO_TC"}
    assert _recipients("inspection.documents_due_soon", DOCUMENTS) == {"SO_TC"}
    assert _recipients("inspection.documents_overdue", DOCUMENTS) == {"SO_TC", OFFICE}
    assert _recipients("inspection.documents_provided", DOCUMENTS) == {OFFICE}
