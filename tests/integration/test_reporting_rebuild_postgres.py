"""`reporting rebuild` on PostgreSQL: same figures as live, and a worker waits for it to commit."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import func, select, text, update

from services.reporting import rebuild as rebuilding
from services.reporting import store
from tests.integration.reportingkit import NOW, Task, at, headers, unit
from tests.polling import wait_for

pytestmark = [
    pytest.mark.services,
    pytest.mark.parametrize("reporting", ["postgresql"], indirect=True),
]
STATS = "/api/reporting/stats?period=2026-Q4"


@pytest.fixture
def service(reporting: Any) -> Any:
    unit(reporting, "SO_TC", "Sở Tài chính")
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20").complete(at("2026-11-21"))
    Task(reporting, "SO_TC", "2026-10-05", "2026-12-31").accept("2026-10-06")
    overdue = Task(reporting, "SO_TC", "2026-10-05", "2026-11-10").complete(at("2026-11-13"))
    overdue.send("task.rework_requested", "rework", at("2026-11-12"), overdue=True)  # late
    return reporting


def lock_waits(service: Any) -> int:
    """How many sessions on the service's database wait for a lock now."""
    query = text(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    with service.runtime.platform.database.read() as conn:
        return int(conn.execute(query).scalar_one())


def stats(service: Any) -> dict[str, Any]:
    answer = service.client.get(STATS, headers=headers())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_on_postgresql_the_rebuilt_figures_equal_the_live_ones(service: Any) -> None:
    live = stats(service)
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(update(store.task_facts).values(status="withdrawn", withdrawn_at=NOW))
    assert stats(service) != live
    summary = rebuilding.rebuild(service.runtime.platform, batch_size=2)
    assert stats(service) == live and summary.tasks == 3


def test_on_postgresql_a_worker_waits_for_a_running_rebuild_then_applies_its_event(
    service: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    live = stats(service)
    started, release = threading.Event(), threading.Event()
    replay = rebuilding._batches

    def paused(conn: Any, size: int) -> Iterator[list[str]]:
        yield from replay(conn, size)
        started.set()
        assert release.wait(30)

    monkeypatch.setattr(rebuilding, "_batches", paused)
    rebuilder = threading.Thread(target=rebuilding.rebuild, args=(service.runtime.platform,))
    rebuilder.start()
    assert started.wait(30)
    arrived: list[Task] = []
    worker = threading.Thread(
        target=lambda: arrived.append(Task(service, "SO_TC", "2026-12-01", "2026-12-20"))
    )
    worker.start()
    try:
        wait_for(lambda: lock_waits(service), 30, "the worker to wait on a lock")
        assert worker.is_alive()  # held at its append to the locked event log
        assert stats(service) == live  # readers are not held, and see the old model
    finally:
        release.set()
    rebuilder.join(30)
    worker.join(30)
    assert not rebuilder.is_alive() and arrived
    after = stats(service)
    assert after["totals"]["total"] == live["totals"]["total"] + 1
    with service.runtime.platform.database.read() as conn:
        logged = conn.scalar(select(func.count()).select_from(store.event_log))
        inbox = conn.scalar(select(func.count()).select_from(service.runtime.platform.tables.inbox))
    assert logged == inbox
