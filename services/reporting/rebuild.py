"""Rebuilding reporting's read model from scratch by replaying its event log.

The read-model tables (`store.READ_MODEL`: task facts, units, intake timeliness) are emptied and
refilled by replaying `event_log` in `seq` order — the order in which the live consumer applied
the events, late and out-of-order ones included — through the very handlers the consumer uses
(without appending again). The reports table, the event log and the inbox are left alone.

Everything happens in ONE transaction, read from the log in batches:

- readers keep seeing the old figures until the commit, then the new ones, never a half-built
  model; a failure anywhere rolls the whole rebuild back and leaves the live model as it was;
- on PostgreSQL the transaction first takes `LOCK TABLE event_log, task_facts, units,
  document_intake IN EXCLUSIVE MODE` (in that order). EXCLUSIVE lets readers through but no
  writer; every consumer transaction appends to `event_log` before it touches a read-model
  table (handlers.logged), so a worker applying events waits at its first append until the
  rebuild commits, then applies them on top of the rebuilt model — and, waiting there while
  holding no read-model lock, it cannot deadlock with the rebuild;
- on SQLite the transaction begins IMMEDIATE (shared.db): it holds the database's write lock,
  so the worker's writers queue on busy_timeout (30 s); one that times out is redelivered.

A rebuild refuses to run when the inbox records applied events that the log lacks (events
consumed before migration 0003 created the log): replaying would silently lose them.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, delete, exists, func, select, text
from tqdm import tqdm

from services.reporting import store
from services.reporting.handlers import READ_MODEL_HANDLERS
from shared.db import is_postgres
from shared.events import parse_event
from shared.platform import ServicePlatform

BATCH_SIZE = 1000


class RebuildRefused(RuntimeError):
    """The event log cannot reproduce the read model; nothing was changed."""


@dataclass(frozen=True)
class RebuildSummary:
    events: int
    tasks: int
    units: int
    documents: int
    seconds: float

    def text(self) -> str:
        return (
            f"Đã dựng lại dữ liệu báo cáo từ {self.events} sự kiện: {self.tasks} nhiệm vụ, "
            f"{self.units} đơn vị, {self.documents} văn bản ({self.seconds:.1f} giây)."
        )


def rebuild(
    platform: ServicePlatform, *, batch_size: int = BATCH_SIZE, progress: bool = False
) -> RebuildSummary:
    """Empty the read model and replay the event log into it, in one transaction."""
    started = time.monotonic()
    with platform.unit_of_work() as uow:
        conn = uow.conn
        _lock(conn)
        missing = _unlogged(conn, platform)
        if missing:
            raise RebuildRefused(
                f"{missing} sự kiện đã áp dụng (trong inbox) không có trong nhật ký sự kiện "
                "(nhận trước khi có nhật ký): dựng lại sẽ làm mất chúng, không thực hiện."
            )
        total = conn.scalar(select(func.count()).select_from(store.event_log)) or 0
        for table in store.READ_MODEL:
            conn.execute(delete(table))
        bar = tqdm(
            total=total,
            desc="Dựng lại",
            unit=" sự kiện",
            file=sys.stderr,
            disable=not progress,
        )
        replayed = 0
        with bar:
            for batch in _batches(conn, batch_size):
                for body in batch:
                    event = parse_event(body)
                    _handler(event.type)(uow, event)
                replayed += len(batch)
                bar.update(len(batch))
        tasks, units, documents = (
            conn.scalar(select(func.count()).select_from(table)) or 0
            for table in (store.task_facts, store.units, store.document_intake)
        )
    return RebuildSummary(replayed, tasks, units, documents, time.monotonic() - started)


def _lock(conn: Connection) -> None:
    if is_postgres(conn):
        names = ", ".join(t.name for t in (store.event_log, *store.READ_MODEL))
        conn.execute(text(f"LOCK TABLE {names} IN EXCLUSIVE MODE"))


def _unlogged(conn: Connection, platform: ServicePlatform) -> int:
    inbox = platform.tables.inbox
    log = store.event_log
    query = (
        select(func.count())
        .select_from(inbox)
        .where(inbox.c.event_type.in_(sorted(READ_MODEL_HANDLERS)))
        .where(~exists().where(log.c.event_id == inbox.c.event_id))
    )
    return conn.scalar(query) or 0


def _batches(conn: Connection, size: int) -> Iterator[list[str]]:
    """The log's bodies in seq order, `size` at a time (keyset pagination)."""
    log = store.event_log
    after = 0
    while True:
        rows = conn.execute(
            select(log.c.seq, log.c.body).where(log.c.seq > after).order_by(log.c.seq).limit(size)
        ).all()
        if not rows:
            return
        after = rows[-1].seq
        yield [row.body for row in rows]


def _handler(event_type: str) -> Callable[..., Any]:
    try:
        return READ_MODEL_HANDLERS[event_type]
    except KeyError:
        raise RebuildRefused(f"không có bộ xử lý cho sự kiện {event_type}") from None
