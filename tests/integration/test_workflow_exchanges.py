"""Exchanges about a running task through the workflow API on SQLite: correction of reported
information (Đ7.1, Đ7.2b) and difficulties asking for a leader's direction (Đ8.1b, Đ8.1c, Đ17.1)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.workflow.scheduler import TimerScheduler
from tests.integration import workflowkit
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    NOW,
    OFFICE,
    STRANGER,
    auth,
    outbox_types,
    release,
)

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

LEADER = auth("leader", None)
JUSTICE = auth("unit_officer", "SO_TP")  # a related department, not on the task


def task_act(service: Any, task_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(
        f"/api/workflow/tasks/{task_id}/actions/{action}", json=body, headers=who
    )


def task(service: Any, task_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = service.client.get(f"/api/workflow/tasks/{task_id}", headers=who)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def case(service: Any, path: str, case_id: str, who: dict[str, str]) -> dict[str, Any]:
    response = service.client.get(f"/api/workflow/{path}/{case_id}", headers=who)
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


def act(
    service: Any, path: str, case_id: str, action: str, who: dict[str, str], **body: Any
) -> Any:
    return service.client.post(
        f"/api/workflow/{path}/{case_id}/actions/{action}", json=body, headers=who
    )


def reported(service: Any) -> str:
    """A task the lead unit accepted and reported progress on."""
    task_id = release(service)
    assert task_act(service, task_id, "accept", LEAD).status_code == 200
    progress = task_act(service, task_id, "report_progress", LEAD, note="Đã giải ngân 50% vốn")
    assert progress.status_code == 200, progress.get_json()
    return task_id


def only_case(view: dict[str, Any], kind: str) -> dict[str, Any]:
    [found] = [c for c in view["open_cases"] if c["kind"] == kind]
    return found


# Correction of reported information (Đ7.1, Đ7.2b)


def test_d7_1_the_office_asks_for_a_correction_and_the_unit_corrects_keeping_the_earlier_report(
    workflow: Any,
) -> None:
    task_id = reported(workflow)
    assert "request_correction" in task(workflow, task_id, OFFICE)["actions"]
    assert "request_correction" not in task(workflow, task_id, LEAD)["actions"]
    [entry] = [h for h in task(workflow, task_id, OFFICE)["history"] if h["note"]]
    assert task_act(workflow, task_id, "request_correction", LEAD, reason="x").status_code == 403
    assert (
        task_act(workflow, task_id, "request_correction", STRANGER, reason="x").status_code == 403
    )
    asked = task_act(
        workflow, task_id, "request_correction", OFFICE, entry_id=entry["id"], reason="Sai số liệu"
    )
    assert asked.status_code == 200, asked.get_json()
    opened = only_case(asked.get_json(), "correction_request")
    assert (opened["status"], opened["waiting_days"]) == ("requested", 0)
    assert outbox_types(workflow)[-1] == "correction_request.requested"

    # Open correction requests are listed for both sides.
    for who, total in ((OFFICE, 1), (LEAD, 1), (STRANGER, 0)):
        listed = workflow.client.get("/api/workflow/correction-requests?open=true", headers=who)
        assert listed.get_json()["total"] == total
    request = case(workflow, "correction-requests", opened["id"], LEAD)
    assert request["actions"] == ["correct", "explain"]
    assert request["parties"] == {"unit": ["SO_TC"]}
    assert request["data"]["entry_note"] == "Đã giải ngân 50% vốn"
    assert request["due_on"] == "2026-12-08"  # 5 working days after Tue 2026-12-01
    assert (
        act(workflow, "correction-requests", opened["id"], "correct", OFFICE, text="x").status_code
        == 403
    )

    corrected = act(
        workflow, "correction-requests", opened["id"], "correct", LEAD, text="Đã giải ngân 45% vốn"
    )
    body = corrected.get_json()
    assert (body["status"], body["open"]) == ("corrected", False)
    assert body["history"][-1]["note"] == "Đã giải ngân 45% vốn"
    assert outbox_types(workflow)[-1] == "correction_request.corrected"
    history = task(workflow, task_id, OFFICE)["history"]
    assert [h["action"] for h in history][-3:] == [
        "report_progress",
        "request_correction",
        "correct_report",
    ]
    assert history[-3]["note"] == "Đã giải ngân 50% vốn"  # the earlier version is kept
    assert history[-1]["note"].startswith("Đã giải ngân 45% vốn")
    assert history[-1]["action_label"] == "Điều chỉnh thông tin báo cáo"
    assert task(workflow, task_id, OFFICE)["open_cases"] == []


def test_d7_1_the_unit_explains_why_its_result_stands_and_is_told_when_it_is_late(
    workflow: Any,
) -> None:
    task_id = reported(workflow)
    assert (
        task_act(workflow, task_id, "submit_result", LEAD, note="Đã hoàn thành").status_code == 200
    )
    opened = workflow.client.post(
        "/api/workflow/correction-requests",
        json={"task_id": task_id, "reason": "Kết quả chưa khớp báo cáo của Sở"},
        headers=OFFICE,
    )
    assert opened.status_code == 201, opened.get_json()
    request = opened.get_json()["items"][0]
    assert request["data"]["entry_action"] == "submit_result"  # the latest report by default
    workflow.clock.set(NOW + timedelta(days=8))  # Wed 12-09: past the 5 working days
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "correction_request.overdue"
    explained = act(
        workflow,
        "correction-requests",
        request["id"],
        "explain",
        LEAD,
        reason="Số liệu đã đối chiếu",
    )
    assert explained.get_json()["status"] == "explained"
    assert [h["action"] for h in explained.get_json()["history"]] == ["open", "overdue", "explain"]
    assert task(workflow, task_id, OFFICE)["history"][-1]["action"] == "explain_report"


def test_d7_1_a_correction_request_names_a_report_of_the_task_and_gives_a_reason(
    workflow: Any,
) -> None:
    fresh = release(workflow)
    assert "request_correction" not in task(workflow, fresh, OFFICE)["actions"]
    nothing = task_act(workflow, fresh, "request_correction", OFFICE, reason="x")
    assert nothing.status_code == 409 and "actions" in nothing.get_json()
    task_id = reported(workflow)
    assert task_act(workflow, task_id, "request_correction", OFFICE).status_code == 422
    assigned = task(workflow, task_id, OFFICE)["history"][0]["id"]
    wrong = task_act(workflow, task_id, "request_correction", OFFICE, entry_id=assigned, reason="x")
    assert wrong.status_code == 422
    unknown = act(workflow, "correction-requests", "nope", "approve", OFFICE)
    assert unknown.status_code == 404


def test_d7_2b_a_unit_corrects_its_own_report_before_the_office_confirms(workflow: Any) -> None:
    task_id = reported(workflow)
    assert "correct_report" in task(workflow, task_id, LEAD)["actions"]
    assert "correct_report" not in task(workflow, task_id, COORDINATOR)["actions"]
    assert task_act(workflow, task_id, "correct_report", COORDINATOR, text="x").status_code == 403
    fixed = task_act(workflow, task_id, "correct_report", LEAD, text="Đã giải ngân 48% vốn")
    assert fixed.status_code == 200, fixed.get_json()
    assert fixed.get_json()["open_cases"] == []  # closes at once
    assert fixed.get_json()["history"][-1]["action"] == "correct_report"
    assert outbox_types(workflow)[-1] == "correction_request.self_corrected"
    closed = workflow.client.get("/api/workflow/correction-requests?open=false", headers=OFFICE)
    [own] = closed.get_json()["items"]
    assert (own["status"], own["data"]["origin"]) == ("self_corrected", "unit")

    assert task_act(workflow, task_id, "submit_result", LEAD).status_code == 200
    assert task_act(workflow, task_id, "confirm", OFFICE).status_code == 200
    assert "correct_report" not in task(workflow, task_id, LEAD)["actions"]
    late = task_act(workflow, task_id, "correct_report", LEAD, text="x")
    assert late.status_code == 409
    # The Office keeps its Đ7.1 check after confirming.
    assert "request_correction" in task(workflow, task_id, OFFICE)["actions"]


# Difficulties and direction (Đ8.1b, Đ8.1c, Đ17.1)


def test_d17_1_the_lead_unit_reports_a_difficulty_while_it_carries_out_the_task(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    assert "report_difficulty" not in task(workflow, task_id, LEAD)["actions"]
    early = task_act(
        workflow, task_id, "report_difficulty", LEAD, problem="blocked", description="x"
    )
    assert early.status_code == 409
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    assert "report_difficulty" in task(workflow, task_id, LEAD)["actions"]
    assert "report_difficulty" not in task(workflow, task_id, COORDINATOR)["actions"]
    body = {"problem": "beyond_capacity", "description": "Thiếu vốn đối ứng"}
    assert task_act(workflow, task_id, "report_difficulty", COORDINATOR, **body).status_code == 403
    bad = task_act(workflow, task_id, "report_difficulty", LEAD, problem="tired", description="x")
    assert bad.status_code == 422
    reported_ = task_act(workflow, task_id, "report_difficulty", LEAD, **body)
    assert reported_.status_code == 200, reported_.get_json()
    view = reported_.get_json()
    assert only_case(view, "direction_request")["status"] == "reported"
    assert view["awaiting_direction"] is False
    assert view["history"][-1]["action"] == "report_difficulty"
    assert "report_difficulty" not in view["actions"]  # one at a time
    assert outbox_types(workflow)[-1] == "direction_request.reported"


def test_d8_1b_d8_1c_the_office_asks_opinions_then_a_leader_for_direction_and_the_task_shows_it(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    opened = workflow.client.post(
        "/api/workflow/direction-requests",
        json={"task_id": task_id, "problem": "blocked", "description": "Vướng quy hoạch"},
        headers=LEAD,
    )
    assert opened.status_code == 201, opened.get_json()
    case_id = opened.get_json()["items"][0]["id"]
    path = "direction-requests"
    assert case(workflow, path, case_id, OFFICE)["actions"] == [
        "ask_opinions",
        "propose",
        "resolve",
    ]
    assert case(workflow, path, case_id, LEAD)["actions"] == []

    # Đ8.1b: related departments give their opinions, the task's or others.
    asked = act(
        workflow, path, case_id, "ask_opinions", OFFICE, units=["SO_XD", "SO_TP"], note="Cho ý kiến"
    )
    assert asked.get_json()["status"] == "consulting", asked.get_json()
    assert asked.get_json()["parties"]["consulted"] == ["SO_XD", "SO_TP"]
    assert case(workflow, path, case_id, JUSTICE)["actions"] == ["give_opinion"]
    assert act(workflow, path, case_id, "give_opinion", LEAD, opinion="x").status_code == 403
    for who, opinion in ((JUSTICE, "Đề nghị điều chỉnh quy hoạch"), (COORDINATOR, "Không đồng ý")):
        given = act(workflow, path, case_id, "give_opinion", who, opinion=opinion)
        assert given.get_json()["status"] == "consulting", given.get_json()
    assert outbox_types(workflow)[-1] == "direction_request.opinion_given"

    # Đ8.1c: the units disagree; the Office proposes and asks for direction.
    proposed = act(workflow, path, case_id, "propose", OFFICE, proposal="Đề xuất điều chỉnh")
    assert proposed.get_json()["status"] == "awaiting_direction"
    assert proposed.get_json()["data"]["awaiting_since"] == "2026-12-01"
    assert proposed.get_json()["data"]["leader"] == "chu_tich"  # who assigned the task
    workflow.clock.set(NOW + timedelta(days=3))
    waiting = task(workflow, task_id, LEAD)
    assert waiting["awaiting_direction"] is True
    awaited = only_case(waiting, "direction_request")
    assert (awaited["waiting_since"], awaited["waiting_days"]) == ("2026-12-01", 3)
    assert act(workflow, path, case_id, "give_direction", OFFICE, direction="x").status_code == 403
    directed = act(workflow, path, case_id, "give_direction", LEADER, direction="Đồng ý đề xuất")
    assert (directed.get_json()["status"], directed.get_json()["open"]) == ("directed", False)
    assert outbox_types(workflow)[-2:] == [
        "direction_request.proposed",
        "direction_request.directed",
    ]

    after = task(workflow, task_id, LEAD)
    assert (after["awaiting_direction"], after["open_cases"]) == (False, [])
    entries = [(h["action"], h["note"]) for h in after["history"]][-3:]
    assert entries == [
        ("report_difficulty", "Có khó khăn, vướng mắc: Vướng quy hoạch"),
        ("request_direction", "Đề xuất điều chỉnh"),
        ("direction", "Đồng ý đề xuất"),
    ]
    assert after["history"][-1]["action_label"] == "Ý kiến chỉ đạo"


def test_d8_1b_the_office_resolves_a_difficulty_itself(workflow: Any) -> None:
    task_id = release(workflow)
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    view = task_act(
        workflow, task_id, "report_difficulty", LEAD, problem="blocked", description="Thiếu hồ sơ"
    ).get_json()
    case_id = only_case(view, "direction_request")["id"]
    path = "direction-requests"
    resolved = act(
        workflow, path, case_id, "resolve", OFFICE, resolution="Văn phòng đã chuyển hồ sơ"
    )
    assert resolved.get_json()["status"] == "resolved"
    assert outbox_types(workflow)[-1] == "direction_request.resolved"
    assert task(workflow, task_id, LEAD)["history"][-1]["action"] == "difficulty_resolved"
    assert "report_difficulty" in task(workflow, task_id, LEAD)["actions"]  # may report again
    again = act(workflow, path, case_id, "propose", OFFICE, proposal="x")
    assert again.status_code == 409 and again.get_json()["actions"] == []


def test_d8_1b_a_second_difficulty_waits_for_the_first_through_either_route(workflow: Any) -> None:
    """The task's diagram decides (`when.report_difficulty`): the case route and the task's own
    action give the same answer while a difficulty awaits the Office."""
    task_id = release(workflow)
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    body = {"task_id": task_id, "problem": "blocked", "description": "Vướng quy hoạch"}
    first = workflow.client.post("/api/workflow/direction-requests", json=body, headers=LEAD)
    assert first.status_code == 201, first.get_json()

    again = workflow.client.post("/api/workflow/direction-requests", json=body, headers=LEAD)
    assert again.status_code == 409, again.get_json()
    assert "report_difficulty" not in again.get_json()["actions"]
    problem = {"problem": "blocked", "description": "Vướng quy hoạch"}
    assert task_act(workflow, task_id, "report_difficulty", LEAD, **problem).status_code == 409
    # Reporting progress meanwhile does not forget that a difficulty is open.
    assert task_act(workflow, task_id, "report_progress", LEAD, note="x").status_code == 200
    assert "report_difficulty" not in task(workflow, task_id, LEAD)["actions"]


def test_d8_1b_which_steps_offer_a_difficulty_report_is_the_diagram_s_word(
    workflow: Any,
) -> None:
    """A version whose unit step (`work`) declares no difficulty report offers none there;
    the tasks released before it keep their own version's answer."""
    shipped = (workflow.bpmn_dir / "task_lifecycle.bpmn").read_text(encoding="utf-8")
    declared = (
        '<spiffworkflow:property name="opens.unit" value="correct_report,report_difficulty" />'
    )
    assert shipped.count(declared) == 1  # the unit's step, `work`
    before = release(workflow)
    owner = {**auth("process_owner", None), "Content-Type": "application/bpmn+xml"}
    condition = (
        '<spiffworkflow:property name="when.report_difficulty" '
        'value="status != &quot;assigned&quot; and not difficulty_open" />'
    )
    without = shipped.replace(declared, declared.replace(",report_difficulty", ""))
    without = without.replace(condition, "")
    deployed = workflow.client.post(
        "/api/workflow/process-models/task_lifecycle", data=without.encode(), headers=owner
    )
    assert deployed.status_code == 201, deployed.get_json()
    after = release(workflow)
    for task_id in (before, after):
        assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    assert "report_difficulty" in task(workflow, before, LEAD)["actions"]
    assert "report_difficulty" not in task(workflow, after, LEAD)["actions"]
    body = {"problem": "blocked", "description": "x"}
    refused = task_act(workflow, after, "report_difficulty", LEAD, **body)
    assert refused.status_code == 409, refused.get_json()


