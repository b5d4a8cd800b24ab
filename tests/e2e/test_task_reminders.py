"""Task reminders end to end over HTTP: a coordinating unit's contribution reaches the lead unit
(Đ8.2b) and task lists filter the progress duty (Đ6.2a) on both profiles; on the embedded
profile, whose clock the development API moves, a silent unit is reminded to post progress and
an overdue task is urged again (Đ6.2a, Đ16.4)."""

from __future__ import annotations

from datetime import datetime
from datetime import time as clock_time
from typing import Any

import pytest

from shared.calendar import TZ, WorkingCalendar, local_date
from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document, advance_to

pytestmark = pytest.mark.e2e


def _released_task(client: Client, office: str, **task: Any) -> str:
    document = a_document()
    document["tasks"][0].update(task)
    created = client.call("POST", "/api/intake/documents", office, json=document)
    assert created.status_code == 201, created.text
    return str(created.json()["tasks"][0]["id"])


def _act(client: Client, token: str, task_id: str, action: str, **body: Any) -> dict[str, Any]:
    answer = client.call(
        "POST", f"/api/workflow/tasks/{task_id}/actions/{action}", token, json=body or None
    )
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def _inbox(client: Client, token: str, task_id: str) -> dict[str, str]:
    items = client.call("GET", "/api/notify/inbox", token).json()["items"]
    return {i["event_type"]: i["title"] for i in items if i["task_id"] == task_id}


def _listed(client: Client, token: str, query: str) -> set[str]:
    answer = client.call("GET", f"/api/workflow/tasks?{query}&limit=500", token)
    assert answer.status_code == 200, answer.text
    return {item["id"] for item in answer.json()["items"]}


def test_d8_2b_d6_2a_a_contribution_reaches_the_lead_unit_and_lists_filter_the_progress_duty(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("unit_officer", "SO_TC")
    coordinator = system.token("unit_officer", "SO_XD")
    task_id = _released_task(system, office)
    system.wait_for(
        lambda: system.call("GET", f"/api/workflow/tasks/{task_id}", lead).status_code == 200,
        "the workflow to assign the task",
    )
    _act(system, lead, task_id, "accept")

    seen = _act(system, coordinator, task_id, "contribute", note="Số liệu vốn xây dựng quý IV")
    assert seen["progress_due"] is False
    titles = system.wait_for(
        lambda: (found := _inbox(system, lead, task_id)).get("task.contribution_added") and found,
        "the contribution in the lead unit's inbox",
    )
    assert titles["task.contribution_added"] == "Đơn vị phối hợp gửi ý kiến"
    assert "task.contribution_added" not in _inbox(system, coordinator, task_id)
    assert task_id in _listed(system, lead, "progress_due=false")
    assert task_id not in _listed(system, lead, "progress_due=true")
    bad = system.call("GET", "/api/workflow/tasks?progress_due=maybe", lead)
    assert bad.status_code == 422


def test_d6_2a_d16_4_a_silent_unit_is_reminded_then_urged_every_5_working_days_when_late(
    embedded: Client,
) -> None:
    office = embedded.token("office", "VP_UBND")
    lead = embedded.token("unit_officer", "SO_TC")
    calendar = WorkingCalendar.default()
    today = local_date(datetime.now(TZ))
    due = calendar.add_working_days(today, 25)
    task_id = _released_task(embedded, office, due_on=due.isoformat())
    embedded.wait_for(
        lambda: embedded.call("GET", f"/api/workflow/tasks/{task_id}", lead).status_code == 200,
        "the workflow to assign the task",
    )
    _act(embedded, lead, task_id, "accept")

    # Đ6.2a: fifteen working days without a progress report.
    advance_to(embedded, datetime.combine(calendar.add_working_days(today, 15), clock_time(8), TZ))
    titles = embedded.wait_for(
        lambda: (found := _inbox(embedded, lead, task_id)).get("task.progress_due") and found,
        "the progress reminder in the inbox",
    )
    assert titles["task.progress_due"] == "Đề nghị cập nhật tiến độ thực hiện nhiệm vụ"
    assert task_id in _listed(embedded, office, "progress_due=true")
    assert _act(embedded, lead, task_id, "report_progress", note="Đạt 60%")["progress_due"] is False
    assert task_id not in _listed(embedded, office, "progress_due=true")

    # Đ16.4: overdue the day after the due date, urged five working days after it, and again.
    advance_to(embedded, datetime.combine(calendar.add_working_days(due, 1), clock_time(0), TZ))
    first = calendar.add_working_days(due, 5)
    advance_to(embedded, datetime.combine(first, clock_time(8), TZ))
    titles = embedded.wait_for(
        lambda: (found := _inbox(embedded, lead, task_id)).get("task.urged") and found,
        "the urging in the inbox",
    )
    assert titles["task.urged"] == "Văn phòng đôn đốc thực hiện nhiệm vụ"
    assert titles["task.overdue"] == "Nhiệm vụ đã quá hạn"
    advance_to(embedded, datetime.combine(calendar.add_working_days(first, 5), clock_time(8), TZ))

    def history() -> list[str]:
        task = embedded.call("GET", f"/api/workflow/tasks/{task_id}", lead).json()
        return [h["action"] for h in task["history"]]

    embedded.wait_for(lambda: history().count("auto_urge") == 2, "the second urging")
    assert history() == [
        "assign",
        "accept",
        "progress_due",
        "report_progress",
        "due_soon",
        "overdue",
        "auto_urge",
        "auto_urge",
    ]
