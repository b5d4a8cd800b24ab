"""The year's figures of the Office's annual report on this regulation (Đ20.1) in reporting:
tasks by unit and assigning leader, the Office's intake and confirmation, inspections held and
their conclusions (Đ15.3) beside the year's plan (Đ10.1a), feedback handled (Đ16.6); kept as a
stored report, and published with the Office's approved sections (annual_report.*)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from services.reporting.rebuild import rebuild
from tests.integration.reportingkit import Task, at, document, get, headers, send, unit

ACTOR = {"sub": "u-office", "name": "Nguyễn Văn A", "role": "office", "unit": "VP_UBND"}
SECTIONS = {
    "assessment": "Các đơn vị cập nhật đầy đủ.",
    "training": "Ba lớp tập huấn cho 450 cán bộ.",
    "difficulties": "Một số xã chưa bố trí cán bộ.",
    "proposals": "Đề nghị biểu dương 5 đơn vị.",
}


@pytest.fixture()
def service(reporting: Any) -> Iterator[Any]:
    unit(reporting, "SO_TC", "Sở Tài chính")
    unit(reporting, "SO_XD", "Sở Xây dựng")
    yield reporting


def case_event(
    service: Any,
    event_type: str,
    case_id: str,
    status: str,
    day: str,
    *,
    details: dict[str, Any] | None = None,
    parties: dict[str, list[str]] | None = None,
    group_id: str | None = None,
    due_on: str | None = None,
) -> None:
    kind, action = event_type.split(".", 1)
    data = {
        "case_id": case_id,
        "kind": kind,
        "title": "Hồ sơ",
        "status": status,
        "task_id": None,
        "group_id": group_id,
        "parties": parties or {},
        "units": sorted({c for codes in (parties or {}).values() for c in codes}),
        "due_on": due_on,
        "overdue": False,
        "action": action,
        "note": None,
        "details": details or {},
        "actor": ACTOR,
        "occurred_at": at(day).isoformat(),
    }
    send(service, event_type, data, at(day))


def inspection(
    service: Any, kind: str, units: list[str], opened: str, form: str = "regular"
) -> str:
    case_id = uuid.uuid4().hex
    first = "inspection.plan_submitted" if kind == "inspection" else "unit_inspection.opened"
    status = "pending_approval" if kind == "inspection" else "in_progress"
    details = {"opened_on": opened, "form": form, "units": units}
    case_event(
        service, first, case_id, status, opened, details=details, parties={"inspected": units}
    )
    if kind == "inspection":
        parties = {"inspected": units}
        case_event(
            service, "inspection.plan_approved", case_id, "in_progress", opened, parties=parties
        )
    return case_id


def annual(service: Any, year: int = 2026, role: str = "office") -> Any:
    unit_code = "VP_UBND" if role == "office" else None
    return service.client.get(
        f"/api/reporting/annual?year={year}", headers=headers(role, unit_code)
    )


def test_the_annual_report_counts_the_year_s_inspections_and_their_conclusions_D20_1(
    service: Any,
) -> None:
    both = ["SO_TC", "SO_XD"]
    held = inspection(service, "inspection", both, "2026-05-04")
    parties = {"inspected": both}
    case_event(
        service,
        "inspection.finished",
        held,
        "reporting",
        "2026-06-10",
        parties=parties,
        details={"ended_on": "2026-06-10"},
    )
    conclusions = [
        {"unit": "SO_TC", "result": "done", "assessment": "Tốt", "conclusion": "Đạt"},
        {"unit": "SO_XD", "result": "not_done", "assessment": "Chậm", "conclusion": "Chưa đạt"},
    ]
    case_event(
        service,
        "inspection.reported",
        held,
        "reported",
        "2026-06-20",
        parties=parties,
        details={"summary": "Kết quả", "conclusions": conclusions},
    )
    case_event(
        service,
        "inspection.presented",
        held,
        "presented",
        "2026-06-30",
        parties=parties,
        details={"meeting_on": "2026-06-29"},
    )
    # A unit's own inspection (Đ10.2b), ended but not reported yet.
    own = inspection(service, "unit_inspection", ["SO_XD"], "2026-11-02", form="ad_hoc")
    case_event(
        service,
        "unit_inspection.finished",
        own,
        "reporting",
        "2026-11-30",
        parties={"inspected": ["SO_XD"]},
        details={"ended_on": "2026-11-27"},
    )
    # Still running at the cut-off; ended in the year before; cancelled: none held this year.
    inspection(service, "inspection", ["SO_TC"], "2026-12-01")
    before = inspection(service, "inspection", ["SO_TC"], "2025-11-03")
    case_event(
        service,
        "inspection.finished",
        before,
        "reporting",
        "2025-12-10",
        parties={"inspected": ["SO_TC"]},
        details={"ended_on": "2025-12-10"},
    )
    dropped = inspection(service, "inspection", ["SO_XD"], "2026-03-02")
    case_event(
        service,
        "inspection.cancelled",
        dropped,
        "cancelled",
        "2026-03-05",
        parties={"inspected": ["SO_XD"]},
        details={"reason": "Trùng lịch"},
    )
    # The year's plan (Đ10.1a): three inspections, approved.
    plan = uuid.uuid4().hex
    items = [{"no": n, "unit": "SO_TC", "month": n} for n in (1, 2, 3)]
    case_event(
        service,
        "inspection_plan.drafted",
        plan,
        "draft",
        "2026-01-05",
        details={"year": 2026, "items": items},
    )
    case_event(service, "inspection_plan.submitted", plan, "submitted", "2026-01-06")
    case_event(service, "inspection_plan.approved", plan, "approved", "2026-01-08")

    answer = annual(service)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    figures = answer.get_json()["inspections"]
    totals = figures["totals"]
    assert (totals["held"], totals["working_group"], totals["unit_own"]) == (2, 1, 1)
    assert (totals["regular"], totals["ad_hoc"]) == (1, 1)
    assert (totals["reported"], totals["presented"], totals["running"]) == (1, 1, 1)
    assert (totals["units_inspected"], totals["planned"]) == (2, 3)
    assert figures["results"] == {"done": 1, "not_done": 1, "done_wrongly": 0}
    first, second = figures["items"]
    assert first["case_id"] == held and first["presented_on"] == "2026-06-29"
    assert [(c["name"], c["result"]) for c in first["conclusions"]] == [
        ("Sở Tài chính", "done"),
        ("Sở Xây dựng", "not_done"),
    ]
    assert first["conclusions"][1]["result_label"] == "Chưa thực hiện nhiệm vụ được giao"
    assert (second["case_id"], second["ended_on"], second["reported_on"]) == (
        own,
        "2026-11-27",
        None,
    )
    assert second["unit_names"] == ["Sở Xây dựng"]
    # The year before: the inspection that ended in 2025, no plan.
    last_year = annual(service, 2025).get_json()["inspections"]["totals"]
    assert (last_year["held"], last_year["planned"]) == (1, 0)


def test_the_annual_report_counts_the_feedback_the_office_handled_and_how_late_D20_1(
    service: Any,
) -> None:
    parties = {"reporter": ["SO_TC"], "responsible": ["SO_XD"]}

    def received(day: str, due: str) -> str:
        case_id = uuid.uuid4().hex
        case_event(
            service,
            "feedback.received",
            case_id,
            "received",
            day,
            parties=parties,
            details={"problem": "late"},
            due_on=due,
        )
        return case_id

    urged = received("2026-03-02", "2026-03-16")
    case_event(service, "feedback.unit_urged", urged, "urged", "2026-03-10", parties=parties)
    directed = received("2026-05-04", "2026-05-18")
    case_event(
        service, "feedback.escalated", directed, "awaiting_direction", "2026-05-15", parties=parties
    )
    case_event(service, "feedback.directed", directed, "directed", "2026-05-25", parties=parties)
    dismissed = received("2026-09-01", "2026-09-15")
    case_event(service, "feedback.dismissed", dismissed, "dismissed", "2026-09-03", parties=parties)
    received("2026-12-07", "2026-12-21")  # still with the Office
    received("2025-12-01", "2025-12-15")  # last year's

    feedback = annual(service).get_json()["feedback"]
    assert (feedback["received"], feedback["handled"], feedback["outstanding"]) == (4, 3, 1)
    # Escalating is not handling: the leader's direction came after the Office's due date.
    assert feedback["handled_late"] == 1
    assert feedback["outcomes"] == {"urged": 1, "directed": 1, "dismissed": 1}


def test_the_year_s_tasks_by_unit_and_leader_and_the_offices_intake_and_confirmation_D20_1(
    service: Any,
) -> None:
    signer = ("Trần Thị B", "Phó Chủ tịch UBND tỉnh")
    document(service, "a" * 32, "1/QĐ-UBND", "2026-02-01", at("2026-02-02"), signer=signer)
    document(service, "b" * 32, "2/QĐ-UBND", "2026-07-01", at("2026-07-06"), late=True)
    Task(
        service, "SO_TC", "2026-02-02", "2026-03-01", document="a" * 32, assigned_by="pho_chu_tich"
    ).complete(at("2026-02-25"))
    Task(service, "SO_XD", "2026-07-06", "2026-08-01", document="b" * 32)
    Task(service, "SO_XD", "2025-12-01", "2026-01-10", document="b" * 32)  # last year's

    answer = annual(service)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    figures = answer.get_json()
    assert (figures["year"], figures["from"], figures["to"]) == (2026, "2026-01-01", "2026-12-31")
    assert figures["totals"]["total"] == 2
    assert (figures["totals"]["completed_on_time"], figures["totals"]["in_progress_overdue"]) == (
        1,
        1,
    )
    assert figures["totals"]["on_time_rate"] == 0.5
    assert {row["unit"]: row["total"] for row in figures["units"]} == {"SO_TC": 1, "SO_XD": 1}
    leaders = {row["name"]: row["total"] for row in figures["leaders"]}
    assert leaders == {"Phó Chủ tịch UBND tỉnh Trần Thị B": 1, "Chủ tịch UBND tỉnh": 1}
    # The Office's own figures, as its evaluation report has them: every month of the year.
    intake = figures["office"]["intake"]
    assert [m["month"] for m in intake] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert sum(m["late"] for m in intake) == 1 and sum(m["on_time"] for m in intake) == 1
    assert figures["office"]["confirmation_lag"]["from"] == "2026-01-01"


def test_only_the_office_and_leaders_read_the_year_s_figures_D20_1(service: Any) -> None:
    assert annual(service, role="leader").status_code == 200
    officer = service.client.get(
        "/api/reporting/annual?year=2026", headers=headers("unit_officer", "SO_TC")
    )
    assert officer.status_code == 403
    kept = service.client.post(
        "/api/reporting/annual", json={"year": 2026}, headers=headers("leader", None)
    )
    assert kept.status_code == 403
    assert annual(service, 1800).status_code == 422


@pytest.mark.parametrize(
    "reporting", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
def test_the_published_annual_report_is_the_approved_version_on_the_public_page_D20_1(
    service: Any,
) -> None:
    reporting = service
    held = inspection(reporting, "inspection", ["SO_TC"], "2026-04-01")
    case_event(
        reporting,
        "inspection.finished",
        held,
        "reporting",
        "2026-04-20",
        parties={"inspected": ["SO_TC"]},
        details={"ended_on": "2026-04-20"},
    )
    stored = reporting.client.post("/api/reporting/annual", json={"year": 2026}, headers=headers())
    assert stored.status_code == 201, stored.get_data(as_text=True)
    report = stored.get_json()
    assert report["period"] == "2026" and report["annual"] is None
    assert report["inspections"]["totals"]["held"] == 1
    case_id = uuid.uuid4().hex
    group = "d20-2026"
    first = {"report_id": report["id"], **SECTIONS, "training": "Bản đầu, bị trả lại."}
    case_event(
        reporting,
        "annual_report.submitted",
        case_id,
        "submitted",
        "2026-12-10",
        details=first,
        group_id=group,
    )
    assert reporting.client.get(f"/api/reporting/public/reports/{report['id']}").status_code == 404
    case_event(
        reporting,
        "annual_report.submitted",
        case_id,
        "submitted",
        "2026-12-12",
        details={"report_id": report["id"], **SECTIONS},
        group_id=group,
    )
    case_event(
        reporting,
        "annual_report.published",
        case_id,
        "published",
        "2026-12-14",
        details={"number": "15/BC-VP"},
        group_id=group,
    )
    shown = reporting.client.get(f"/api/reporting/public/reports/{report['id']}")
    assert shown.status_code == 200, shown.get_data(as_text=True)
    public = shown.get_json()
    assert public["annual"]["sections"] == SECTIONS
    assert (public["annual"]["number"], public["annual"]["year"]) == ("15/BC-VP", 2026)
    assert public["inspections"]["totals"]["held"] == 1
    assert public["evaluation"] is None
    again = get(reporting, f"/api/reporting/reports/{report['id']}")
    assert again["published"] is True and again["annual"]["sections"] == SECTIONS
    # Published once; the read model rebuilt from the log keeps the same published report.
    case_event(
        reporting,
        "annual_report.published",
        case_id,
        "published",
        "2026-12-15",
        details={"number": "999"},
        group_id=group,
    )
    live = annual(reporting).get_json()
    rebuild(reporting.runtime.platform)
    assert get(reporting, f"/api/reporting/reports/{report['id']}")["annual"] == again["annual"]
    assert annual(reporting).get_json() == live  # the inspections' facts replayed too
