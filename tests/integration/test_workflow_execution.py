"""Execution of a task (Đ5.1b, Đ5.2b, Đ8.2b) and its extension (Đ5.2c), driven by the diagram."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import select

from services.workflow.store import task_instances
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    act,
    outbox_types,
    release,
)


def view(service: Any, task_id: str, who: dict[str, str]) -> dict[str, Any]:
    return service.client.get(f"/api/workflow/tasks/{task_id}", headers=who).get_json()


def in_progress(service: Any, **overrides: Any) -> str:
    task_id = release(service, **overrides)
    assert act(service, task_id, "accept", LEAD).status_code == 200
    return task_id


def test_the_lead_unit_reports_progress_any_number_of_times_D5_2b(workflow: Any) -> None:
    task_id = in_progress(workflow)
    for note in ("Đã họp triển khai", "Đã hoàn thành 50%"):
        answer = act(workflow, task_id, "report_progress", LEAD, note=note)
        assert answer.status_code == 200 and answer.get_json()["status"] == "in_progress"
    task = view(workflow, task_id, LEAD)
    assert [h["note"] for h in task["history"] if h["action"] == "report_progress"] == [
        "Đã họp triển khai",
        "Đã hoàn thành 50%",
    ]
    assert "submit_result" in task["actions"]
    assert outbox_types(workflow).count("task.progress_reported") == 2


def test_coordinating_units_contribute_to_the_lead_unit_D8_2b(workflow: Any) -> None:
    task_id = in_progress(workflow)
    assert view(workflow, task_id, COORDINATOR)["actions"] == ["contribute"]
    for _ in range(2):
        answer = act(workflow, task_id, "contribute", COORDINATOR, note="Số liệu xây dựng")
        assert answer.status_code == 200
    assert act(workflow, task_id, "submit_result", COORDINATOR).status_code == 403
    assert act(workflow, task_id, "contribute", LEAD).status_code == 403
    history = view(workflow, task_id, LEAD)["history"]
    assert [h["actor"]["unit"] for h in history if h["action"] == "contribute"] == [
        "SO_XD",
        "SO_XD",
    ]


def test_rework_sends_the_result_back_and_the_unit_submits_again_without_accepting_D5_2b(
    workflow: Any,
) -> None:
    task_id = in_progress(workflow)
    act(workflow, task_id, "submit_result", LEAD, note="Báo cáo lần 1")
    assert act(workflow, task_id, "request_rework", OFFICE).status_code == 422  # reason needed
    rework = act(workflow, task_id, "request_rework", OFFICE, reason="Thiếu số liệu quý IV")
    assert rework.status_code == 200 and rework.get_json()["status"] == "rework"
    task = view(workflow, task_id, LEAD)
    assert "accept" not in task["actions"] and "submit_result" in task["actions"]
    assert task["history"][-1]["note"] == "Thiếu số liệu quý IV"
    assert act(workflow, task_id, "report_progress", LEAD).get_json()["status"] == "rework"
    assert act(workflow, task_id, "submit_result", LEAD).get_json()["status"] == "submitted"
    assert act(workflow, task_id, "confirm", OFFICE).get_json()["status"] == "completed"
    assert outbox_types(workflow)[-4:] == [
        "task.rework_requested",
        "task.progress_reported",
        "task.result_submitted",
        "task.completed",
    ]


def test_a_pending_extension_offers_progress_but_not_the_result_D5_2c(workflow: Any) -> None:
    task_id = in_progress(workflow)
    bad = act(workflow, task_id, "request_extension", LEAD, reason="Chờ số liệu")
    assert bad.status_code == 422 and "new_due_on" in bad.get_json()["errors"]
    asked = act(
        workflow, task_id, "request_extension", LEAD, new_due_on="2027-01-15", reason="Chờ số liệu"
    )
    assert asked.status_code == 200
    task = asked.get_json()
    assert task["extension_pending"] is True and task["status"] == "in_progress"
    assert task["actions"] == ["report_progress", "report_difficulty"]  # Đ17.1: a case
    refused = act(workflow, task_id, "submit_result", LEAD)
    assert refused.status_code == 409 and refused.get_json()["actions"] == ["report_progress"]
    assert act(workflow, task_id, "report_progress", LEAD).get_json()["extension_pending"] is True
    office = view(workflow, task_id, OFFICE)["actions"]
    # Đ7.1 (a correction) and Đ8.1c (direction) are cases the Office may open meanwhile.
    assert office == [
        "decide_extension",
        "urge",
        "withdraw",
        "request_correction",
        "ask_direction",
    ]
    assert outbox_types(workflow)[-2:] == ["task.extension_requested", "task.progress_reported"]


def test_an_approved_extension_moves_the_due_date_and_its_timers_D5_2c(workflow: Any) -> None:
    task_id = in_progress(workflow)
    before = _next_timer(workflow, task_id)
    act(workflow, task_id, "request_extension", LEAD, new_due_on="2027-01-15", reason="Chờ")
    decided = act(workflow, task_id, "decide_extension", OFFICE, approve=True, note="Đồng ý")
    task = decided.get_json()
    assert (task["due_on"], task["extension_pending"]) == ("2027-01-15", False)
    assert task["actions"] == ["urge", "withdraw", "ask_direction"]  # what the Office may do now
    assert "submit_result" in view(workflow, task_id, LEAD)["actions"]
    assert _next_timer(workflow, task_id) > before  # the reminder follows the new date
    listed = workflow.client.get("/api/workflow/tasks", headers=OFFICE).get_json()["items"]
    assert listed[0]["due_on"] == "2027-01-15"
    assert outbox_types(workflow)[-1] == "task.extension_decided"


def test_the_office_may_approve_another_date_than_the_one_asked_for_D5_2c(
    workflow: Any,
) -> None:
    task_id = in_progress(workflow)
    act(workflow, task_id, "request_extension", LEAD, new_due_on="2027-01-15", reason="Chờ")
    decided = act(
        workflow, task_id, "decide_extension", OFFICE, approve=True, new_due_on="2027-01-05"
    )
    assert decided.get_json()["due_on"] == "2027-01-05"


def test_a_refused_extension_keeps_the_due_date_and_offers_the_result_again_D5_2c(
    workflow: Any,
) -> None:
    task_id = in_progress(workflow)
    act(workflow, task_id, "request_extension", LEAD, new_due_on="2027-01-15", reason="Chờ")
    assert act(workflow, task_id, "decide_extension", LEAD, approve=True).status_code == 403
    task = act(workflow, task_id, "decide_extension", OFFICE, approve=False).get_json()
    assert (task["due_on"], task["extension_pending"]) == ("2026-12-20", False)
    assert task["history"][-1]["note"] == "Không đồng ý gia hạn"
    assert act(workflow, task_id, "submit_result", LEAD).get_json()["status"] == "submitted"


def _next_timer(service: Any, task_id: str) -> Any:
    with service.runtime.platform.database.read() as conn:
        query = select(task_instances.c.next_timer_at, task_instances.c.due_on)
        row = conn.execute(query.where(task_instances.c.task_id == task_id)).one()
    assert isinstance(row.due_on, date)
    return row.next_timer_at
