"""The transactional outbox's relay: publishes committed events, then marks them published.

A crash between publishing and marking publishes the event again on restart (at-least-once);
consumers' inboxes make that harmless. Several relays may run against one PostgreSQL database:
`FOR UPDATE SKIP LOCKED` gives each a different batch.
"""

from __future__ import annotations

import logging
import threading
import time
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
        with self.database.engine.begin() as conn:
            taken = conn.execute(
                self._statements[is_postgres(conn)], {"now": self.clock.now()}
            ).all()
            if not taken:
                return 0
            # RETURNING gives no order: the batch goes out in the order it was written.
            rows = sorted(taken, key=lambda row: row.seq)
            producer = self._ensure_producer()
            exchange = self.exchange or self.bus.topology.exchange()
            # The batch is confirmed by the broker as a whole before its mark is committed.
            with confirmed_together(producer):
                for row in rows:
                    publish_event(producer, exchange, row.event_type, row.body, row.event_id)
        EVENTS_PUBLISHED.labels(self.service).inc(len(rows))
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
