"""What every service process is built from: settings, database, bus, clock and unit of work.

A service's handlers receive a `UnitOfWork`: one database transaction in which they change their
own tables, emit events into the outbox and append to the audit trail, all committed together.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, MetaData, Table

from shared.audit import AuditLog
from shared.bus import Bus
from shared.clock import Clock
from shared.config import PlatformSettings
from shared.db import Database, make_engine
from shared.events import encode, make_event
from shared.logs import current_correlation_id
from shared.outbox import OutboxRelay
from shared.pg_rows import insert_many
from shared.tables import PlatformTables, add_platform_tables
from shared.topology import Topology


@dataclass
class UnitOfWork:
    conn: Connection
    now: datetime
    source: str
    tables: PlatformTables
    audit_log: AuditLog
    emitted: list[dict[str, Any]] = field(default_factory=list)
    # Told, before the commit, that this transaction writes outbox rows (ServicePlatform's
    # `_outbox_written`): the relay is woken after a commit only then.
    wrote_outbox: Callable[[], None] | None = None
    _flushed: int = 0
    _audits: list[dict[str, Any]] = field(default_factory=list)
    _inserts: dict[Table, list[dict[str, Any]]] = field(default_factory=dict)

    def insert_later(self, table: Table, row: dict[str, Any]) -> None:
        """Insert `row` when the unit of work flushes, with the other rows of its table in one
        multi-row statement (a consumer's batch of events costs one round trip, not one each).
        Only for rows that the same handler does not read back: the applier flushes them before a
        handler of another event type runs, and `flush()` before commit."""
        self._inserts.setdefault(table, []).append(row)

    def flush_inserts(self) -> None:
        """Write the rows given to `insert_later`, table by table in the order given: one
        statement on PostgreSQL, a statement per table elsewhere (shared/pg_rows.py)."""
        inserts, self._inserts = self._inserts, {}
        insert_many(self.conn, list(inserts.items()))

    def emit(
        self, event_type: str, data: Mapping[str, Any], *, subject: str | None = None
    ) -> dict[str, Any]:
        envelope = make_event(
            event_type,
            data,
            source=self.source,
            time=self.now,
            subject=subject,
            correlation_id=current_correlation_id(),
        )
        self.emitted.append(envelope)
        return envelope

    def flush(self) -> None:
        """Write deferred rows, emitted events and audit records inside the transaction: on
        PostgreSQL the deferred rows go with the audit records and the outbox's (one statement
        after the chain's head is locked, shared/audit_postgres.py), elsewhere a statement
        each."""
        deferred: list[tuple[Table, list[dict[str, Any]]]] = []
        if self.conn.dialect.name == "postgresql":
            deferred, self._inserts = list(self._inserts.items()), {}
        else:
            self.flush_inserts()
        pending = self.emitted[self._flushed :]
        outbox = [
            {
                "event_id": envelope["id"],
                "event_type": envelope["type"],
                "body": encode(envelope),
                "created_at": self.now,
            }
            for envelope in pending
        ]
        self._flushed = len(self.emitted)
        # Appended last and all at once: the chain's lock is held only until commit. The outbox
        # rows go with the audit records (one statement on PostgreSQL, shared/audit.py).
        audits, self._audits = self._audits, []
        if outbox and self.wrote_outbox is not None:
            self.wrote_outbox()
        also = [*deferred, (self.tables.outbox, outbox)] if outbox else deferred
        self.audit_log.append_many(self.conn, audits, also)

    def audit(
        self,
        actor: Mapping[str, Any] | None,
        action: str,
        entity_type: str,
        entity_id: str,
        changes: Mapping[str, Any],
    ) -> None:
        self._audits.append(
            {
                "at": self.now,
                "actor": actor,
                "action": action,
                "entity_type": entity_type,
                "entity_id": entity_id,
                "changes": changes,
                "correlation_id": current_correlation_id(),
            }
        )


class ServicePlatform:
    """One service's runtime plumbing. Creating it opens nothing; `start()` starts the relay."""

    def __init__(
        self,
        settings: PlatformSettings,
        metadata: MetaData,
        clock: Clock,
        *,
        bus: Bus | None = None,
    ) -> None:
        self.settings = settings
        self.service = settings.service
        self.metadata = metadata
        self.tables = add_platform_tables(metadata)
        self.audit_log = (
            AuditLog(metadata.tables["audit_log"], metadata.tables["audit_head"])
            if "audit_log" in metadata.tables
            else AuditLog.define(metadata)
        )
        self.clock = clock
        self.database = Database(make_engine(settings.database_url))
        self.bus = bus or Bus(
            settings.broker_url,
            Topology(namespace=settings.bus_namespace, retry_delays=settings.retry_delays),
        )
        self.relay = OutboxRelay(
            self.database,
            self.tables.outbox,
            self.bus,
            clock,
            poll_seconds=settings.relay_poll_seconds,
            service=settings.service,
        )
        # Which threads' open transactions wrote outbox rows: the commit's hook runs in the
        # thread that committed, and wakes the relay only if its transaction wrote some (a
        # consumer's batch or a request that emitted nothing costs the relay no empty round).
        # A transaction that failed after writing leaves the mark for the thread's next
        # commit: one round too many, never one too few. Rows written otherwise (a migration,
        # a seed) are found by the relay's poll.
        self._outbox_written = threading.local()
        self.database.after_commit(self._wake_relay)

    def _mark_outbox_written(self) -> None:
        self._outbox_written.pending = True

    def _wake_relay(self) -> None:
        if getattr(self._outbox_written, "pending", False):
            self._outbox_written.pending = False
            self.relay.wake()

    @property
    def source(self) -> str:
        return f"/nhiemvu/{self.service}"

    @contextmanager
    def unit_of_work(self) -> Iterator[UnitOfWork]:
        with self.database.transaction() as conn:
            uow = UnitOfWork(
                conn=conn,
                now=self.clock.now(),
                source=self.source,
                tables=self.tables,
                audit_log=self.audit_log,
                wrote_outbox=self._mark_outbox_written,
            )
            yield uow
            uow.flush()

    def start(self) -> None:
        self.relay.start()

    def stop(self) -> None:
        self.relay.stop()
        self.database.dispose()
