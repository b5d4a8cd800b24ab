"""Deadline timers of the task diagram, fired by the scheduler as the clock moves (Đ16.4).

The service runs on SQLite with a FixedClock that the tests move; `TimerScheduler.fire_due` is
called directly, as the scheduler's thread would call it.
"""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.workflow.scheduler import TimerScheduler
from services.workflow.store import task_instances
from tests.integration import workflowkit
from tests.integration.timerkit import (
    CALENDAR,
    DUE,
    OWNER,
    act,
    at,
    events,
    move_to,
    release,
    task,
)
from tests.integration.workflowkit import NOW
from tests.polling import wait_for


def test_a_task_due_in_10_working_days_is_reminded_3_working_days_before_then_overdue_D16_4(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    reminder_day = CALENDAR.add_working_days(DUE, -3)
    assert reminder_day == date(2026, 12, 10)

    assert move_to(workflow, at(reminder_day, 7, 59)) == 0
    assert events(workflow) == ["task.assigned"]
    assert move_to(workflow, at(reminder_day, 8)) == 1
    assert events(workflow) == ["task.assigned", "task.due_soon"]

    assert move_to(workflow, at(DUE, 23, 59)) == 0
    assert task(workflow, task_id)["overdue"] is False
    assert move_to(workflow, at(DUE + timedelta(days=1))) == 1
    # Then the diagram urges while overdue (Đ16.4), every 5 working days: a clock jumping over
    # four periods urges four times, each at its own time (22, 29 December, 6, 13 January), and
    # the reminder and the overdue notice are not announced again.
    assert move_to(workflow, at(DUE + timedelta(days=30))) == 1

    assert events(workflow) == [
        "task.assigned",
        "task.due_soon",
        "task.overdue",
        *["task.urged"] * 4,
    ]
    seen = task(workflow, task_id)
    assert seen["overdue"] is True and seen["status"] == "assigned"
    assert [(h["action"], h["action_label"]) for h in seen["history"]] == [
        ("assign", "Giao nhiệm vụ"),
        ("due_soon", "Nhắc sắp đến hạn"),
        ("overdue", "Báo quá hạn"),
        *[("auto_urge", "Đôn đốc tự động khi quá hạn")] * 4,
    ]
    urged_at = [datetime.fromisoformat(h["at"]) for h in seen["history"][3:]]
    assert urged_at == [
        at(day, 8)
        for day in (date(2026, 12, 22), date(2026, 12, 29), date(2027, 1, 6), date(2027, 1, 13))
    ]


def test_the_reminder_is_sent_once_although_the_unit_accepts_after_it_D16_4(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    move_to(workflow, at(date(2026, 12, 11), 9))
    act(workflow, task_id, "accept")
    move_to(workflow, at(DUE + timedelta(days=2)))
    act(workflow, task_id, "submit_result")
    move_to(workflow, at(DUE + timedelta(days=60)))

    assert events(workflow) == [
        "task.assigned",
        "task.due_soon",
        "task.accepted",
        "task.overdue",
        "task.result_submitted",
    ]


def test_a_result_submitted_before_the_reminder_stops_the_deadline_timers(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    act(workflow, task_id, "submit_result")

    assert move_to(workflow, at(DUE + timedelta(days=60))) == 0
    assert events(workflow) == ["task.assigned", "task.accepted", "task.result_submitted"]


def test_an_undated_task_waits_on_no_deadline_timer_only_on_its_update_requests_D6_2b(
    workflow: Any,
) -> None:
    release(workflow, None)  # quarterly: asked 5 working days before 20 December (Đ18.1)

    with workflow.runtime.platform.database.read() as conn:
        next_timer = conn.execute(select(task_instances.c.next_timer_at)).scalar_one()
    assert next_timer == at(CALENDAR.add_working_days(date(2026, 12, 20), -5), 8)
    # A far jump asks for each period it passes, in turn: December, March, June, September and
    # December again (Đ18.1), not once for all of them.
    assert move_to(workflow, NOW + timedelta(days=400)) == 1
    assert events(workflow) == ["task.assigned", *["task.update_requested"] * 5]


def test_a_task_released_inside_its_reminder_window_is_reminded_at_once_D16_4(
    workflow: Any,
) -> None:
    release(workflow, CALENDAR.add_working_days(NOW.date(), 2))

    assert events(workflow) == ["task.assigned", "task.due_soon"]


def test_moving_the_reminder_from_3_to_5_working_days_is_a_diagram_deploy_D16_4(
    workflow: Any,
) -> None:
    running = release(workflow, DUE)
    xml = (workflow.bpmn_dir / "task_lifecycle.bpmn").read_bytes()
    edited = xml.replace(b"due_soon_at(due_on, 3)", b"due_soon_at(due_on, 5)")
    assert edited.count(b"due_soon_at(due_on, 5)") == 1  # one reminder, drawn once
    deployed = workflow.client.post(
        "/api/workflow/process-models/task_lifecycle",
        data=edited,
        headers={**OWNER, "Content-Type": "application/xml"},
    )
    assert deployed.status_code == 201 and deployed.get_json()["version"] == 2
    fresh = release(workflow, DUE)

    move_to(workflow, at(CALENDAR.add_working_days(DUE, -5), 8))
    assert (events(workflow, running), events(workflow, fresh)) == (
        ["task.assigned"],
        ["task.assigned", "task.due_soon"],
    )
    move_to(workflow, at(CALENDAR.add_working_days(DUE, -3), 8))
    assert events(workflow, running) == ["task.assigned", "task.due_soon"]
    assert events(workflow, fresh) == ["task.assigned", "task.due_soon"]


def test_a_diagram_with_an_unquoted_timer_duration_is_refused_at_deploy(workflow: Any) -> None:
    xml = (workflow.bpmn_dir / "task_lifecycle.bpmn").read_bytes()
    broken = xml.replace(b"overdue_at(due_on)", b"P3D", 1)

    refused = workflow.client.post(
        "/api/workflow/process-models/task_lifecycle",
        data=broken,
        headers={**OWNER, "Content-Type": "application/xml"},
    )

    assert refused.status_code == 422
    # The boundary event that holds the timer is named, as the modeler shows it.
    (problem,) = refused.get_json()["errors"]["bpmn"]
    assert problem.startswith("Sự kiện hẹn giờ biên 'Quá hạn' (boundaryEvent, id: work_overdue)")
    assert 'ngoặc kép: "P3D"' in problem


class CountingScheduler(TimerScheduler):
    """The scheduler, counting the rounds its thread has run."""

    rounds = 0

    def run_round(self) -> None:
        super().run_round()
        self.rounds += 1


@workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")
def test_a_due_timer_is_fired_by_the_scheduler_thread_polling(workflow: Any) -> None:
    release(workflow, DUE)
    scheduler = CountingScheduler(workflow, poll_seconds=1.0)
    scheduler.start()  # polling only: no clock listener, as in a distributed worker
    try:
        wait_for(lambda: scheduler.rounds >= 1, what="the scheduler thread's first round")
        rounds_before = scheduler.rounds
        workflow.clock.set(at(CALENDAR.add_working_days(DUE, -3), 8))
        wait_for(
            lambda: events(workflow) == ["task.assigned", "task.due_soon"],
            timeout=30,
            what="the due timer to be fired on the scheduler thread",
        )
        # Found by a round begun after the move (the first had ended): by polling.
        wait_for(lambda: scheduler.rounds > rounds_before, what="the firing round to end")
    finally:
        scheduler.stop()


@workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")
def test_a_clock_listener_fires_what_became_due_before_the_clock_move_returns(
    workflow: Any,
) -> None:
    for _ in range(3):
        release(workflow, DUE)
    workflow.clock.on_change(workflow.scheduler.on_clock_change)
    moved = time.monotonic()
    workflow.clock.advance(timedelta(days=10))
    lateness = time.monotonic() - moved
    assert events(workflow).count("task.due_soon") == 3
    print(f"clock move to 3 events in the outbox: {lateness * 1000:.0f} ms")
