"""Reporting's consumer applies a batch of events at once (one statement per table for a run of
task events, shared.applier.batched): the read model it builds equals the one built event by
event, late arrivals and several events of one task in one batch included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event
from sqlalchemy import select

from services.reporting import store
from shared.applier import Delivery
from tests.integration.reportingkit import Task, at, reporting_service

TABLES = (
    store.task_facts,
    store.units,
    store.document_intake,
    store.submissions,
)


def rows(service: Any) -> dict[str, list[dict[str, Any]]]:
    """Every read-model row of TABLES, without generated keys, in a stable order."""
    out: dict[str, list[dict[str, Any]]] = {}
    with service.runtime.platform.database.read() as conn:
        for table in TABLES:
            found = [dict(r) for r in conn.execute(select(table)).mappings()]
            for row in found:
                row.pop("id", None)
                row.pop("seq", None)
            out[table.name] = sorted(found, key=repr)
    return out


def logged(service: Any) -> list[tuple[str, str]]:
    log = store.event_log
    with service.runtime.platform.database.read() as conn:
        return [
            tuple(r) for r in conn.execute(select(log.c.event_id, log.c.body).order_by(log.c.seq))
        ]


def statements(service: Any) -> list[int]:
    count = [0]
    sa_event.listen(
        service.runtime.platform.database.engine,
        "before_cursor_execute",
        lambda *_args: count.__setitem__(0, count[0] + 1),
    )
    return count


@pytest.mark.parametrize(
    ("size", "database"), [(7, "sqlite"), (1000, "sqlite"), (64, "postgresql")]
)
def test_a_batch_builds_the_read_model_that_one_event_at_a_time_builds(
    thirty: Any,
    tmp_path: Path,
    bus_namespace: str,
    request: pytest.FixtureRequest,
    size: int,
    database: str,
) -> None:
    one_by_one, _ = thirty
    # Several events of one task close together, and older ones arriving after newer ones.
    late = Task(one_by_one, "SO_TC", "2026-10-05", "2026-11-10", document="1" * 32)
    late.send("task.result_submitted", "submitted", at("2026-11-09"))
    late.complete(at("2026-11-20"))
    late.send("task.rework_requested", "rework", at("2026-11-12"), overdue=True)
    late.send("task.result_submitted", "submitted", at("2026-11-10"))
    late.accept("2026-10-06")
    log = logged(one_by_one)
    assert len(log) > 100
    url = request.getfixturevalue("pg_database_url") if database == "postgresql" else None
    with reporting_service(tmp_path / "batched", bus_namespace, url) as batched:
        issued = statements(batched)
        applier = batched.consumer.applier
        for start in range(0, len(log), size):
            chunk = [Delivery(body.encode(), {}) for _, body in log[start : start + size]]
            assert set(applier.apply_batch(chunk)) == {"applied"}
        assert rows(batched) == rows(one_by_one)
        assert logged(batched) == log  # the same log, in the same order: a rebuild agrees
        if size > len(log):
            # Inbox (2), log (1), the facts read and written (2), units and documents one by
            # one, submissions per submission or decision: far fewer than 3 per event.
            assert issued[0] < len(log)


def test_upserting_facts_as_json_on_postgresql_refuses_a_naive_time_and_keeps_what_it_reads(
    tmp_path: Path, bus_namespace: str, pg_database_url: str
) -> None:
    """writes.upsert_many on PostgreSQL (one JSON text read by the table's row type): aware
    times are stored as UTC instants, a naive one is refused as UtcDateTime refuses it, an
    integer beyond 64 bits takes SQLAlchemy's statement (and is refused by the column), and a
    second upsert of a key replaces every column."""
    from datetime import UTC, date, datetime, timedelta, timezone

    from sqlalchemy.exc import DBAPIError, StatementError

    from services.reporting import writes

    with reporting_service(tmp_path, bus_namespace, pg_database_url) as service:
        database = service.runtime.platform.database
        hanoi = timezone(timedelta(hours=7))
        row = {c.name: None for c in store.task_facts.c}
        row |= {
            "task_id": "a" * 32,
            "document_id": "1" * 32,
            "lead_unit": "SO_TC",
            "status": "in_progress",
            "assigned_on": date(2026, 12, 1),
            "updated_at": datetime(2026, 12, 1, 8, 30, 0, 123456, tzinfo=hanoi),
            "late_rework": False,
            "rework_count": 2,
            "content": 'Báo cáo "quý" \\ IV',
        }
        with database.transaction() as conn:
            writes.upsert_many(conn, store.task_facts, "task_id", [row])
        changed = row | {"status": "completed", "late_rework": True, "content": None}
        with database.transaction() as conn:
            writes.upsert_many(conn, store.task_facts, "task_id", [changed])
        with database.read() as conn:
            stored = [dict(r) for r in conn.execute(select(store.task_facts)).mappings()]
        assert stored == [changed | {"updated_at": row["updated_at"].astimezone(UTC)}]
        assert stored[0]["updated_at"].tzinfo is not None
        naive = row | {"task_id": "b" * 32, "updated_at": datetime(2026, 12, 1, 8, 30)}
        with pytest.raises(ValueError, match="naive"), database.transaction() as conn:
            writes.upsert_many(conn, store.task_facts, "task_id", [naive])
        huge = row | {"task_id": "c" * 32, "rework_count": 2**70}
        with pytest.raises((StatementError, DBAPIError)), database.transaction() as conn:
            writes.upsert_many(conn, store.task_facts, "task_id", [huge])
        with database.read() as conn:
            assert len(conn.execute(select(store.task_facts)).all()) == 1
