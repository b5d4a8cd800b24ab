"""Deadline notices end to end on the embedded profile: moving the development clock fires the
task diagram's timers, and the lead unit's inbox shows the reminder and the overdue notice
(Đ16.4; docs/contracts.md, Development clock: "moves the clock, fires what became due")."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from datetime import time as clock_time

import pytest

from shared.calendar import TZ, WorkingCalendar, local_date
from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document, advance_to

pytestmark = pytest.mark.e2e


def test_the_lead_unit_is_reminded_before_the_due_date_and_told_when_overdue_D16_4(
    embedded: Client,
) -> None:
    office = embedded.token("office", "VP_UBND")
    officer = embedded.token("unit_officer", "SO_TC")
    calendar = WorkingCalendar.default()
    today = local_date(datetime.now(TZ))
    due = calendar.add_working_days(today, 8)
    document = a_document()
    document["tasks"][0]["due_on"] = due.isoformat()
    created = embedded.call("POST", "/api/intake/documents", office, json=document)
    assert created.status_code == 201, created.text
    task_id = created.json()["tasks"][0]["id"]

    def notices() -> list[str]:
        items = embedded.call("GET", "/api/notify/inbox", officer).json()["items"]
        return sorted(i["event_type"] for i in items if i["task_id"] == task_id)

    embedded.wait_for(lambda: notices() == ["task.assigned"], "the assignment in the inbox")

    reminder = datetime.combine(calendar.add_working_days(due, -3), clock_time(8), TZ)
    fired_in = advance_to(embedded, reminder)
    began = time.monotonic()
    embedded.wait_for(lambda: "task.due_soon" in notices(), "the reminder in the inbox")
    delivered_in = time.monotonic() - began

    advance_to(embedded, datetime.combine(due + timedelta(days=1), clock_time(0), TZ))
    embedded.wait_for(lambda: "task.overdue" in notices(), "the overdue notice in the inbox")
    jump = due + timedelta(days=20)
    advance_to(embedded, datetime.combine(jump, clock_time(0), TZ))

    # The diagram then urges every 5 working days while overdue: the jump urges for each
    # period it passes, in turn, each stamped 08:00 of its own day (README "Timers and
    # deadline notices").
    urging_days = [calendar.add_working_days(due, 5)]
    while (following := calendar.add_working_days(urging_days[-1], 5)) < jump:
        urging_days.append(following)
    urged = ["task.urged"] * len(urging_days)
    expected = ["task.assigned", "task.due_soon", "task.overdue", *urged]
    embedded.wait_for(lambda: notices() == expected, "the urgings in the inbox")
    # Nothing fired twice: the timers fired before the clock move returned, so a task released
    # now is announced behind all they published (the workflow publishes its outbox in order,
    # notify applies its queue in order); once its assignment is in the inbox, so would be a
    # notice fired twice.
    later = embedded.call("POST", "/api/intake/documents", office, json=a_document(due_in_days=90))
    assert later.status_code == 201, later.text
    later_id = later.json()["tasks"][0]["id"]
    embedded.wait_for(
        lambda: any(
            i["task_id"] == later_id
            for i in embedded.call("GET", "/api/notify/inbox", officer).json()["items"]
        ),
        "the later task's assignment in the inbox",
    )
    assert notices() == expected
    items = embedded.call("GET", "/api/notify/inbox", officer).json()["items"]
    titles = {i["event_type"]: i["title"] for i in items if i["task_id"] == task_id}
    assert titles["task.due_soon"] == "Nhiệm vụ sắp đến hạn"
    assert titles["task.overdue"] == "Nhiệm vụ đã quá hạn"
    task = embedded.call("GET", f"/api/workflow/tasks/{task_id}", officer).json()
    assert task["overdue"] is True
    history = task["history"]
    assert [h["action"] for h in history] == [
        "assign",
        "due_soon",
        "overdue",
        *["auto_urge"] * len(urging_days),
    ]
    assert [datetime.fromisoformat(h["at"]) for h in history[1:]] == [
        reminder,
        datetime.combine(due + timedelta(days=1), clock_time(0), TZ),
        *[datetime.combine(day, clock_time(8), TZ) for day in urging_days],
    ]
    print(
        f"\nclock move answered (timers fired, events in the outbox) in {fired_in * 1000:.0f} ms;"
        f" reminder in the inbox {delivered_in * 1000:.0f} ms after"
    )
