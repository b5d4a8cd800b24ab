"""Deadline notices in time order (Đ16.4; README "Timers and deadline notices"): no "sắp đến hạn"
after the due date, whatever re-arms the timers (rework, an approved extension, an amendment), and
a clock jump over several timers, of one task, of several tasks or of a case, announces them in the
order of their due times, each event and history entry stamped with its timer's due time.

The service runs on SQLite with a FixedClock that the tests move, as in test_workflow_timers.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select

from services.workflow.scheduler import TimerScheduler
from shared.calendar import local_date
from shared.clock import AdjustableClock
from tests.integration import workflowkit
from tests.integration.timerkit import (
    CALENDAR,
    DUE,
    LEAD,
    OFFICE,
    act,
    amend,
    at,
    events,
    move_to,
    post,
    release,
    task,
)
from tests.integration.workflowkit import NOW

DEADLINE_NOTICES = ("task.due_soon", "task.overdue", "task.urged")


def announced(service: Any, task_id: str | None = None) -> list[tuple[str, datetime, str]]:
    """(type, CloudEvent `time`, data's task id) of each deadline notice in the outbox, in the
    order published; asserts that `occurred_at` equals the envelope's `time`."""
    outbox = service.runtime.platform.tables.outbox
    query = select(outbox.c.body).order_by(outbox.c.seq)
    with service.runtime.platform.database.read() as conn:
        bodies = [json.loads(row.body) for row in conn.execute(query)]
    found = []
    for body in bodies:
        if body["type"] not in DEADLINE_NOTICES or body["data"].get("actor") is not None:
            continue
        if task_id is not None and body["data"]["task_id"] != task_id:
            continue
        time = datetime.fromisoformat(body["time"])
        assert datetime.fromisoformat(body["data"]["occurred_at"]) == time
        found.append((body["type"], time, body["data"]["task_id"]))
    return found


def no_due_soon_after_its_due_date(service: Any) -> None:
    """Every "sắp đến hạn" went out on or before the due date it was about."""
    outbox = service.runtime.platform.tables.outbox
    query = select(outbox.c.body).where(outbox.c.event_type == "task.due_soon")
    with service.runtime.platform.database.read() as conn:
        for row in conn.execute(query):
            body = json.loads(row.body)
            sent = local_date(datetime.fromisoformat(body["time"]))
            assert sent <= date.fromisoformat(body["data"]["due_on"]), body["data"]


# -- No due-soon notice after the due date ---------------------------------------------------------


def test_no_due_soon_after_due_date_after_rework_D16_4(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    act(workflow, task_id, "submit_result")  # before the reminder: its timers stand down
    move_to(workflow, at(DUE + timedelta(days=1), 9))
    assert events(workflow, task_id) == ["task.assigned", "task.accepted", "task.result_submitted"]

    post(workflow, task_id, "request_rework", OFFICE, reason="Thiếu số liệu quý IV")
    move_to(workflow, at(CALENDAR.add_working_days(DUE, 5), 9))

    after_rework = events(workflow, task_id)[3:]
    assert after_rework == ["task.rework_requested", "task.overdue", "task.urged"]
    assert "task.due_soon" not in events(workflow, task_id)
    # The overdue notice goes out with the rework (the task is late again at once); the first
    # urging 5 working days after the due date.
    [(_, overdue_time, _), (_, urged_time, _)] = announced(workflow, task_id)
    assert overdue_time == at(DUE + timedelta(days=1), 9)
    assert urged_time == at(CALENDAR.add_working_days(DUE, 5), 8)


def test_rework_inside_the_reminder_window_still_reminds_at_once_D16_4(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    act(workflow, task_id, "submit_result")
    move_to(workflow, at(DUE - timedelta(days=1), 10))  # Monday 14: the due date is tomorrow

    post(workflow, task_id, "request_rework", OFFICE, reason="Thiếu số liệu quý IV")

    assert events(workflow, task_id)[-2:] == ["task.rework_requested", "task.due_soon"]
    no_due_soon_after_its_due_date(workflow)


def test_no_due_soon_after_due_date_when_an_urging_re_enters_the_task_D16_4(
    workflow: Any,
) -> None:
    # Released after its reminder time: reminded at once; then each urging re-enters the waiting
    # task and arms its timers again, the reminder's among them, whose time is long past.
    task_id = release(workflow, CALENDAR.add_working_days(NOW.date(), 1))
    for week in range(1, 5):
        move_to(workflow, NOW + timedelta(weeks=week))

    assert events(workflow, task_id).count("task.due_soon") == 1
    assert events(workflow, task_id).count("task.urged") >= 2
    no_due_soon_after_its_due_date(workflow)


def test_a_reminder_left_waiting_past_the_due_date_is_not_said_late_D16_4(workflow: Any) -> None:
    # No scheduler ran (stopped for days): the unit's action finds both deadline timers due;
    # the overdue notice goes out, "sắp đến hạn" does not (gw_due_soon checks today()).
    task_id = release(workflow, DUE)
    workflow.clock.advance(at(DUE + timedelta(days=2), 9) - workflow.clock.now())

    act(workflow, task_id, "accept")

    assert events(workflow, task_id) == ["task.assigned", "task.accepted", "task.overdue"]
    assert move_to(workflow, at(DUE + timedelta(days=3))) == 0


def test_an_approved_extension_reminds_again_before_the_new_date_only_D16_4_D5_2c(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    move_to(workflow, at(DUE + timedelta(days=1), 9))  # reminded, then overdue
    later = CALENDAR.add_working_days(DUE, 3)  # inside the new date's reminder window
    post(workflow, task_id, "request_extension", LEAD, new_due_on=later.isoformat(), reason="Chờ")
    post(workflow, task_id, "decide_extension", OFFICE, approve=True)

    # Reminded again at once, for the new date, which is still to come.
    assert events(workflow, task_id)[-1] == "task.due_soon"
    assert task(workflow, task_id)["due_on"] == later.isoformat()
    move_to(workflow, at(later + timedelta(days=10)))

    assert [kind for kind, _time, _id in announced(workflow, task_id)] == [
        "task.due_soon",
        "task.overdue",
        "task.due_soon",
        "task.overdue",
        "task.urged",
    ]
    no_due_soon_after_its_due_date(workflow)


def test_an_amendment_moving_the_due_date_into_the_past_sends_no_due_soon_D16_4_D5_2a(
    workflow: Any,
) -> None:
    far = CALENDAR.add_working_days(NOW.date(), 30)
    task_id = release(workflow, far)
    act(workflow, task_id, "accept")
    move_to(workflow, at(DUE + timedelta(days=2), 9))  # far from `far`'s reminder: nothing yet
    assert events(workflow, task_id) == ["task.assigned", "task.accepted"]

    amend(workflow, task_id, far, DUE)  # the new due date passed two days ago

    assert "task.due_soon" not in events(workflow, task_id)
    assert "task.overdue" in events(workflow, task_id)
    assert task(workflow, task_id)["overdue"] is True
    move_to(workflow, at(DUE + timedelta(days=30)))
    assert "task.due_soon" not in events(workflow, task_id)


def test_an_amendment_moving_the_due_date_into_the_reminder_window_reminds_at_once_D16_4(
    workflow: Any,
) -> None:
    far = CALENDAR.add_working_days(NOW.date(), 30)
    task_id = release(workflow, far)
    move_to(workflow, at(date(2026, 12, 14), 9))
    amend(workflow, task_id, far, DUE)  # due tomorrow: the reminder is said now, not dropped

    assert events(workflow, task_id) == ["task.assigned", "task.corrected", "task.due_soon"]
    assert [(kind, time) for kind, time, _id in announced(workflow, task_id)] == [
        ("task.due_soon", at(date(2026, 12, 14), 9))
    ]


# -- One clock jump, several timers: in the order of their due times -------------------------------


def test_one_clock_jump_announces_notices_in_due_order_D16_4(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    jump = at(CALENDAR.add_working_days(NOW.date(), 20), 9)  # Tuesday 29 December, 09:00
    first_urging = CALENDAR.add_working_days(DUE, 5)
    second_urging = CALENDAR.add_working_days(first_urging, 5)

    assert move_to(workflow, jump) == 1  # one instance, four timers

    expected = [
        ("task.due_soon", at(CALENDAR.add_working_days(DUE, -3), 8)),  # Thursday 10 December
        ("task.overdue", at(DUE + timedelta(days=1))),  # Wednesday 16 December, 00:00
        ("task.urged", at(first_urging, 8)),  # Tuesday 22 December
        ("task.urged", at(second_urging, 8)),  # Tuesday 29 December
    ]
    assert [(kind, time) for kind, time, _id in announced(workflow, task_id)] == expected
    history = task(workflow, task_id)["history"]
    assert [(h["action"], datetime.fromisoformat(h["at"])) for h in history[2:]] == [
        ("due_soon", expected[0][1]),
        ("overdue", expected[1][1]),
        ("auto_urge", expected[2][1]),
        ("auto_urge", expected[3][1]),
    ]
    # The next urging counts from the last one's day, not from the day of the jump.
    assert move_to(workflow, at(CALENDAR.add_working_days(second_urging, 5), 8)) == 1


def test_one_clock_jump_over_several_tasks_announces_across_them_in_due_order_D16_4(
    workflow: Any,
) -> None:
    later = release(workflow, DUE)  # reminded 10 December, overdue 16 December
    sooner = release(workflow, date(2026, 12, 11))  # reminded 8 December, overdue 12 December

    move_to(workflow, at(date(2026, 12, 17)))

    assert [(kind, time, task_id) for kind, time, task_id in announced(workflow)] == [
        ("task.due_soon", at(date(2026, 12, 8), 8), sooner),
        ("task.due_soon", at(date(2026, 12, 10), 8), later),
        ("task.overdue", at(date(2026, 12, 12)), sooner),
        ("task.overdue", at(date(2026, 12, 16)), later),
    ]


def test_the_overdue_flag_of_a_notice_is_as_of_its_due_time_D16_4(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    move_to(workflow, at(DUE + timedelta(days=3)))

    outbox = workflow.runtime.platform.tables.outbox
    with workflow.runtime.platform.database.read() as conn:
        bodies = [json.loads(row.body) for row in conn.execute(select(outbox.c.body))]
    flags = {b["type"]: b["data"]["overdue"] for b in bodies if b["data"]["task_id"] == task_id}
    assert flags == {"task.assigned": False, "task.due_soon": False, "task.overdue": True}


def test_a_case_jumped_over_announces_in_due_order_with_due_times_D16_4_D8_1d(
    make_workflow: Any, bus_namespace: str
) -> None:
    service = make_workflow(workflowkit.ADJUSTABLE, namespace=f"{bus_namespace}-case")
    opened = service.client.post(
        "/api/workflow/info-requests",
        json={
            "subject": "topic",
            "topic": "Giải ngân vốn đầu tư công",
            "question": "Đề nghị báo cáo tỷ lệ giải ngân đến ngày 30/11",
            "units": ["SO_TC"],
            "due_on": "2026-12-04",  # Friday; asked Tuesday 1 December
        },
        headers=OFFICE,
    )
    assert opened.status_code == 201, opened.get_json()
    case_id = opened.get_json()["items"][0]["id"]
    assert isinstance(service.clock, AdjustableClock)
    service.clock.set(NOW + timedelta(days=13))  # Monday 14 December
    TimerScheduler(service).catch_up()

    answer = service.client.get(f"/api/workflow/info-requests/{case_id}", headers=OFFICE)
    history = answer.get_json()["history"][1:]
    assert [(h["action"], datetime.fromisoformat(h["at"])) for h in history] == [
        ("due_soon", at(date(2026, 12, 2), 8)),  # 2 working days before
        ("overdue", at(date(2026, 12, 5))),
        ("urged", at(date(2026, 12, 9), 8)),  # every 3 working days after
        ("urged", at(date(2026, 12, 14), 8)),
    ]
    outbox = service.runtime.platform.tables.outbox
    with service.runtime.platform.database.read() as conn:
        rows = conn.execute(select(outbox.c.body).order_by(outbox.c.seq)).all()
    bodies = [json.loads(row.body) for row in rows]
    times = [
        (b["type"], datetime.fromisoformat(b["time"]))
        for b in bodies
        if b["type"].startswith("info_request.") and b["type"] != "info_request.opened"
    ]
    assert times == [
        ("info_request.due_soon", at(date(2026, 12, 2), 8)),
        ("info_request.overdue", at(date(2026, 12, 5))),
        ("info_request.urged", at(date(2026, 12, 9), 8)),
        ("info_request.urged", at(date(2026, 12, 14), 8)),
    ]
