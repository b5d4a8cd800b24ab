"""Repeated reminders of the task diagram, fired as the clock moves: urging while overdue
(Đ16.4, Đ8.1), update requests for undated tasks (Đ6.2b, Đ18.1), the progress duty (Đ6.2a),
reminders again for a due date moved later (Đ5.2a, Đ5.2c), and contributions (Đ8.2b).

The service runs on SQLite with a FixedClock that the tests move, as in test_workflow_timers.
"""

from __future__ import annotations

import json
from datetime import date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from services.workflow.store import task_instances
from tests.integration.timerkit import (
    CALENDAR,
    COORDINATOR,
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


def published(service: Any, event_type: str) -> list[dict[str, Any]]:
    """The data of each `event_type` event in the outbox, oldest first."""
    outbox = service.runtime.platform.tables.outbox
    query = select(outbox.c.body).where(outbox.c.event_type == event_type).order_by(outbox.c.seq)
    with service.runtime.platform.database.read() as conn:
        return [json.loads(row.body)["data"] for row in conn.execute(query)]


def next_timer(service: Any, task_id: str) -> datetime | None:
    query = select(task_instances.c.next_timer_at).where(task_instances.c.task_id == task_id)
    with service.runtime.platform.database.read() as conn:
        value: datetime | None = conn.execute(query).scalar_one()
    return value


def listed(service: Any, query: str) -> list[str]:
    answer = service.client.get(f"/api/workflow/tasks?{query}", headers=LEAD)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    body = answer.get_json()
    assert body["total"] == len(body["items"])
    return [item["id"] for item in body["items"]]


# -- Đ16.4, Đ8.1: urging while overdue ------------------------------------------------------------


def test_d16_4_an_overdue_task_is_urged_every_5_working_days_until_its_result_is_submitted(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    move_to(workflow, at(DUE + timedelta(days=1)))  # the reminder and the overdue notice

    urging_days = []
    day = DUE
    for _ in range(3):
        day = CALENDAR.add_working_days(day, 5)
        urging_days.append(day)
        assert move_to(workflow, at(day, 7, 59)) == 0
        assert move_to(workflow, at(day, 8)) == 1
    # 22 and 29 December, then 6 January: 1 January is a public holiday.
    assert urging_days == [date(2026, 12, 22), date(2026, 12, 29), date(2027, 1, 6)]

    act(workflow, task_id, "submit_result")
    assert move_to(workflow, at(DUE + timedelta(days=120))) == 0

    assert events(workflow, task_id) == [
        "task.assigned",
        "task.accepted",
        "task.due_soon",
        "task.overdue",
        "task.urged",
        "task.urged",
        "task.urged",
        "task.result_submitted",
    ]
    urged = published(workflow, "task.urged")
    assert {(u["actor"], u["action"], u["lead_unit"], u["overdue"]) for u in urged} == {
        (None, "auto_urge", "SO_TC", True)
    }
    history = task(workflow, task_id)["history"]
    assert [h["action_label"] for h in history if h["action"] == "auto_urge"] == [
        "Đôn đốc tự động khi quá hạn"
    ] * 3


def test_d16_4_a_clock_jumping_over_many_urging_periods_urges_for_each_then_keeps_the_rhythm(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)  # not even accepted: urging applies while it waits
    move_to(workflow, at(DUE + timedelta(days=1)))
    jump = DUE + timedelta(days=60)  # 2027-02-13, about eight urging periods later

    # Each period's urging goes out, in turn, stamped with its own day; the rhythm counts from
    # the last of them, not from the day of the jump.
    urging_days = [CALENDAR.add_working_days(DUE, 5)]
    while (following := CALENDAR.add_working_days(urging_days[-1], 5)) <= jump:
        urging_days.append(following)
    assert move_to(workflow, at(jump, 9)) == 1
    urged = published(workflow, "task.urged")
    assert [datetime.fromisoformat(u["occurred_at"]) for u in urged] == [
        at(day, 8) for day in urging_days
    ]
    following = CALENDAR.add_working_days(urging_days[-1], 5)
    assert next_timer(workflow, task_id) == at(following, 8)
    assert move_to(workflow, at(following, 8)) == 1
    assert events(workflow, task_id).count("task.urged") == len(urging_days) + 1
    assert task(workflow, task_id)["status"] == "assigned"


def test_d16_4_urging_stops_when_the_office_withdraws_the_task(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    move_to(workflow, at(DUE + timedelta(days=1)))
    move_to(workflow, at(CALENDAR.add_working_days(DUE, 5), 8))
    post(workflow, task_id, "withdraw", OFFICE, reason="Không còn phù hợp")

    assert next_timer(workflow, task_id) is None
    assert move_to(workflow, at(DUE + timedelta(days=90))) == 0
    assert events(workflow, task_id)[-3:] == ["task.overdue", "task.urged", "task.withdrawn"]


def test_d16_4_d8_1_the_offices_own_urging_still_publishes_task_urged_with_its_actor(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    post(workflow, task_id, "urge", OFFICE, note="Đề nghị khẩn trương")

    [urged] = published(workflow, "task.urged")
    assert urged["action"] == "urge" and urged["actor"]["unit"] == "VP_UBND"


# -- Đ6.2b: update requests for a task without a due date -----------------------------------------


@pytest.mark.parametrize(
    ("cadence", "deadlines"),
    [
        # Đ18.1: the 20th of each quarter's last month …
        ("quarterly", [date(2026, 12, 20), date(2027, 3, 20), date(2027, 6, 20)]),
        # … 20 May for the half-year and 20 November for the year.
        ("half_yearly", [date(2027, 5, 20), date(2027, 11, 20), date(2028, 5, 20)]),
        ("yearly", [date(2027, 11, 20), date(2028, 11, 20)]),
    ],
)
def test_d6_2b_an_undated_task_is_asked_for_an_update_5_working_days_before_each_report(
    workflow: Any, cadence: str, deadlines: list[date]
) -> None:
    task_id = release(workflow, None, cadence=cadence)
    act(workflow, task_id, "accept")

    for deadline in deadlines:
        asked = CALENDAR.add_working_days(deadline, -5)
        assert next_timer(workflow, task_id) == at(asked, 8)
        assert move_to(workflow, at(asked, 7, 59)) == 0
        assert move_to(workflow, at(asked, 8)) == 1
        # Nothing more until the next period, however often the unit works on the task.
        act(workflow, task_id, "report_progress")
        assert move_to(workflow, at(deadline, 23)) == 0

    assert events(workflow, task_id).count("task.update_requested") == len(deadlines)
    [first, *_] = published(workflow, "task.update_requested")
    assert (first["lead_unit"], first["due_on"], first["actor"]) == ("SO_TC", None, None)
    assert "task.due_soon" not in events(workflow) and "task.urged" not in events(workflow)
    labels = {h["action"]: h["action_label"] for h in task(workflow, task_id)["history"]}
    assert labels["update_requested"] == "Đề nghị cập nhật tình hình định kỳ"


def test_d6_2b_a_dated_task_gets_no_update_request(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    act(workflow, task_id, "report_progress")
    move_to(workflow, at(DUE))
    assert "task.update_requested" not in events(workflow, task_id)


# -- Đ5.2a, Đ5.2c: a due date moved later is reminded again ---------------------------------------


def test_d16_4_d5_2a_an_amendment_moving_the_due_date_later_resets_the_reminders(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    move_to(workflow, at(DUE + timedelta(days=1)))
    assert events(workflow, task_id) == ["task.assigned", "task.due_soon", "task.overdue"]
    later = CALENDAR.add_working_days(DUE, 15)  # 2027-01-07

    amend(workflow, task_id, DUE, later)
    assert events(workflow, task_id)[-1] == "task.corrected"  # nothing announced at once
    assert task(workflow, task_id)["overdue"] is False

    assert move_to(workflow, at(CALENDAR.add_working_days(later, -3), 8)) == 1
    assert move_to(workflow, at(later + timedelta(days=1))) == 1
    assert events(workflow, task_id)[-3:] == ["task.corrected", "task.due_soon", "task.overdue"]


def test_d16_4_an_amendment_that_keeps_the_due_date_does_not_remind_again(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    move_to(workflow, at(CALENDAR.add_working_days(DUE, -3), 9))
    amend(workflow, task_id, DUE, DUE)
    move_to(workflow, at(DUE + timedelta(days=2)))

    assert events(workflow, task_id) == [
        "task.assigned",
        "task.due_soon",
        "task.corrected",
        "task.overdue",
    ]


def test_d16_4_d5_2c_an_approved_extension_reminds_again_for_the_new_date(workflow: Any) -> None:
    task_id = release(workflow, DUE)
    act(workflow, task_id, "accept")
    move_to(workflow, at(DUE + timedelta(days=1)))
    later = date(2027, 1, 29)
    post(workflow, task_id, "request_extension", LEAD, new_due_on=later.isoformat(), reason="Chờ")
    post(workflow, task_id, "decide_extension", OFFICE, approve=True)

    assert move_to(workflow, at(CALENDAR.add_working_days(later, -3), 8)) == 1
    assert move_to(workflow, at(later + timedelta(days=1))) == 1
    assert [e for e in events(workflow, task_id) if e in ("task.due_soon", "task.overdue")] == [
        "task.due_soon",
        "task.overdue",
        "task.due_soon",
        "task.overdue",
    ]


# -- Đ8.2b: contributions -------------------------------------------------------------------------


def test_d8_2b_a_contribution_is_published_to_the_lead_unit(workflow: Any) -> None:
    task_id = release(workflow, DUE, coordinating_units=["SO_XD"])
    act(workflow, task_id, "accept")
    post(workflow, task_id, "contribute", COORDINATOR, note="Số liệu vốn xây dựng quý IV")

    [added] = published(workflow, "task.contribution_added")
    assert (added["action"], added["note"], added["lead_unit"]) == (
        "contribute",
        "Số liệu vốn xây dựng quý IV",
        "SO_TC",
    )
    assert added["actor"]["unit"] == "SO_XD"


# -- Đ6.2a: the progress duty ---------------------------------------------------------------------


def test_d6_2a_a_unit_silent_for_15_working_days_is_reminded_and_lists_filter_it(
    workflow: Any,
) -> None:
    due = CALENDAR.add_working_days(NOW.date(), 60)
    task_id = release(workflow, due)
    other = release(workflow, due)
    act(workflow, task_id, "accept")
    assert task(workflow, task_id)["progress_due"] is False
    reminder = CALENDAR.add_working_days(NOW.date(), 15)

    assert move_to(workflow, at(reminder, 7, 59)) == 0
    assert move_to(workflow, at(reminder, 8)) == 1  # `other` was never accepted: no duty yet
    assert events(workflow, task_id)[-1] == "task.progress_due"
    assert task(workflow, task_id)["progress_due"] is True
    assert listed(workflow, "progress_due=true") == [task_id]
    assert set(listed(workflow, "progress_due=false")) == {other}
    assert task(workflow, task_id)["history"][-1]["action_label"] == "Nhắc cập nhật tiến độ"

    # Still silent: reminded again 15 working days later; a report clears the flag and
    # starts the count again.
    again = CALENDAR.add_working_days(reminder, 15)
    assert move_to(workflow, at(again, 8)) == 1
    move_to(workflow, at(again, 10))
    assert post(workflow, task_id, "report_progress", LEAD)["progress_due"] is False
    assert listed(workflow, "progress_due=true") == []
    assert next_timer(workflow, task_id) == at(CALENDAR.add_working_days(again, 15), 8)
    assert events(workflow, task_id).count("task.progress_due") == 2


def test_d6_2a_submitting_the_result_clears_the_progress_flag_and_the_duty(workflow: Any) -> None:
    due = CALENDAR.add_working_days(NOW.date(), 60)
    task_id = release(workflow, due)
    act(workflow, task_id, "accept")
    move_to(workflow, at(CALENDAR.add_working_days(NOW.date(), 15), 9))
    assert task(workflow, task_id)["progress_due"] is True

    assert post(workflow, task_id, "submit_result", LEAD)["progress_due"] is False
    assert move_to(workflow, at(due)) == 0
    assert events(workflow, task_id).count("task.progress_due") == 1


def test_d6_2a_the_progress_duty_ends_before_the_due_date_and_skips_undated_tasks(
    workflow: Any,
) -> None:
    dated = release(workflow, DUE)  # ten working days: due before any 15-day silence
    undated = release(workflow, None)
    act(workflow, dated, "accept")
    act(workflow, undated, "accept")
    move_to(workflow, at(DUE + timedelta(days=40)))

    assert "task.progress_due" not in events(workflow)
