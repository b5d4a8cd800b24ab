"""A unit's own inspection (Đ10.2b, Đ15.1), through the workflow API: its head opens it without a
plan to approve, the unit carries it out and reports within 10 working days after its end, with a
reminder, an overdue notice and urging; the Office reads them all, other units none."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.workflow.scheduler import TimerScheduler
from tests.integration import workflowkit
from tests.integration.workflowkit import NOW, OFFICE, auth, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/unit-inspections"
HEAD = auth("unit_head", "SO_TC")
OFFICER = auth("unit_officer", "SO_TC")
OTHER_HEAD = auth("unit_head", "SO_XD")
LEADER = auth("leader", None)
GROUP_LEADER = auth("office_lead", "VP_UBND")


def open_one(service: Any, who: dict[str, str] = HEAD, **body: Any) -> Any:
    payload = {
        "form": "regular",
        "title": "Tự kiểm tra việc thực hiện nhiệm vụ quý IV/2026",
        "scope": ["implementation", "reporting"],
        "period_from": "2026-10-01",
        "period_to": "2026-11-30",
        **body,
    }
    return service.client.post(BASE, json=payload, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def view(service: Any, case_id: str, who: dict[str, str] = OFFICE) -> Any:
    return service.client.get(f"{BASE}/{case_id}", headers=who)


def report(unit: str = "SO_TC", **more: Any) -> dict[str, Any]:
    return {
        "summary": "Đơn vị đã kiểm tra 12 nhiệm vụ",
        "conclusions": [
            {
                "unit": unit,
                "assessment": "Triển khai kịp thời, cập nhật đầy đủ trên Hệ thống",
                "result": "done",
                "conclusion": "Hoàn thành nhiệm vụ được giao",
            }
        ],
        **more,
    }


def test_a_unit_head_opens_an_inspection_of_the_unit_itself_with_no_plan_approval_D10_2b(
    workflow: Any,
) -> None:
    opened = open_one(workflow)
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()["items"][0]
    assert (case["status"], case["open"]) == ("in_progress", True)
    assert case["parties"] == {"unit": ["SO_TC"], "inspected": ["SO_TC"]}
    assert case["actions"] == ["finish", "cancel"]  # nobody approves a plan first
    assert outbox_types(workflow)[-1] == "unit_inspection.opened"
    # The officer of the unit carries it out too.
    assert view(workflow, case["id"], OFFICER).get_json()["actions"] == ["finish", "cancel"]


def test_only_a_unit_head_opens_one_and_of_its_own_unit_D10_2b(workflow: Any) -> None:
    assert open_one(workflow, OFFICER).status_code == 403
    assert open_one(workflow, OFFICE).status_code == 403
    assert open_one(workflow, LEADER).status_code == 403
    other = open_one(workflow, units=["SO_XD"])
    assert other.status_code == 422
    assert "chính mình" in other.get_json()["errors"]["units"][0]
    assert open_one(workflow, units=["SO_TC"]).status_code == 201
    assert open_one(workflow, form="ad_hoc").status_code == 422  # Đ12.2: states its basis
    assert open_one(workflow, scope=["everything"]).status_code == 422  # Đ11
    assert open_one(workflow, period_to="2026-09-01").status_code == 422


def test_the_office_reads_every_units_inspection_other_units_none_D15_1(workflow: Any) -> None:
    case_id = open_one(workflow).get_json()["items"][0]["id"]
    assert view(workflow, case_id, OFFICE).status_code == 200
    assert view(workflow, case_id, OFFICE).get_json()["actions"] == []
    assert view(workflow, case_id, LEADER).status_code == 200
    assert view(workflow, case_id, OTHER_HEAD).status_code == 403
    listed = workflow.client.get(BASE, headers=OFFICE).get_json()["items"]
    assert [c["id"] for c in listed] == [case_id]
    assert workflow.client.get(BASE, headers=OTHER_HEAD).get_json()["items"] == []
    assert act(workflow, case_id, "finish", OFFICE).status_code == 403
    assert act(workflow, case_id, "finish", OTHER_HEAD).status_code == 403


def test_the_report_is_due_10_working_days_after_the_end_reminded_and_urged_D15_1(
    workflow: Any,
) -> None:
    case_id = open_one(workflow).get_json()["items"][0]["id"]
    assert act(workflow, case_id, "submit_report", HEAD, **report()).status_code == 409
    future = act(workflow, case_id, "finish", HEAD, ended_on="2026-12-02")
    assert future.status_code == 422
    ended = act(workflow, case_id, "finish", OFFICER)
    assert ended.status_code == 200, ended.get_json()
    body = ended.get_json()
    # Ended Tue 2026-12-01: 10 working days end on Tue 2026-12-15.
    assert (body["status"], body["data"]["ended_on"], body["due_on"]) == (
        "reporting",
        "2026-12-01",
        "2026-12-15",
    )
    assert body["actions"] == ["submit_report"]
    assert outbox_types(workflow)[-1] == "unit_inspection.finished"
    workflow.clock.set(NOW + timedelta(days=10))  # Fri 12-11: 2 working days before
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "unit_inspection.report_due"
    workflow.clock.set(NOW + timedelta(days=15))  # Wed 12-16
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "unit_inspection.report_overdue"
    assert view(workflow, case_id).get_json()["overdue"] is True
    workflow.clock.set(NOW + timedelta(days=21))  # Tue 12-22: 5 working days late
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "unit_inspection.report_urged"
    late = view(workflow, case_id).get_json()
    assert [h["action"] for h in late["history"]] == [
        "open",
        "finish",
        "report_due",
        "report_overdue",
        "report_urged",
    ]
    sent = act(workflow, case_id, "submit_report", HEAD, **report())
    assert sent.status_code == 200, sent.get_json()
    assert (sent.get_json()["status"], sent.get_json()["data"]["report_late"]) == (
        "reported",
        True,
    )
    assert sent.get_json()["open"] is False
    assert outbox_types(workflow)[-1] == "unit_inspection.reported"


def test_the_units_report_concludes_on_the_unit_inspected_D15_3(workflow: Any) -> None:
    case_id = open_one(workflow).get_json()["items"][0]["id"]
    assert act(workflow, case_id, "finish", HEAD).status_code == 200
    wrong = act(workflow, case_id, "submit_report", HEAD, **report("SO_XD"))
    assert wrong.status_code == 422
    shortcoming = report()
    shortcoming["conclusions"][0]["result"] = "not_done"
    refused = act(workflow, case_id, "submit_report", HEAD, **shortcoming)
    assert refused.status_code == 422
    assert set(refused.get_json()["errors"]["conclusions"]["0"]) == {
        "nature",
        "level",
        "cause",
        "responsibility",
    }
    sent = act(workflow, case_id, "submit_report", HEAD, **report())
    assert (sent.get_json()["status"], sent.get_json()["data"]["report_late"]) == (
        "reported",
        False,
    )


def test_a_unit_cancels_its_inspection_with_a_reason_D10_2b(workflow: Any) -> None:
    case_id = open_one(workflow).get_json()["items"][0]["id"]
    assert act(workflow, case_id, "cancel", HEAD).status_code == 422
    done = act(workflow, case_id, "cancel", HEAD, reason="Trùng với đợt kiểm tra của Tổ công tác")
    assert done.status_code == 200
    assert (done.get_json()["status"], done.get_json()["open"]) == ("cancelled", False)
    assert outbox_types(workflow)[-1] == "unit_inspection.cancelled"