def test_d8_1c_the_office_asks_a_leader_for_direction_on_a_task_itself(workflow: Any) -> None:
    task_id = release(workflow)
    assert "ask_direction" not in task(workflow, task_id, OFFICE)["actions"]  # not yet accepted
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    assert "ask_direction" in task(workflow, task_id, OFFICE)["actions"]
    assert "ask_direction" not in task(workflow, task_id, LEAD)["actions"]
    body = {
        "problem": "disagreement",
        "description": "Sở Tài chính và Sở Xây dựng chưa thống nhất nguồn vốn",
        "proposal": "Giao Sở Tài chính chủ trì cân đối vốn",
    }
    assert task_act(workflow, task_id, "ask_direction", LEAD, **body).status_code == 403
    missing = task_act(workflow, task_id, "ask_direction", OFFICE, problem="disagreement")
    assert missing.status_code == 422
    asked = task_act(workflow, task_id, "ask_direction", OFFICE, **body)
    assert asked.status_code == 200, asked.get_json()
    view = asked.get_json()
    awaited = only_case(view, "direction_request")
    assert awaited["status"] == "awaiting_direction" and view["awaiting_direction"] is True
    assert view["history"][-1]["action"] == "ask_direction"
    assert "Giao Sở Tài chính chủ trì" in view["history"][-1]["note"]
    # The leaders are asked at once (the event that tells them); one request at a time.
    assert outbox_types(workflow)[-1] == "direction_request.proposed"
    assert "ask_direction" not in view["actions"]
    lead_view = task(workflow, task_id, LEAD)
    assert "report_difficulty" not in lead_view["actions"]

    path = "direction-requests"
    case_view = case(workflow, path, awaited["id"], LEADER)
    assert case_view["actions"] == ["give_direction"]
    assert case_view["data"]["leader"] == "chu_tich"  # who assigned the task
    directed = act(workflow, path, awaited["id"], "give_direction", LEADER, direction="Đồng ý")
    assert directed.get_json()["status"] == "directed"
    assert "ask_direction" in task(workflow, task_id, OFFICE)["actions"]
    assert "report_difficulty" in task(workflow, task_id, LEAD)["actions"]


def test_d8_1c_the_office_asks_for_direction_through_the_case_route_with_its_proposal(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    assert task_act(workflow, task_id, "accept", LEAD).status_code == 200
    body = {"task_id": task_id, "problem": "overdue", "description": "Quá hạn 10 ngày"}
    url = "/api/workflow/direction-requests"
    without = workflow.client.post(url, json=body, headers=OFFICE)
    assert without.status_code == 422 and "proposal" in without.get_json()["errors"]
    # A unit reports only its own kinds of difficulty (Đ17.1).
    unit = workflow.client.post(url, json=body, headers=LEAD)
    assert unit.status_code == 422 and "problem" in unit.get_json()["errors"]
    opened = workflow.client.post(
        url, json={**body, "proposal": "Đôn đốc bằng văn bản", "leader": "pct_1"}, headers=OFFICE
    )
    assert opened.status_code == 201, opened.get_json()
    [item] = opened.get_json()["items"]
    assert (item["status"], item["data"]["origin"], item["data"]["leader"]) == (
        "awaiting_direction",
        "office",
        "pct_1",
    )
