"""Feedback on another unit (Đ16.6, Đ17.2, Đ17.3), through the workflow API on SQLite."""

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
    open_feedback,
    outbox_types,
    release,
)

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

LEADER = auth("leader", None)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(
        f"/api/workflow/feedback/{case_id}/actions/{action}", json=body, headers=who
    )


def test_d17_2_a_coordinating_unit_reports_the_lead_unit_and_the_office_urges_it(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    opened = open_feedback(workflow, task_id, COORDINATOR)
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()["items"][0]
    assert case["status"] == "received"
    assert case["parties"] == {"reporter": ["SO_XD"], "responsible": ["SO_TC"]}
    assert case["actions"] == []  # the reporting unit waits for the Office
    assert outbox_types(workflow)[-1] == "feedback.received"

    office_view = workflow.client.get(f"/api/workflow/feedback/{case['id']}", headers=OFFICE)
    assert office_view.get_json()["actions"] == ["urge_unit", "escalate", "dismiss"]
    assert act(workflow, case["id"], "urge_unit", COORDINATOR, note="x").status_code == 403
    urged = act(workflow, case["id"], "urge_unit", OFFICE, note="Đề nghị Sở Tài chính gửi ngay")
    assert urged.status_code == 200, urged.get_json()
    body = urged.get_json()
    assert (body["status"], body["open"], body["actions"]) == ("urged", False, [])
    assert body["history"][-1]["note"] == "Đề nghị Sở Tài chính gửi ngay"
    assert outbox_types(workflow)[-1] == "feedback.unit_urged"
    again = act(workflow, case["id"], "escalate", OFFICE, proposal="…")
    assert again.status_code == 409 and again.get_json()["actions"] == []


def test_d16_6_the_office_asks_the_chairman_and_the_direction_closes_the_feedback(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    case = open_feedback(workflow, task_id, COORDINATOR).get_json()["items"][0]
    escalated = act(workflow, case["id"], "escalate", OFFICE, proposal="Đề xuất giao Sở Xây dựng")
    assert escalated.get_json()["status"] == "awaiting_direction"
    assert act(workflow, case["id"], "give_direction", OFFICE, direction="x").status_code == 403
    directed = act(workflow, case["id"], "give_direction", LEADER, direction="Đồng ý đề xuất")
    assert directed.get_json()["status"] == "directed"
    assert [h["action"] for h in directed.get_json()["history"]] == [
        "open",
        "escalate",
        "give_direction",
    ]
    assert outbox_types(workflow)[-2:] == ["feedback.escalated", "feedback.directed"]


def test_d16_6_the_office_is_reminded_and_told_when_its_10_working_days_pass(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    case = open_feedback(workflow, task_id, COORDINATOR).get_json()["items"][0]
    # Opened Tue 2026-12-01: 10 working days end on Tue 2026-12-15.
    assert case["due_on"] == "2026-12-15"
    workflow.clock.set(NOW + timedelta(days=13))  # Mon 12-14: 2 working days before passed
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow)[-1] == "feedback.due_soon"
    workflow.clock.set(NOW + timedelta(days=15))  # Wed 12-16, 09:00
    TimerScheduler(workflow).catch_up()
    # Notices go out in the order of their due times, whoever they are for: the feedback is
    # overdue from 00:00, the task's own reminder (due Sun 12-20) comes after, at 08:00.
    assert outbox_types(workflow)[-2:] == ["feedback.overdue", "task.due_soon"]
    late = workflow.client.get(f"/api/workflow/feedback/{case['id']}", headers=OFFICE).get_json()
    assert late["overdue"] is True
    assert [h["action"] for h in late["history"]] == ["open", "due_soon", "overdue"]


def test_feedback_is_only_about_a_unit_of_the_same_task_and_seen_by_those_named(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    assert open_feedback(workflow, task_id, STRANGER).status_code == 422
    assert open_feedback(workflow, task_id, LEAD, about_unit="SO_TC").status_code == 422
    assert open_feedback(workflow, "nope", COORDINATOR).status_code == 404
    assert open_feedback(workflow, task_id, OFFICE).status_code == 403
    case = open_feedback(workflow, task_id, COORDINATOR).get_json()["items"][0]
    assert (
        workflow.client.get(f"/api/workflow/feedback/{case['id']}", headers=STRANGER).status_code
        == 403
    )
    mine = workflow.client.get("/api/workflow/feedback", headers=LEAD).get_json()
    theirs = workflow.client.get("/api/workflow/feedback", headers=STRANGER).get_json()
    assert (mine["total"], theirs["total"]) == (1, 0)
    by_task = workflow.client.get(f"/api/workflow/feedback?task_id={task_id}", headers=OFFICE)
    assert by_task.get_json()["total"] == 1
    unknown = act(workflow, case["id"], "approve", OFFICE)
    assert unknown.status_code == 404
