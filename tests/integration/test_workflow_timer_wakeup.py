"""The timer scheduler wakes at the earliest due timer instead of polling (Đ16.4: a due-soon or
overdue notice goes out when its time comes, not up to a poll interval later).

The clock is driven by the tests: `wait_seconds()` is what the scheduler's thread sleeps after a
round, read against the harness's FixedClock; nothing here asserts on wall-clock time.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select

from services.workflow.case_store import cases
from services.workflow.scheduler import RETRY_AFTER, TimerScheduler
from services.workflow.store import task_instances
from tests.integration import workflowkit
from tests.integration.timerkit import CALENDAR, DUE, at, events, release, task
from tests.polling import wait_for

REMINDER = at(CALENDAR.add_working_days(DUE, -3), 8)  # Đ16.4: 3 working days before, at 08:00
FAR = 10**9  # a bound on the sleep so large that only the due time decides it


def _next_timers(workflow: Any) -> list[Any]:
    """The tasks' due times."""
    with workflow.runtime.platform.database.read() as conn:
        query = select(task_instances.c.next_timer_at).order_by(task_instances.c.next_timer_at)
        return [row.next_timer_at for row in conn.execute(query)]


def _cases_next(workflow: Any) -> Any:
    """The earliest due time among cases (the Đ18 periodic report's, opened by a round)."""
    with workflow.runtime.platform.database.read() as conn:
        return conn.execute(select(func.min(cases.c.next_timer_at))).scalar_one()


def test_after_a_round_the_scheduler_sleeps_exactly_until_the_earliest_due_timer_D16_4(
    workflow: Any,
) -> None:
    release(workflow, DUE)
    scheduler = TimerScheduler(workflow, poll_seconds=FAR)

    scheduler.run_round()

    assert _next_timers(workflow) == [REMINDER]
    assert scheduler.next_due == REMINDER
    assert scheduler.wait_seconds() == (REMINDER - workflow.clock.now()).total_seconds()
    workflow.clock.advance(REMINDER - timedelta(milliseconds=150) - workflow.clock.now())
    assert scheduler.wait_seconds() == 0.15
    workflow.clock.advance(timedelta(milliseconds=150))
    assert scheduler.wait_seconds() == 0.0

    scheduler.run_round()  # what the thread does when its sleep ends

    assert events(workflow) == ["task.assigned", "task.due_soon"]
    # Then it sleeps until the next timer of any instance: the task's overdue notice, the day
    # after the due date, or a case's timer if sooner.
    (overdue,) = _next_timers(workflow)
    assert overdue > REMINDER
    following = min(overdue, _cases_next(workflow) or overdue)
    assert scheduler.next_due == following
    assert scheduler.wait_seconds() == (following - workflow.clock.now()).total_seconds()


def test_the_sleep_is_bounded_so_that_other_processes_changes_are_seen(workflow: Any) -> None:
    release(workflow, DUE)
    scheduler = TimerScheduler(workflow, poll_seconds=1.0)
    assert (scheduler.next_due, scheduler.wait_seconds()) == (None, 1.0)  # before a round
    scheduler.run_round()

    assert scheduler.next_due == REMINDER
    assert scheduler.wait_seconds() == 1.0


def test_a_failing_timer_is_put_off_and_not_woken_for_again_and_again(workflow: Any) -> None:
    scheduler = TimerScheduler(workflow, poll_seconds=FAR)
    # A due instance whose state cannot be read: put off, and the thread sleeps until then
    # rather than waking for it again and again.
    release(workflow, DUE)
    now = workflow.clock.now()
    with workflow.runtime.platform.database.transaction() as conn:
        conn.execute(task_instances.update().values(state='{"not": "a state"}', next_timer_at=now))
    scheduler.run_round()

    assert _next_timers(workflow) == [now + RETRY_AFTER]
    assert scheduler.next_due == now + RETRY_AFTER
    assert events(workflow) == ["task.assigned"]


def test_a_change_here_that_sets_an_earlier_due_time_wakes_the_scheduler_at_once_D16_4(
    workflow: Any,
) -> None:
    release(workflow, DUE)
    scheduler = TimerScheduler(workflow, poll_seconds=FAR)
    scheduler.run_round()
    scheduler._wake.clear()  # as the thread does when it starts to sleep

    later = release(workflow, DUE + timedelta(days=14))
    assert (scheduler.next_due, scheduler._wake.is_set()) == (REMINDER, False)

    sooner_due = CALENDAR.add_working_days(workflow.clock.now().date(), 6)
    release(workflow, sooner_due)
    sooner = at(CALENDAR.add_working_days(sooner_due, -3), 8)

    assert sooner < REMINDER
    assert scheduler._wake.is_set()
    assert scheduler.next_due == sooner
    assert scheduler.wait_seconds() == (sooner - workflow.clock.now()).total_seconds()
    assert later  # released, and not what the scheduler wakes for


@workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")
def test_the_thread_fires_a_timer_at_its_due_time_without_a_poll_or_a_clock_listener_D16_4(
    workflow: Any,
) -> None:
    # An hour between polls and no clock listener: only waking at the due time can fire it.
    scheduler = TimerScheduler(workflow, poll_seconds=3600)
    scheduler.start()
    try:
        workflow.clock.set(REMINDER - timedelta(milliseconds=400))
        release(workflow, DUE)  # its reminder falls due 0.4 s from now
        wait_for(
            lambda: events(workflow) == ["task.assigned", "task.due_soon"],
            timeout=30,
            what="the reminder fired at its due time by the sleeping thread",
        )
    finally:
        scheduler.stop()


class HoldingScheduler(TimerScheduler):
    """Fires ahead; its wait for the due time, inside the batch's transaction, moves the test's
    clock there instead, after noting what another connection sees at that moment."""

    def __init__(self, workflow: Any, seen: list[Any], **options: Any) -> None:
        super().__init__(workflow, **options)
        self.workflow = workflow
        self.seen = seen

    def hold_until(self, when: Any) -> None:
        self.seen.append((when, events(self.workflow)))
        self.workflow.clock.advance(when - self.workflow.clock.now())


def test_a_timer_fired_ahead_is_committed_only_at_its_due_time_and_as_of_it_D16_4(
    workflow: Any,
) -> None:
    task_id = release(workflow, DUE)
    seen: list[Any] = []
    scheduler = HoldingScheduler(workflow, seen, poll_seconds=FAR, ahead_seconds=300)
    scheduler.run_round()
    # It wakes five minutes early, the time it fires ahead.
    assert scheduler.wait_seconds() == (REMINDER - workflow.clock.now()).total_seconds() - 300

    workflow.clock.advance(REMINDER - timedelta(minutes=5) - workflow.clock.now())
    scheduler.run_round()

    # While it waited for the due time, the transaction was not committed: nothing was seen.
    assert seen == [(REMINDER, ["task.assigned"])]
    assert workflow.clock.now() == REMINDER
    assert events(workflow) == ["task.assigned", "task.due_soon"]
    history = task(workflow, task_id)["history"]
    last = history[-1]
    assert (last["action"], datetime.fromisoformat(last["at"])) == ("due_soon", REMINDER)


def test_nothing_due_within_the_time_ahead_is_neither_fired_nor_waited_for(workflow: Any) -> None:
    release(workflow, DUE)
    seen: list[Any] = []
    scheduler = HoldingScheduler(workflow, seen, poll_seconds=FAR, ahead_seconds=300)
    workflow.clock.advance(REMINDER - timedelta(minutes=5, seconds=1) - workflow.clock.now())

    scheduler.run_round()

    assert seen == []
    assert events(workflow) == ["task.assigned"]
