"""Cases over HTTP on both profiles (embedded and distributed): each kind opened, acted on and
announced through notify, the same way on SQLite + in-process bus as on PostgreSQL + RabbitMQ."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest

from shared.auth_tokens import mint_token
from shared.calendar import local_date
from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document

pytestmark = pytest.mark.e2e


@pytest.fixture()
def system(shared_system: Client) -> Client:
    """Both profiles, the distributed one started once for this module: each test opens its own
    documents and cases and stops no process, so they may share it."""
    return shared_system


def released_task(client: Client, office: str) -> str:
    created = client.call("POST", "/api/intake/documents", office, json=a_document())
    assert created.status_code == 201, created.text
    task_id = created.json()["tasks"][0]["id"]
    client.wait_for(
        lambda: client.call("GET", f"/api/workflow/tasks/{task_id}", office).status_code == 200,
        "the workflow to assign the task",
    )
    return str(task_id)


def inbox_types(client: Client, token: str) -> list[str]:
    items = client.call("GET", "/api/notify/inbox?limit=500", token).json()["items"]
    return [item["event_type"] for item in items]


def test_d17_2_feedback_reaches_the_office_and_its_outcome_the_reporting_unit(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    reporter = system.token("unit_officer", "SO_XD")
    task_id = released_task(system, office)
    opened = system.call(
        "POST",
        "/api/workflow/feedback",
        reporter,
        json={
            "task_id": task_id,
            "about_unit": "SO_TC",
            "problem": "not_as_required",
            "description": "Số liệu gửi chưa đúng mẫu",
        },
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["items"][0]["id"]
    system.wait_for(
        lambda: "feedback.received" in inbox_types(system, office), "the Office to be told"
    )
    refused = system.call(
        "POST", f"/api/workflow/feedback/{case_id}/actions/urge_unit", reporter, json={"note": "x"}
    )
    assert refused.status_code == 403
    urged = system.call(
        "POST",
        f"/api/workflow/feedback/{case_id}/actions/urge_unit",
        office,
        json={"note": "Đề nghị Sở Tài chính gửi lại số liệu đúng mẫu"},
    )
    assert urged.status_code == 200, urged.text
    assert urged.json()["status"] == "urged"
    system.wait_for(
        lambda: "feedback.unit_urged" in inbox_types(system, reporter),
        "the reporting unit to learn the outcome",
    )


def test_d10_1d_the_working_group_leader_approves_the_month_account(system: Client) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("office_lead", "VP_UBND")
    month = local_date(datetime.now(UTC)).strftime("%Y-%m")
    opened = system.call("POST", "/api/workflow/monthly-accounts", office, json={"month": month})
    assert opened.status_code == 201, opened.text
    account = opened.json()["items"][0]
    approved = system.call(
        "POST", f"/api/workflow/monthly-accounts/{account['id']}/actions/approve", lead, json={}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    system.wait_for(
        lambda: "monthly_account.approved" in inbox_types(system, office),
        "the Office to be told of the approval",
    )


def _post(client: Client, path: str, token: str, body: dict) -> dict:
    answer = client.call("POST", path, token, json=body)
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def _open(client: Client, path: str, token: str, body: dict) -> dict:
    """Open a case naming units once the workflow knows them: it learns them from intake's
    `unit.updated` as the system starts, and until then refuses the request (422 naming `units`,
    nothing stored)."""

    def known() -> Any:
        answer = client.call("POST", path, token, json=body)
        return None if "units" in answer.json().get("errors", {}) else [answer]

    [answer] = client.wait_for(known, "the workflow to learn the units")
    assert answer.status_code in (200, 201), answer.text
    return dict(answer.json())


def test_d13_2_d15_3_an_inspection_from_plan_to_report_reaches_the_inspected_units(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("office_lead", "VP_UBND")
    inspected = system.token("unit_officer", "SO_TC")
    today = local_date(datetime.now(UTC))
    plan = {
        "form": "regular",
        "title": "Kiểm tra việc thực hiện nhiệm vụ",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": today.replace(day=1).isoformat(),
        "period_to": today.isoformat(),
    }
    case = _open(system, "/api/workflow/inspections", office, plan)["items"][0]
    base = f"/api/workflow/inspections/{case['id']}/actions"
    assert system.call("POST", f"{base}/approve", office, json={}).status_code == 403
    assert _post(system, f"{base}/approve", lead, {})["status"] == "in_progress"
    assert _post(system, f"{base}/finish", office, {})["status"] == "reporting"
    conclusion = {
        "unit": "SO_TC",
        "assessment": "Triển khai kịp thời",
        "result": "done",
        "conclusion": "Hoàn thành nhiệm vụ được giao",
    }
    report = {"summary": "Kết quả kiểm tra", "conclusions": [conclusion]}
    assert _post(system, f"{base}/submit_report", lead, report)["status"] == "reported"
    system.wait_for(
        lambda: "inspection.reported" in inbox_types(system, inspected),
        "the inspected unit to be told the result",
    )


def test_d8_1d_a_unit_answers_the_offices_information_request(system: Client) -> None:
    office = system.token("office", "VP_UBND")
    asked = system.token("unit_officer", "SO_XD")
    today = local_date(datetime.now(UTC))
    request = {
        "subject": "topic",
        "topic": "Giải ngân vốn đầu tư công",
        "question": "Đề nghị báo cáo tỷ lệ giải ngân",
        "units": ["SO_XD"],
        "due_on": today.replace(year=today.year + 1).isoformat(),
    }
    case = _open(system, "/api/workflow/info-requests", office, request)["items"][0]
    system.wait_for(
        lambda: "info_request.opened" in inbox_types(system, asked), "the unit to be asked"
    )
    answer = {"text": "Đạt 72%", "attachments": [{"name": "bao-cao.pdf", "ref": "vb-1"}]}
    answered = _post(
        system, f"/api/workflow/info-requests/{case['id']}/actions/answer", asked, answer
    )
    assert answered["status"] == "answered"
    system.wait_for(
        lambda: "info_request.answered" in inbox_types(system, office), "the Office to hear back"
    )


def test_d8_1c_d17_1_a_difficulty_goes_to_a_leader_and_the_direction_to_the_unit(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    unit = system.token("unit_officer", "SO_TC")
    leader = system.token("leader", None)
    task_id = released_task(system, office)
    _post(system, f"/api/workflow/tasks/{task_id}/actions/accept", unit, {})
    difficulty = {"problem": "beyond_capacity", "description": "Thiếu vốn đối ứng"}
    task = _post(
        system, f"/api/workflow/tasks/{task_id}/actions/report_difficulty", unit, difficulty
    )
    case_id = next(c["id"] for c in task["open_cases"] if c["kind"] == "direction_request")
    base = f"/api/workflow/direction-requests/{case_id}/actions"
    _post(system, f"{base}/propose", office, {"proposal": "Đề xuất bổ sung vốn"})
    system.wait_for(
        lambda: "direction_request.proposed" in inbox_types(system, leader),
        "the leaders' inbox to show the request for direction",
    )
    waiting = system.call("GET", f"/api/workflow/tasks/{task_id}", office).json()
    assert waiting["awaiting_direction"] is True
    _post(system, f"{base}/give_direction", leader, {"direction": "Đồng ý bổ sung vốn"})
    system.wait_for(
        lambda: "direction_request.directed" in inbox_types(system, unit),
        "the unit to receive the direction",
    )


def test_d18_the_upcoming_reporting_period_is_open_for_every_unit(system: Client) -> None:
    unit = system.token("unit_officer", "XA_HOANG_HOA")

    def periods() -> list[dict]:
        answer = system.call("GET", "/api/workflow/periodic-reports?open=true", unit)
        return list(answer.json()["items"]) if answer.status_code == 200 else []

    found = system.wait_for(periods, "the scheduler to open the upcoming period")
    assert {p["status"] for p in found} <= {"scheduled", "compiling"}


def test_d7_1_the_office_asks_for_a_correction_and_the_unit_corrects_its_report(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    unit = system.token("unit_officer", "SO_TC")
    other = system.token("unit_officer", "SO_YT")
    task_id = released_task(system, office)
    _post(system, f"/api/workflow/tasks/{task_id}/actions/accept", unit, {})
    path = f"/api/workflow/tasks/{task_id}/actions"
    _post(system, f"{path}/report_progress", unit, {"note": "Đã giải ngân 50% vốn"})
    ask = {"reason": "Sai số liệu"}
    assert system.call("POST", f"{path}/request_correction", other, json=ask).status_code == 403
    task = _post(system, f"{path}/request_correction", office, ask)
    case_id = next(c["id"] for c in task["open_cases"] if c["kind"] == "correction_request")
    system.wait_for(
        lambda: "correction_request.requested" in inbox_types(system, unit),
        "the unit to be asked for a correction",
    )
    corrected = _post(
        system,
        f"/api/workflow/correction-requests/{case_id}/actions/correct",
        unit,
        {"text": "Đã giải ngân 45% vốn"},
    )
    assert corrected["status"] == "corrected"
    notes = [
        h["note"]
        for h in system.call("GET", f"/api/workflow/tasks/{task_id}", office).json()["history"]
    ]
    assert "Đã giải ngân 50% vốn" in notes and any("45%" in (n or "") for n in notes)


def test_d18_1_a_unit_sends_its_periodic_report_and_the_office_returns_then_accepts_it(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    unit = system.token("unit_officer", "SO_VHTTDL")

    def periods() -> list[dict]:
        answer = system.call("GET", "/api/workflow/periodic-reports", unit)
        return list(answer.json()["items"]) if answer.status_code == 200 else []

    found = system.wait_for(periods, "the scheduler to open the upcoming period")
    period = max(found, key=lambda p: p["data"]["units_due_on"])["data"]["period"]
    case = _open(system, "/api/workflow/unit-reports", unit, {"period": period})["items"][0]
    base = f"/api/workflow/unit-reports/{case['id']}/actions"
    listed = system.call(
        "GET", f"/api/reporting/explanations?period={period}&limit=500", unit
    ).json()["items"]
    report = {
        "results": "Hoàn thành các nhiệm vụ trong kỳ",
        "explanations": [{"task_id": t["task_id"], "text": "Giải trình"} for t in listed],
    }
    sent = _post(system, f"{base}/submit", unit, report)
    assert sent["status"] == "submitted"  # the upcoming period's last day is still ahead

    def standing() -> dict | None:
        path = f"/api/reporting/unit-reports?period={period}&unit=SO_VHTTDL"
        rows = system.call("GET", path, office).json()["units"]
        return rows[0] if rows and rows[0]["case_id"] else None

    assert system.wait_for(standing, "reporting to count the report")["standing"] == "on_time"
    system.wait_for(
        lambda: "unit_report.submitted" in inbox_types(system, office), "the Office to be told"
    )
    _post(system, f"{base}/return", office, {"reason": "Bổ sung số liệu"})
    system.wait_for(
        lambda: "unit_report.returned" in inbox_types(system, unit), "the unit to hear why"
    )
    _post(system, f"{base}/submit", unit, {**report, "results": "Đã bổ sung số liệu"})
    _post(system, f"{base}/accept", office, {})
    system.wait_for(
        lambda: "unit_report.accepted" in inbox_types(system, unit), "the unit to be told"
    )
    accepted = system.wait_for(
        lambda: (row := standing()) and row["report_status"] == "accepted" and row,
        "reporting to learn the acceptance",
    )
    assert (accepted["standing"], accepted["returns"]) == ("on_time", 1)


def test_d16_2_the_offices_evaluation_is_approved_by_its_leader_then_published(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("office_lead", "VP_UBND")
    leader = system.token("leader", None)

    def periods() -> list[dict]:
        answer = system.call("GET", "/api/workflow/periodic-reports", office)
        return list(answer.json()["items"]) if answer.status_code == 200 else []

    found = system.wait_for(periods, "the scheduler to open the upcoming period")
    period = max(found, key=lambda p: p["data"]["units_due_on"])["data"]["period"]
    stored = system.call("POST", "/api/reporting/reports", office, json={"period": period})
    assert stored.status_code == 201, stored.text
    report_id = stored.json()["id"]
    body = {"period": period, "report_id": report_id}
    opened = system.call("POST", "/api/workflow/office-reports", office, json=body)
    assert opened.status_code == 201, opened.text
    base = f"/api/workflow/office-reports/{opened.json()['items'][0]['id']}/actions"
    sections = {
        "report_id": report_id,
        "progress": "Tiến độ bảo đảm",
        "quality": "Chất lượng đạt yêu cầu",
        "effectiveness": "Hiệu quả so với yêu cầu chỉ đạo",
        "difficulties": "Cập nhật chậm",
        "proposals": "Nhắc nhở đơn vị chậm",
    }
    assert _post(system, f"{base}/submit", office, sections)["status"] == "submitted"
    refused = system.call("POST", f"{base}/approve", office, json={})
    assert refused.status_code == 403, refused.text  # only the Office's leader approves
    assert _post(system, f"{base}/approve", lead, {})["status"] == "approved"
    system.wait_for(
        lambda: "office_report.approved" in inbox_types(system, leader), "the leaders to be told"
    )
    assert _post(system, f"{base}/publish", office, {"number": "7/BC-VP"})["status"] == "published"

    def public() -> dict | None:
        answer = system.call("GET", f"/api/reporting/public/reports/{report_id}", None)
        return answer.json() if answer.status_code == 200 and answer.json()["evaluation"] else None

    shown = system.wait_for(public, "reporting to publish the approved evaluation")
    assert shown["evaluation"]["sections"]["effectiveness"] == "Hiệu quả so với yêu cầu chỉ đạo"
    assert shown["evaluation"]["number"] == "7/BC-VP"


def test_d20_1_the_annual_report_counts_feedback_handled_and_is_published_once_approved(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("office_lead", "VP_UBND")
    leader = system.token("leader", None)
    reporter = system.token("unit_officer", "SO_XD")
    year = local_date(datetime.now(UTC)).year

    def handled() -> int:
        answer = system.call("GET", f"/api/reporting/annual?year={year}", office)
        assert answer.status_code == 200, answer.text
        return int(answer.json()["feedback"]["handled"])

    before = handled()
    task_id = released_task(system, office)
    body = {
        "task_id": task_id,
        "about_unit": "SO_TC",
        "problem": "late",
        "description": "Chưa gửi báo cáo đúng hạn",
    }
    case = _post(system, "/api/workflow/feedback", reporter, body)["items"][0]
    urge = {"note": "Đề nghị Sở Tài chính gửi báo cáo"}
    _post(system, f"/api/workflow/feedback/{case['id']}/actions/urge_unit", office, urge)
    # The feedback's events reach reporting's read model (Đ16.6): the year counts it handled.
    system.wait_for(lambda: handled() > before, "reporting to count the feedback handled")

    stored = _post(system, "/api/reporting/annual", office, {"year": year})
    assert stored["feedback"]["handled"] > before
    opened = system.call(
        "POST",
        "/api/workflow/annual-reports",
        office,
        json={"year": year, "report_id": stored["id"], "due_on": f"{year + 1}-01-15"},
    )
    assert opened.status_code == 201, opened.text
    base = f"/api/workflow/annual-reports/{opened.json()['items'][0]['id']}/actions"
    sections = {
        "report_id": stored["id"],
        "assessment": "Các đơn vị thực hiện nghiêm Quy chế",
        "training": "Hai lớp tập huấn",
        "difficulties": "Một số xã cập nhật chậm",
        "proposals": "Biểu dương đơn vị tiêu biểu",
    }
    assert _post(system, f"{base}/submit", office, sections)["status"] == "submitted"
    refused = system.call("POST", f"{base}/approve", office, json={})
    assert refused.status_code == 403, refused.text  # only the Office's leader approves
    assert _post(system, f"{base}/approve", lead, {})["status"] == "approved"
    system.wait_for(
        lambda: "annual_report.approved" in inbox_types(system, leader), "the leaders to be told"
    )
    assert _post(system, f"{base}/publish", office, {"number": "3/BC-VP"})["status"] == "published"

    def public() -> dict | None:
        answer = system.call("GET", f"/api/reporting/public/reports/{stored['id']}", None)
        return answer.json() if answer.status_code == 200 and answer.json().get("annual") else None

    shown = system.wait_for(public, "reporting to publish the approved annual report")
    assert shown["annual"]["sections"]["training"] == "Hai lớp tập huấn"
    assert shown["annual"]["number"] == "3/BC-VP"
    assert shown["feedback"]["handled"] == stored["feedback"]["handled"]


def test_d21_the_officer_named_is_told_and_so_noi_vu_answers_the_offices_proposals(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    head = system.token("unit_head", "SO_TC")
    officer_sub = f"officer.SO_TC.{datetime.now(UTC).timestamp():.0f}"
    officer = mint_token(
        system.settings, sub=officer_sub, name="Nguyễn Văn An", unit="SO_TC", roles=["unit_officer"]
    )
    task_id = released_task(system, office)
    named = {"officer_sub": officer_sub, "officer_name": "Nguyễn Văn An"}
    _post(system, f"/api/workflow/tasks/{task_id}/actions/assign_officer", head, named)
    system.wait_for(
        lambda: "task.officer_assigned" in inbox_types(system, officer), "the officer to be told"
    )

    year = str(local_date(datetime.now(UTC)).year)
    found = system.call("GET", f"/api/reporting/commendation-candidates?period={year}", office)
    assert found.status_code == 200, found.text
    body = {"period": year, "candidates": found.json()["items"]}
    case = _post(system, "/api/workflow/commendations", office, body)["items"][0]
    base = f"/api/workflow/commendations/{case['id']}/actions"
    assert _post(system, f"{base}/send", office, {})["status"] == "consulting"
    home_affairs = system.token("unit_officer", "SO_NV")
    system.wait_for(
        lambda: "commendation.sent" in inbox_types(system, home_affairs), "Sở Nội vụ to be asked"
    )
    answered = _post(system, f"{base}/answer", home_affairs, {"opinion": "Thống nhất"})
    assert answered["status"] == "answered"
    results = [{"key": c["key"], "result": "none"} for c in case["data"]["candidates"]]
    assert _post(system, f"{base}/decide", office, {"results": results})["status"] == "decided"
    system.wait_for(
        lambda: "commendation.decided" in inbox_types(system, office), "the Office to be told"
    )


def test_d8_2a_d8_2c_a_department_urges_a_commune_in_its_sector_which_hands_the_task_on(
    system: Client,
) -> None:
    """Through the running system: the Office records a department's sector and places an office
    under a commune (intake), the services learn it from `unit.updated`; a task of the commune in
    that sector is read and urged by the department (Đ8.2a), handed on by the commune to its
    office, which reads it and its document (Đ5.2a) and reports its progress but cannot submit the
    result (Đ8.2c); the department reads the sector's figures in reporting."""
    office = system.token("office", "VP_UBND")
    suffix = uuid.uuid4().hex[:6].upper()
    department, commune, sub_unit = f"SO_E{suffix}", f"XA_E{suffix}", f"VP_XA_E{suffix}"
    units = (
        {"code": department, "name": f"Sở thử {suffix}", "kind": "department"},
        {"code": commune, "name": f"Xã thử {suffix}", "kind": "commune"},
        {"code": sub_unit, "name": f"Văn phòng xã {suffix}", "kind": "other", "parent": commune},
    )
    for unit in units:
        _post(system, "/api/intake/units", office, unit)
    patched = system.call(
        "PATCH", f"/api/intake/units/{department}", office, json={"sectors": ["nong_nghiep"]}
    )
    assert patched.status_code == 200, patched.text
    document = a_document(lead_unit=commune)
    document["tasks"][0] |= {"coordinating_units": [], "sector": "nong_nghiep"}
    created = _post(system, "/api/intake/documents", office, document)
    task_id = created["tasks"][0]["id"]
    task = f"/api/workflow/tasks/{task_id}"
    head = system.token("unit_head", department)
    stranger = system.token("unit_head", "SO_YT")
    lead = system.token("unit_head", commune)
    handed = system.token("unit_officer", sub_unit)
    system.wait_for(
        lambda: system.call("GET", task, head).status_code == 200,
        "the workflow to place the task in the department's sector",
    )
    assert system.call("GET", task, stranger).status_code == 403
    assert system.call("GET", task, handed).status_code == 403  # not handed on yet
    own_document = f"/api/intake/documents/{created['id']}"
    assert system.call("GET", own_document, handed).status_code == 403
    _post(system, f"{task}/actions/accept", lead, {})
    urged = _post(system, f"{task}/actions/urge_in_sector", head, {"note": "Đề nghị đẩy nhanh"})
    assert urged["status"] == "in_progress"
    system.wait_for(lambda: "task.urged" in inbox_types(system, lead), "the commune to be urged")

    _post(system, f"{task}/actions/hand_on", lead, {"unit": sub_unit, "note": "Giao văn phòng"})
    system.wait_for(
        lambda: "task.handed_on" in inbox_types(system, handed), "the office to be told"
    )
    assert system.call("GET", task, handed).status_code == 200
    # Intake learns the hand-on from task.handed_on: the office checks the task against the
    # assigning document (Đ5.2a).
    system.wait_for(
        lambda: system.call("GET", own_document, handed).status_code == 200,
        "intake to open the document to the office it was handed on to",
    )
    progress = {"note": "Đã rà soát 12 hộ chăn nuôi"}
    _post(system, f"{task}/actions/report_handed_progress", handed, progress)
    refused = system.call("POST", f"{task}/actions/submit_result", handed, json={"note": "Xong"})
    assert refused.status_code == 403, refused.text  # the lead unit keeps the result
    system.wait_for(
        lambda: "task.contribution_added" in inbox_types(system, lead),
        "the commune to read its office's progress",
    )

    year = local_date(datetime.now(UTC)).year

    def sector_units() -> list[str]:
        query = f"/api/reporting/stats?period={year}&sector=nong_nghiep"
        answer = system.call("GET", query, head)
        assert answer.status_code == 200, answer.text
        return [row["unit"] for row in answer.json()["units"]]

    system.wait_for(lambda: commune in sector_units(), "reporting to count the sector's task")
    # Another sector is not the department's: only its own unit's figures, none here.
    outside = system.call("GET", f"/api/reporting/stats?period={year}&sector=y_te", head)
    assert outside.status_code == 200 and outside.json()["units"] == [], outside.text
