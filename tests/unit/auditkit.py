"""What the audit trail's tests share (SQLite and PostgreSQL): appending numbered records, one
transaction each, from one thread or from several released together."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine

from shared.audit import AuditLog

T0 = datetime(2026, 3, 2, 8, 30, tzinfo=UTC)
ACTOR = {"sub": "u-17", "role": "chuyen_vien", "unit": "VP-UBND"}


def append_n(engine: Engine, audit: AuditLog, n: int, label: str = "t") -> None:
    for i in range(n):
        with engine.begin() as conn:
            audit.append(
                conn,
                at=T0 + timedelta(minutes=i),
                actor=ACTOR,
                action="task.updated",
                entity_type="task",
                entity_id=f"{label}-{i}",
                changes={"trạng_thái": ["đang xử lý", "hoàn thành"], "lần": i},
                correlation_id=f"req-{label}-{i}",
            )


def run_concurrently(engine: Engine, audit: AuditLog, *, threads: int, each: int) -> None:
    start = threading.Barrier(threads)
    errors: list[BaseException] = []

    def worker(label: str) -> None:
        try:
            start.wait()
            append_n(engine, audit, each, label=label)
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
