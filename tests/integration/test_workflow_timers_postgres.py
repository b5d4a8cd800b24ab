"""The timer scheduler on PostgreSQL: due timers are found through the index on next_timer_at
(as cheap with 100 000 waiting instances as with 100), and two schedulers side by side never
advance one instance twice (docs/architecture.md, Where timers run)."""

from __future__ import annotations

import statistics
import threading
import time
from datetime import datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import text

from services.workflow import store
from services.workflow.scheduler import TimerScheduler
from shared.calendar import TZ, WorkingCalendar
from tests.integration import workflowkit
from tests.integration.timerkit import at, events, release

pytestmark = [
    pytest.mark.services,
    workflowkit.using(workflowkit.POSTGRESQL, "postgresql"),
]

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)
DUE = WorkingCalendar.default().add_working_days(NOW.date(), 10)

# Waiting rows inserted by SQL: only their next_timer_at matters to the query under test.
INSERT_WAITING = text(
    """
    INSERT INTO task_instances (task_id, document_id, document_number, assigned_by, content,
        search_text, lead_unit, coordinating_units, due_on, assigned_on, status,
        extension_pending, process_id, process_version, state, revision, created_at, updated_at,
        next_timer_at)
    SELECT 'w' || :prefix || g, 'd', '1/UBND', 'chu_tich', 'x', 'x', 'SO_TC', '[]',
        DATE '2027-06-30', DATE '2026-12-01', 'in_progress', false, 'task_lifecycle', 1, '{}',
        0, :now, :now, :now + (g || ' minutes')::interval
    FROM generate_series(1, :count) AS g
    """
)


def _waiting(service: Any, prefix: str, count: int) -> None:
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(
            INSERT_WAITING, {"prefix": prefix, "count": count, "now": NOW + timedelta(days=1)}
        )
        conn.execute(text("ANALYZE task_instances"))


def _find_due(service: Any, runs: int = 30) -> tuple[float, str]:
    """Median seconds to select the due batch (as the scheduler does), and the query plan."""
    database = service.runtime.platform.database
    times = []
    for _ in range(runs):
        with database.engine.connect() as conn, conn.begin() as transaction:
            began = time.perf_counter()
            due = store.TASKS.due(conn, NOW, 200)
            times.append(time.perf_counter() - began)
            transaction.rollback()
        assert len(due) == 5
    with database.engine.connect() as conn:
        query = store.TASKS.due_query(conn, NOW, 200).compile(
            conn, compile_kwargs={"literal_binds": True}
        )
        plan = "\n".join(row[0] for row in conn.execute(text(f"EXPLAIN ANALYZE {query}")))
    return statistics.median(times), plan


def test_finding_due_timers_costs_the_same_with_100000_waiting_tasks_as_with_100(
    workflow: Any,
) -> None:
    for _ in range(5):
        release(workflow, DUE)
    with workflow.runtime.platform.database.transaction() as conn:
        conn.execute(text("UPDATE task_instances SET next_timer_at = :due"), {"due": NOW})
    _waiting(workflow, "a", 100)
    small, _plan = _find_due(workflow)

    _waiting(workflow, "b", 99_900)
    large, plan = _find_due(workflow)

    print(
        f"\nfind due timers: {small * 1000:.2f} ms with 100 waiting, "
        f"{large * 1000:.2f} ms with 100 000 waiting\n{plan}"
    )
    assert "Index Scan using ix_task_instances_next_timer_at" in plan
    assert large < small * 3 + 0.002


def test_two_schedulers_side_by_side_fire_each_due_timer_once(workflow: Any) -> None:
    tasks = [release(workflow, DUE) for _ in range(40)]
    workflow.clock.advance(timedelta(days=20))  # past the reminder and the due date
    schedulers = [TimerScheduler(workflow, batch_size=7) for _ in range(2)]
    fired: list[int] = []
    barrier = threading.Barrier(2)

    def run(scheduler: TimerScheduler) -> None:
        barrier.wait(10)
        fired.append(scheduler.catch_up())

    threads = [threading.Thread(target=run, args=(s,)) for s in schedulers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)

    assert sum(fired) == len(tasks)
    announced = events(workflow)
    assert (announced.count("task.due_soon"), announced.count("task.overdue")) == (40, 40)
    with workflow.runtime.platform.database.read() as conn:
        left = conn.execute(
            text("SELECT count(*) FROM task_instances WHERE next_timer_at <= :now"),
            {"now": workflow.clock.now()},
        )
        assert left.scalar_one() == 0
        # What still waits is each task's first urging while overdue (Đ16.4), not yet due.
        waiting = conn.execute(
            text("SELECT DISTINCT next_timer_at FROM task_instances WHERE next_timer_at > :now"),
            {"now": workflow.clock.now()},
        )
        urging = WorkingCalendar.default().add_working_days(DUE, 5)
        assert [row[0] for row in waiting] == [at(urging, 8)]
