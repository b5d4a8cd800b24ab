"""A unit is late when it did not submit by the due date, or when its result was sent back for
rework after the due date (Đ5.2b, Đ6.2a) — not while the Office takes its time to confirm."""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from shared.calendar import local_date
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, act, release

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")


def task(service: Any, task_id: str) -> dict[str, Any]:
    return service.client.get(f"/api/workflow/tasks/{task_id}", headers=OFFICE).get_json()


def overdue_ids(service: Any, overdue: bool) -> set[str]:
    answer = service.client.get(
        f"/api/workflow/tasks?overdue={str(overdue).lower()}", headers=OFFICE
    ).get_json()
    return {item["id"] for item in answer["items"]}


def submitted_on_the_due_date(service: Any) -> str:
    # NOW is Tuesday 1 December 2026; the task is due that same day.
    task_id = release(service, due_on="2026-12-01")
    assert act(service, task_id, "accept", LEAD).status_code == 200
    assert act(service, task_id, "submit_result", LEAD).status_code == 200
    return task_id


def test_a_result_submitted_by_the_due_date_is_not_overdue_while_it_waits_D5_2b(
    workflow: Any,
) -> None:
    task_id = submitted_on_the_due_date(workflow)
    workflow.clock.set(workflow.clock.now() + timedelta(days=6))  # Monday 7 December
    shown = task(workflow, task_id)
    assert shown["status"] == "submitted" and shown["overdue"] is False
    assert shown["submitted_on"] == "2026-12-01"
    assert shown["awaiting_confirmation_days"] == 4  # Wed, Thu, Fri, Mon
    assert task_id in overdue_ids(workflow, False) and task_id not in overdue_ids(workflow, True)
    board = workflow.client.get("/api/workflow/dashboard", headers=OFFICE).get_json()
    assert board["totals"]["overdue"] == 0


def test_rework_after_the_due_date_makes_the_task_overdue_again_D5_2b(workflow: Any) -> None:
    task_id = submitted_on_the_due_date(workflow)
    workflow.clock.set(workflow.clock.now() + timedelta(days=2))
    rework = act(workflow, task_id, "request_rework", OFFICE, reason="Bổ sung số liệu")
    assert rework.status_code == 200
    shown = task(workflow, task_id)
    assert shown["status"] == "rework" and shown["overdue"] is True
    assert shown["awaiting_confirmation_days"] is None
    assert task_id in overdue_ids(workflow, True)


def test_a_result_submitted_after_the_due_date_stays_overdue_D6_2a(workflow: Any) -> None:
    task_id = release(workflow, due_on="2026-12-01")
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    workflow.clock.set(workflow.clock.now() + timedelta(days=1))
    assert act(workflow, task_id, "submit_result", LEAD).status_code == 200
    shown = task(workflow, task_id)
    assert shown["status"] == "submitted" and shown["overdue"] is True
    assert shown["submitted_on"] == "2026-12-02"


def test_task_events_carry_the_unit_submission_time_D5_2b(workflow: Any) -> None:
    task_id = submitted_on_the_due_date(workflow)
    workflow.clock.set(workflow.clock.now() + timedelta(days=1))
    assert act(workflow, task_id, "confirm", OFFICE).status_code == 200
    outbox = workflow.runtime.platform.tables.outbox
    with workflow.runtime.platform.database.read() as conn:
        rows = conn.execute(select(outbox.c.event_type, outbox.c.body).order_by(outbox.c.seq))
        bodies = {row.event_type: json.loads(row.body)["data"] for row in rows}
    completed = bodies["task.completed"]
    assert local_date(datetime.fromisoformat(completed["submitted_at"])) == date(2026, 12, 1)
    assert completed["submitted_at"] == bodies["task.result_submitted"]["submitted_at"]
    assert completed["overdue"] is False
