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
from shared.db import Database, _positional, _readable, is_postgres
from shared.loops import BackgroundLoop
from shared.metrics import EVENTS_PUBLISHED

log = logging.getLogger(__name__)

# The relay's own PostgreSQL session (`OutboxRelay._own_connection` says why).
_RELAY_SETTINGS = ("enable_bitmapscan=off", "enable_seqscan=off", "synchronous_commit=off")


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
        # On PostgreSQL the same statement, compiled once, runs on the relay's own connection
        # through the driver (psycopg) directly: SQLAlchemy's execution, result and transaction
        # layers cost more than the round trips of a round of one event (docs/architecture.md,
        # Benchmarks).
        self._driver_sql: tuple[str, dict[str, Any]] | None = None
        self._own: Any = None  # the relay's PostgreSQL connection (`_own_connection`)
        self._cursor: Any = None  # and the cursor its statement runs on
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
        self._close_own()

    def stop(self, timeout: float = 5.0) -> None:
        super().stop(timeout)
        self._drop_connection()
        self._close_own()

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
        the broker confirmed it; any failure rolls the mark back, and a connection that broke
        is closed (the next round opens another)."""
        connection = self._own_connection()
        # Positional, on the one cursor kept for it: psycopg reuses the statement's conversion
        # and adaptation (shared/db.py, `rows_on_driver`).
        query, names = _positional(sql)
        now = self.clock.now()
        args = [now if name == "now" else params[name] for name in names]
        try:
            if self._cursor is None:
                self._cursor = connection.cursor()
            self._cursor.execute(query, args, prepare=True)
            published = self._publish(self._cursor.fetchall())
            connection.commit()
        except BaseException:
            self._cursor = None  # not kept: the next round takes a fresh one
            try:
                connection.rollback()
            except Exception:  # a connection that broke: the error stays
                self._close_own()
            raise
        return published

    def _own_connection(self) -> Any:
        """The relay's own connection, not the pool's, with settings for its statement alone
        (docs/architecture.md, Benchmarks):

        - `enable_bitmapscan` and `enable_seqscan` off: the batch is taken by walking
          `ix_outbox_unpublished` in `seq` order. The index keeps an entry for every row
          marked since the table's last vacuum (PostgreSQL removes them only then), and a
          bitmap scan, which the planner takes for a table it has not analyzed yet, visits
          each one's heap page at every round; the index walk marks the entries of rows dead
          to everyone as it passes, and later rounds skip them without visiting the heap.
        - `synchronous_commit` off: the mark's commit does not wait for its WAL to reach the
          disk. A server crash may lose the marks of the last moments (never the events, whose
          rows the writer's own commit made durable), and those events are published again:
          what a crash between publishing and marking does anyway (at least once; the
          consumers' inboxes apply them once).

        Opened at the first round in the relay's thread (a process forked after the relay was
        built opens its own); a socket with something to read on an idle connection (the
        server restarted or ended the backend: it sends its FATAL and closes) is opened again
        before use, as the pool does at checkout (shared/db.py)."""
        if self._own is not None and (self._own.closed or _readable(self._own)):
            self._close_own()
        if self._own is None:
            engine = self.database.engine
            args, kwargs = engine.dialect.create_connect_args(engine.url)
            options = " ".join(
                filter(None, [kwargs.pop("options", ""), *(f"-c {s}" for s in _RELAY_SETTINGS)])
            )
            self._own = engine.dialect.loaded_dbapi.connect(*args, **kwargs, options=options)
        return self._own

    def _close_own(self) -> None:
        own, self._own, self._cursor = self._own, None, None
        if own is not None:
            try:
                own.close()
            except Exception:
                log.debug("closing the relay's database connection failed", exc_info=True)

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
