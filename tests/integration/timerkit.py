"""What the tests of the workflow's deadline timers share (Đ16.4): a task due in ten working days,
releases and amendments at the harness's clock, moving that clock and firing what became due
(as the scheduler's thread would), and readers of the outbox and the task.

The harness is the `workflow` fixture of workflowkit (a FixedClock at NOW)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import select

from shared.calendar import TZ, WorkingCalendar
from shared.events import encode, make_event
from tests.integration.workflowkit import NOW, auth

CALENDAR = WorkingCalendar.default()
DUE = CALENDAR.add_working_days(NOW.date(), 10)  # 2026-12-15

LEAD = auth("unit_officer", "SO_TC")
OFFICE = auth("office", "VP_UBND")
COORDINATOR = auth("unit_officer", "SO_XD")
OWNER = auth("process_owner", None)
ACTOR = {"sub": "office@VP_UBND", "name": "Văn phòng", "unit": "VP_UBND"}


def release(service: Any, due_on: date | None, **overrides: Any) -> str:
    """A task.released for SO_TC at the service's now, due `due_on` (or quarterly without)."""
    now = service.clock.now()
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "document_number": "15/UBND-KTTC",
        "document_type": "cong_van",
        "assigned_by": "chu_tich",
        "issued_on": "2026-11-30",
        "content": "Báo cáo tiến độ giải ngân",
        "lead_unit": "SO_TC",
        "coordinating_units": [],
        "due_on": due_on.isoformat() if due_on else None,
        "cadence": None if due_on else "quarterly",
        "released_at": now.isoformat(),
        **overrides,
    }
    body = encode(make_event("task.released", data, source="/test", time=now))
    assert service.consumer.process(body.encode(), {}) == "applied"
    return str(data["task_id"])


def move_to(service: Any, when: datetime) -> int:
    """Move the clock to `when` and fire what is due, as the scheduler would."""
    service.clock.advance(when - service.clock.now())
    return int(service.scheduler.catch_up())


def at(day: date, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ)


def events(service: Any, task_id: str | None = None) -> list[str]:
    outbox = service.runtime.platform.tables.outbox
    query = select(outbox.c.event_type, outbox.c.body).order_by(outbox.c.seq)
    with service.runtime.platform.database.read() as conn:
        rows = conn.execute(query).all()
    return [row.event_type for row in rows if task_id is None or task_id in row.body]


def task(service: Any, task_id: str) -> dict[str, Any]:
    answer = service.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    result: dict[str, Any] = answer.get_json()
    return result


def act(service: Any, task_id: str, action: str) -> None:
    answer = service.client.post(f"/api/workflow/tasks/{task_id}/actions/{action}", headers=LEAD)
    assert answer.status_code == 200, answer.get_data(as_text=True)


def post(service: Any, task_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    answer = service.client.post(
        f"/api/workflow/tasks/{task_id}/actions/{action}", headers=who, json=body or None
    )
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def amend(service: Any, task_id: str, old: date, new: date) -> None:
    """A task.amended from intake moving the due date from `old` to `new`, at the service's now."""
    data = {
        "task_id": task_id,
        "document_id": "d" * 32,
        "changes": {"due_on": [old.isoformat(), new.isoformat()]},
        "content": "Báo cáo tiến độ giải ngân",
        "lead_unit": "SO_TC",
        "due_on": new.isoformat(),
        "cadence": None,
        "coordinating_units": [],
        "amended_at": service.clock.now().isoformat(),
        "actor": ACTOR,
    }
    body = encode(make_event("task.amended", data, source="/intake", time=service.clock.now()))
    assert service.consumer.process(body.encode(), {}) == "applied"
