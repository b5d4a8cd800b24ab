"""The transactional outbox's relay: publishes committed events, then marks them published.

A crash between publishing and marking publishes the event again on restart (at-least-once);
consumers' inboxes make that harmless. Several relays may run against one PostgreSQL database:
`FOR UPDATE SKIP LOCKED` gives each a different batch.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from kombu.connection import Connection
from kombu.entity import Exchange
from kombu.messaging import Producer
from sqlalchemy import Table, bindparam, select, update

from shared.bus import Bus, confirmed_together, publish_event
from shared.clock import Clock
from shared.db import Database, is_postgres
from shared.loops import BackgroundLoop
from shared.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)


class OutboxRelay(BackgroundLoop):
    thread_name = "outbox-relay"

    def __init__(
        self,
        database: Database,
        outbox: Table,
        bus: Bus,
        clock: Clock,
        *,
        poll_seconds: float = 0.5,
        batch_size: int = 200,
        service: str = "",
        exchange: Exchange | None = None,
    ) -> None:
        super().__init__(poll_seconds)
        self.service = service
        self.database = database
        self.outbox = outbox
        self.bus = bus
        self.clock = clock
        self.batch_size = batch_size
        # The domain exchange unless told otherwise (notify relays its public feed table too).
        self.exchange = exchange
        self._connection: Connection | None = None
        self._producer: Producer | None = None
        self._lock = threading.Lock()
        self._warmed = False
        self._published = EVENTS_PUBLISHED.labels(service)
        # One statement takes a batch and marks it (built once: SQLAlchemy reuses its compiled
        # form). The mark is committed only after the broker confirmed the batch, so a failed
        # publish rolls it back; `published_at` is when the batch was taken.
        self._statements = {
            postgres: update(outbox)
            .where(outbox.c.seq.in_(self._due(locked=postgres)))
            .values(published_at=bindparam("now"))
            .returning(outbox.c.seq, outbox.c.event_id, outbox.c.event_type, outbox.c.body)
            for postgres in (False, True)
        }
        # On PostgreSQL the same statement, compiled once, runs on the pooled connection's
        # driver (psycopg) directly: SQLAlchemy's execution, result and transaction layers
        # cost more than the round trips of a round of one event (docs/architecture.md,
        # Benchmarks).
        self._driver_sql: tuple[str, dict[str, Any]] | None = None
        if is_postgres(database.engine):
            compiled = self._statements[True].compile(dialect=database.engine.dialect)
            self._driver_sql = (compiled.string, dict(compiled.params))

    def _due(self, *, locked: bool) -> Any:
        """The seqs of the oldest unpublished rows; on PostgreSQL those no other relay holds
        (`FOR UPDATE SKIP LOCKED`), locked until the commit."""
        due = (
            select(self.outbox.c.seq)
            .where(self.outbox.c.published_at.is_(None))
            .order_by(self.outbox.c.seq)
            .limit(self.batch_size)
        )
        return due.with_for_update(skip_locked=True) if locked else due

    def run_round(self) -> None:
        if not self._warmed:
            self._warm_up()
        # The wake-ups of the commits until now are this round's: their rows are committed, so
        # the round takes them; a commit from here on wakes another round (never one too few).
        # Left set, they would run one more round after this one, finding nothing.
        self._wake.clear()
        while self.publish_pending() == self.batch_size and not self.stopping:
            pass

    def _warm_up(self) -> None:
        """Connect and declare at the first round rather than at the first event, so that the
        first event (a timer's, say) is not late by a connection's set-up; a broker that is not
        there yet is left to that first publish."""
        self._warmed = True
        try:
            with self._lock:
                self._ensure_producer()
        except Exception:
            log.info("the relay will connect to the broker at its first event", exc_info=True)
            self._drop_connection()

    def after_failure(self) -> None:
        self._drop_connection()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self._drop_connection()

    def publish_pending(self) -> int:
        """Publish one batch of unpublished events; returns how many were published."""
        with self._lock:
            return self._publish_batch()

    def _publish_batch(self) -> int:
        if self._driver_sql is not None:
            published = self._publish_on_driver(*self._driver_sql)
        else:
            with self.database.engine.begin() as conn:
                taken = conn.execute(self._statements[False], {"now": self.clock.now()}).all()
                published = self._publish(
                    [(row.seq, row.event_id, row.event_type, row.body) for row in taken]
                )
        if published:
            self._published.inc(published)
        return published

    def _publish_on_driver(self, sql: str, params: dict[str, Any]) -> int:
        """The round on PostgreSQL: take and mark the batch, publish it, commit the mark once
        the broker confirmed it; any failure rolls the mark back. The connection is the pool's
        (checked out, and pinged when it may be broken, as any other)."""
        connection = self.database.engine.raw_connection()
        try:
            cursor = connection.cursor()
            try:
                cursor.execute(sql, {**params, "now": self.clock.now()})
                published = self._publish(cursor.fetchall())
            finally:
                cursor.close()
            connection.commit()
        except BaseException:
            try:
                connection.rollback()
            except Exception:  # a connection that broke: the pool drops it, the error stays
                connection.invalidate()
            raise
        finally:
            connection.close()
        return published

    def _publish(self, taken: Sequence[Sequence[Any]]) -> int:
        """Publish (seq, event id, type, body) rows in `seq` order, confirmed by the broker as a
        whole; returns how many."""
        if not taken:
            return 0
        # RETURNING gives no order: the batch goes out in the order it was written.
        rows = sorted(taken, key=lambda row: row[0])
        producer = self._ensure_producer()
        exchange = self.exchange or self.bus.topology.exchange()
        with confirmed_together(producer):
            for _seq, event_id, event_type, body in rows:
                publish_event(producer, exchange, event_type, body, event_id)
        return len(rows)

    def drain(self, timeout: float = 10.0) -> None:
        """Publish until nothing is pending (tests and shutdown)."""
        deadline = time.monotonic() + timeout
        while self.publish_pending() and time.monotonic() < deadline:
            pass

    def _ensure_producer(self) -> Producer:
        if self._producer is None:
            # Publish-only and idle between events: no heartbeats, or the broker drops it.
            self._connection = self.bus.connection(heartbeat=0)
            self.bus.connect(self._connection)
            self.bus.declare_all(self._connection)
            self._producer = Producer(self._connection.default_channel)
        return self._producer

    def _drop_connection(self) -> None:
        if self._connection is not None:
            try:
                self._connection.release()
            except Exception:
                log.debug("closing a broken relay connection failed", exc_info=True)
        self._connection = None
        self._producer = None
