"""Inspection (Đ10–Đ15) and the documents it asks for (Đ14.3), through the workflow API."""

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
)

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

GROUP_LEADER = auth("office_lead", "VP_UBND")
INSPECTOR = auth("inspector", "VP_UBND")
NAMED = {"sub": "inspector@VP_UBND", "name": "Thành viên Tổ công tác"}  # INSPECTOR's account
BASE = "/api/workflow/inspections"
REQUESTS = "/api/workflow/inspection-requests"


def plan(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> Any:
    payload = {
        "form": "regular",
        "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV/2026",
        "units": ["SO_TC", "SO_XD"],
        "scope": ["implementation", "system_updates"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        **body,
    }
    return service.client.post(BASE, json=payload, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def view(service: Any, case_id: str, who: dict[str, str] = OFFICE) -> Any:
    return service.client.get(f"{BASE}/{case_id}", headers=who)


def approved(service: Any) -> str:
    case_id: str = plan(service).get_json()["items"][0]["id"]
    assert act(service, case_id, "approve", GROUP_LEADER).status_code == 200
    return case_id


def finished(service: Any) -> str:
    case_id = approved(service)
    assert act(service, case_id, "finish", OFFICE).status_code == 200
    return case_id


def conclusion(unit: str, result: str = "done", **more: str) -> dict[str, str]:
    return {
        "unit": unit,
        "assessment": "Triển khai kịp thời, cập nhật đầy đủ trên Hệ thống",
        "result": result,
        "conclusion": "Hoàn thành nhiệm vụ được giao",
        **more,
    }


SHORTCOMING = {
    "nature": "Chậm triển khai",
    "level": "Nghiêm trọng",
    "cause": "Chưa phân công cán bộ theo dõi",
    "responsibility": "Thủ trưởng đơn vị",
}


def test_d13_2_the_office_drafts_a_plan_and_only_the_working_group_leader_approves_it(
    workflow: Any,
) -> None:
    opened = plan(workflow)
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()["items"][0]
    assert (case["status"], case["open"]) == ("pending_approval", True)
    assert case["parties"] == {"inspected": ["SO_TC", "SO_XD"], "invited": []}
    assert case["actions"] == ["cancel"]  # the Office waits for the leader
    assert outbox_types(workflow)[-1] == "inspection.plan_submitted"
    assert plan(workflow, LEAD).status_code == 403
    assert plan(workflow, INSPECTOR).status_code == 201

    leader_view = view(workflow, case["id"], GROUP_LEADER).get_json()
    assert leader_view["actions"] == ["approve", "return_plan", "cancel"]
    assert act(workflow, case["id"], "approve", OFFICE).status_code == 403
    assert act(workflow, case["id"], "finish", OFFICE).status_code == 409
    done = act(workflow, case["id"], "approve", GROUP_LEADER, note="Đồng ý")
    assert done.status_code == 200, done.get_json()
    body = done.get_json()
    assert (body["status"], body["data"]["approved_on"]) == ("in_progress", "2026-12-01")
    assert outbox_types(workflow)[-1] == "inspection.plan_approved"
    again = act(workflow, case["id"], "approve", GROUP_LEADER)
    assert again.status_code == 409
    assert again.get_json()["actions"] == ["finish", "assign_inspectors", "invite_unit"]
    assert act(workflow, case["id"], "nope", GROUP_LEADER).status_code == 404


def test_d12_a_plan_is_regular_or_ad_hoc_and_an_ad_hoc_one_states_its_basis(
    workflow: Any,
) -> None:
    assert plan(workflow, form="ad_hoc").status_code == 422
    assert plan(workflow, form="monthly").status_code == 422
    assert plan(workflow, scope=["everything"]).status_code == 422  # Đ11
    assert plan(workflow, period_to="2026-10-01").status_code == 422
    assert plan(workflow, units=[]).status_code == 422
    ad_hoc = plan(workflow, form="ad_hoc", basis="Theo chỉ đạo của Chủ tịch UBND tỉnh")
    assert ad_hoc.status_code == 201
    assert ad_hoc.get_json()["items"][0]["data"]["form"] == "ad_hoc"


def test_d13_2_a_plan_sent_back_is_revised_and_submitted_again_with_other_units(
    workflow: Any,
) -> None:
    case_id = plan(workflow).get_json()["items"][0]["id"]
    assert act(workflow, case_id, "return_plan", GROUP_LEADER).status_code == 422  # no reason
    returned = act(workflow, case_id, "return_plan", GROUP_LEADER, reason="Bổ sung Sở Y tế")
    assert returned.get_json()["status"] == "revising"
    assert outbox_types(workflow)[-1] == "inspection.plan_returned"
    assert act(workflow, case_id, "approve", GROUP_LEADER).status_code == 409
    bad = act(workflow, case_id, "revise", OFFICE, note="x", period_to="2026-10-01")
    assert bad.status_code == 422  # before the plan's period_from
    revised = act(
        workflow, case_id, "revise", OFFICE, units=["SO_TC", "SO_YT"], note="Đã bổ sung Sở Y tế"
    )
    body = revised.get_json()
    assert (body["status"], body["parties"]["inspected"]) == (
        "pending_approval",
        ["SO_TC", "SO_YT"],
    )
    assert view(workflow, case_id, STRANGER).status_code == 200  # SO_YT is inspected now
    assert view(workflow, case_id, COORDINATOR).status_code == 403  # SO_XD no longer
    assert outbox_types(workflow)[-1] == "inspection.plan_submitted"
    cancelled = act(workflow, case_id, "cancel", OFFICE, reason="Trùng kế hoạch khác")
    assert (cancelled.get_json()["status"], cancelled.get_json()["open"]) == ("cancelled", False)


def test_d14_2_the_leader_invites_a_unit_which_then_takes_part_in_the_inspection(
    workflow: Any,
) -> None:
    case_id = approved(workflow)
    assert view(workflow, case_id, STRANGER).status_code == 403
    assert (
        act(workflow, case_id, "invite_unit", OFFICE, unit="SO_YT", reason="x").status_code == 403
    )
    taken = act(workflow, case_id, "invite_unit", GROUP_LEADER, unit="SO_TC", reason="x")
    assert taken.status_code == 422  # already inspected
    invited = act(
        workflow,
        case_id,
        "invite_unit",
        GROUP_LEADER,
        unit="SO_YT",
        reason="Liên quan lĩnh vực y tế",
    )
    assert invited.status_code == 200, invited.get_json()
    body = invited.get_json()
    assert body["status"] == "in_progress"
    assert body["parties"] == {"inspected": ["SO_TC", "SO_XD"], "invited": ["SO_YT"]}
    assert outbox_types(workflow)[-1] == "inspection.unit_invited"
    assert view(workflow, case_id, STRANGER).status_code == 200
    listed = workflow.client.get(BASE, headers=STRANGER).get_json()
    assert listed["total"] == 1
    assert workflow.client.get(f"{BASE}?unit=SO_YT", headers=OFFICE).get_json()["total"] == 1
    twice = act(workflow, case_id, "invite_unit", GROUP_LEADER, unit="SO_YT", reason="x")
    assert twice.status_code == 422


def test_d14_3_units_provide_the_documents_the_working_group_asks_for_by_a_date(
    workflow: Any,
) -> None:
    case_id = plan(workflow, inspectors=[NAMED]).get_json()["items"][0]["id"]
    ask = {"inspection_id": case_id, "units": ["SO_TC", "SO_XD"], "request": "Báo cáo tình hình"}
    early = workflow.client.post(REQUESTS, json={**ask, "due_on": "2026-12-04"}, headers=OFFICE)
    assert early.status_code == 409  # the plan is not approved yet
    assert act(workflow, case_id, "approve", GROUP_LEADER).status_code == 200
    stranger = {**ask, "units": ["SO_YT"], "due_on": "2026-12-04"}
    assert workflow.client.post(REQUESTS, json=stranger, headers=OFFICE).status_code == 422
    past = {**ask, "due_on": "2026-11-30"}
    assert workflow.client.post(REQUESTS, json=past, headers=OFFICE).status_code == 422
    assert (
        workflow.client.post(
            REQUESTS, json={**ask, "due_on": "2026-12-04"}, headers=LEAD
        ).status_code
        == 403
    )
    opened = workflow.client.post(REQUESTS, json={**ask, "due_on": "2026-12-04"}, headers=INSPECTOR)
    assert opened.status_code == 201, opened.get_json()
    items = {item["parties"]["asked"][0]: item for item in opened.get_json()["items"]}
    assert set(items) == {"SO_TC", "SO_XD"}
    assert {item["group_id"] for item in items.values()} == {case_id}
    assert items["SO_TC"]["due_on"] == "2026-12-04" and items["SO_TC"]["status"] == "requested"
    assert outbox_types(workflow)[-1] == "inspection.documents_requested"

    mine = f"{REQUESTS}/{items['SO_TC']['id']}/actions/provide_documents"
    answer = {
        "content": "Gửi báo cáo số 12/BC-STC",
        "attachments": [{"name": "BC.pdf", "ref": "f1"}],
    }
    assert workflow.client.post(mine, json=answer, headers=COORDINATOR).status_code == 403
    assert workflow.client.post(mine, json=answer, headers=OFFICE).status_code == 403
    provided = workflow.client.post(mine, json=answer, headers=LEAD)
    assert provided.status_code == 200, provided.get_json()
    assert provided.get_json()["status"] == "provided"
    assert provided.get_json()["data"]["provided_late"] is False
    assert outbox_types(workflow)[-1] == "inspection.documents_provided"
    assert workflow.client.post(mine, json=answer, headers=LEAD).status_code == 409
    grouped = workflow.client.get(f"{REQUESTS}?group_id={case_id}", headers=OFFICE).get_json()
    assert grouped["total"] == 2

    workflow.clock.set(NOW + timedelta(days=2))  # Thu 12-03: one working day before
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "inspection.documents_due_soon"
    workflow.clock.set(NOW + timedelta(days=4))
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "inspection.documents_overdue"
    late = workflow.client.get(f"{REQUESTS}/{items['SO_XD']['id']}", headers=COORDINATOR)
    assert late.get_json()["overdue"] is True


def test_d15_1_d15_2_the_report_is_due_10_working_days_after_the_end_and_late_is_urged(
    workflow: Any,
) -> None:
    case_id = approved(workflow)
    future = act(workflow, case_id, "finish", OFFICE, ended_on="2026-12-02")
    assert future.status_code == 422
    ended = act(workflow, case_id, "finish", OFFICE)
    body = ended.get_json()
    # Ended Tue 2026-12-01: 10 working days end on Tue 2026-12-15.
    assert (body["status"], body["data"]["ended_on"], body["due_on"]) == (
        "reporting",
        "2026-12-01",
        "2026-12-15",
    )
    assert outbox_types(workflow)[-1] == "inspection.finished"
    workflow.clock.set(NOW + timedelta(days=10))  # Fri 12-11: 2 working days before
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "inspection.report_due"
    workflow.clock.set(NOW + timedelta(days=15))  # Wed 12-16
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "inspection.report_overdue"
    assert view(workflow, case_id).get_json()["overdue"] is True
    workflow.clock.set(NOW + timedelta(days=21))  # Tue 12-22: 5 working days late
    TimerScheduler(workflow).catch_up()
    workflow.clock.set(NOW + timedelta(days=28))  # Tue 12-29: 5 working days later
    TimerScheduler(workflow).catch_up()
    late = view(workflow, case_id).get_json()
    assert [h["action"] for h in late["history"]] == [
        "open",
        "approve",
        "finish",
        "report_due",
        "report_overdue",
        "report_urged",
        "report_urged",
    ]
    report = {
        "summary": "Kết quả kiểm tra",
        "conclusions": [conclusion("SO_TC"), conclusion("SO_XD")],
    }
    sent = act(workflow, case_id, "submit_report", GROUP_LEADER, **report).get_json()
    assert (sent["status"], sent["data"]["report_late"]) == ("reported", True)


def test_d15_3_the_report_concludes_on_each_inspected_unit_and_is_sent_to_them(
    workflow: Any,
) -> None:
    case_id = finished(workflow)
    one = {"summary": "Kết quả kiểm tra", "conclusions": [conclusion("SO_TC")]}
    assert act(workflow, case_id, "submit_report", GROUP_LEADER, **one).status_code == 422
    stranger = {**one, "conclusions": [conclusion("SO_TC"), conclusion("SO_YT")]}
    assert act(workflow, case_id, "submit_report", GROUP_LEADER, **stranger).status_code == 422
    vague = {**one, "conclusions": [conclusion("SO_TC"), conclusion("SO_XD", "not_done")]}
    refused = act(workflow, case_id, "submit_report", GROUP_LEADER, **vague)
    assert refused.status_code == 422
    full = {
        "summary": "Kết quả kiểm tra",
        "conclusions": [conclusion("SO_TC"), conclusion("SO_XD", "not_done", **SHORTCOMING)],
        "recommendations": "Đề nghị Chủ tịch UBND tỉnh phê bình Sở Xây dựng",
    }
    assert act(workflow, case_id, "submit_report", OFFICE, **full).status_code == 403
    sent = act(workflow, case_id, "submit_report", GROUP_LEADER, **full)
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert (body["status"], body["data"]["report_late"]) == ("reported", False)
    assert body["data"]["conclusions"][1]["cause"] == "Chưa phân công cán bộ theo dõi"
    assert outbox_types(workflow)[-1] == "inspection.reported"
    assert view(workflow, case_id, COORDINATOR).get_json()["data"]["conclusions"]


def test_d10_1d_the_leader_presents_the_results_at_the_monthly_meeting(workflow: Any) -> None:
    case_id = finished(workflow)
    report = {"summary": "Kết quả", "conclusions": [conclusion("SO_TC"), conclusion("SO_XD")]}
    act(workflow, case_id, "submit_report", GROUP_LEADER, **report)
    assert view(workflow, case_id).get_json()["actions"] == []
    assert (
        act(workflow, case_id, "present_report", OFFICE, meeting_on="2026-12-28").status_code == 403
    )
    presented = act(workflow, case_id, "present_report", GROUP_LEADER, meeting_on="2026-12-28")
    body = presented.get_json()
    assert (body["status"], body["open"]) == ("presented", False)
    assert outbox_types(workflow)[-1] == "inspection.presented"
    assert workflow.client.get(f"{BASE}?open=false", headers=OFFICE).get_json()["total"] == 1
