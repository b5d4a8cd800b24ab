"""Stored answers to POSTs that carried an `Idempotency-Key`, replayed when the key comes again.

The key is claimed in the same transaction as the work it guards (`IdempotencyStore.claim`): the
row is inserted first, the view's units of work join that transaction (`Database.scope`), and the
answer is written into the row before the one commit. So a key is either free, or committed
together with the work and its answer: there is no moment at which the work is done and its
answer not stored, and two requests with one key never both run.

- Concurrent requests with one key: on PostgreSQL the unique row makes the others' insert wait
  for the first transaction; on SQLite writers are serialised (BEGIN IMMEDIATE). Then they see the
  committed answer and replay it; if the first one fails, the next runs. A request that waits
  longer than `wait_seconds` is answered 409 with Retry-After (`KeyInProgress`).
- A refused request (4xx) releases its key; the work of the units of work that completed before
  the refusal stays, as without a key. A crash (an exception, 5xx) rolls back everything.
- The same key with another method, path or body is a 409 (`Conflict`).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Connection, Table, and_, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import OperationalError

from shared.clock import Clock
from shared.db import Database, Scope, is_postgres
from shared.errors import Conflict

# How long a request waits for another one holding its key before answering 409.
DEFAULT_WAIT_SECONDS = 10.0
RETRY_AFTER_SECONDS = 1
_PENDING_STATUS = 0  # a claimed row's status until its answer is written (never committed)


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


class KeyInProgress(Conflict):
    """Another request with this key is still running."""

    title = "Yêu cầu đang xử lý"

    def __init__(self, key: str, retry_after: int = RETRY_AFTER_SECONDS) -> None:
        super().__init__(
            "Một yêu cầu khác với cùng Idempotency-Key đang được xử lý; vui lòng thử lại sau.",
            key=key,
        )
        self.retry_after = retry_after


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


class Claim:
    """A key held by the running request, inside its transaction. `stored` is set instead when
    another request's answer was found: replay it, the view must not run."""

    def __init__(
        self,
        store: IdempotencyStore,
        scope: Scope,
        subject: str,
        key: str,
        stored: StoredResponse | None,
    ) -> None:
        self._store = store
        self._scope = scope
        self._subject = subject
        self._key = key
        self.stored = stored

    def _row(self) -> ColumnElement[bool]:
        table = self._store.table
        return and_(table.c.subject == self._subject, table.c.key == self._key)

    def answer(self, status: int, body: str) -> None:
        """Store the answer; it commits with the work."""
        self._scope.conn.execute(
            update(self._store.table).where(self._row()).values(status=status, body=body)
        )

    def release(self) -> None:
        """Free the key (a refused request); what the request committed otherwise stays."""
        self._scope.conn.execute(delete(self._store.table).where(self._row()))

    def abandon(self) -> None:
        """Undo the whole request, the key included."""
        self._scope.rollback()


class IdempotencyStore:
    def __init__(
        self,
        database: Database,
        table: Table,
        clock: Clock,
        *,
        wait_seconds: float | None = None,
    ) -> None:
        self.database = database
        self.table = table
        self.clock = clock
        self.wait_seconds = DEFAULT_WAIT_SECONDS if wait_seconds is None else wait_seconds

    def lookup(self, subject: str, key: str, fingerprint: str) -> StoredResponse | None:
        """The committed answer for this key, if any (a read, without waiting for anyone)."""
        with self.database.read() as conn:
            return self._stored(conn, subject, key, fingerprint)

    @contextmanager
    def claim(self, subject: str, key: str, fingerprint: str) -> Iterator[Claim]:
        """Open the request's transaction (`Database.scope`) and claim the key in it, or find
        the answer another request committed meanwhile. Commits when the block ends."""
        with ExitStack() as stack:
            try:
                # SQLite waits here for the write lock (BEGIN IMMEDIATE), PostgreSQL below in
                # the insert, for a concurrent holder of the key to commit or roll back.
                scope = stack.enter_context(self.database.scope())
                stored = self._take(scope.conn, subject, key, fingerprint)
            except OperationalError as exc:
                if _lock_wait_timed_out(exc):
                    raise KeyInProgress(key) from exc
                raise
            yield Claim(self, scope, subject, key, stored)

    def _take(
        self, conn: Connection, subject: str, key: str, fingerprint: str
    ) -> StoredResponse | None:
        values = {
            "subject": subject,
            "key": key,
            "request_hash": fingerprint,
            "status": _PENDING_STATUS,
            "body": "",
            "created_at": self.clock.now(),
        }
        postgres = is_postgres(conn)
        dialect_insert = postgresql.insert if postgres else sqlite.insert
        # RETURNING, not rowcount: psycopg reports -1 for an INSERT … ON CONFLICT DO NOTHING.
        statement = (
            dialect_insert(self.table)
            .values(**values)
            .on_conflict_do_nothing()
            .returning(self.table.c.key)
        )
        if postgres:
            wait_ms = max(1, int(self.wait_seconds * 1000))
            conn.exec_driver_sql(f"SET LOCAL lock_timeout = {wait_ms}")
            inserted = conn.execute(statement).first() is not None
            conn.exec_driver_sql("SET LOCAL lock_timeout = DEFAULT")
        else:
            inserted = conn.execute(statement).first() is not None
        if inserted:
            return None
        stored = self._stored(conn, subject, key, fingerprint)
        if stored is None:
            raise KeyInProgress(key)
        return stored

    def _stored(
        self, conn: Connection, subject: str, key: str, fingerprint: str
    ) -> StoredResponse | None:
        row = conn.execute(
            select(self.table.c.request_hash, self.table.c.status, self.table.c.body).where(
                self.table.c.subject == subject, self.table.c.key == key
            )
        ).first()
        if row is None:
            return None
        if row.request_hash != fingerprint:
            raise Conflict(
                "Idempotency-Key này đã được dùng cho một yêu cầu khác.",
                key=key,
            )
        if row.status == _PENDING_STATUS:
            raise KeyInProgress(key)
        return StoredResponse(status=row.status, body=row.body)


def _lock_wait_timed_out(exc: OperationalError) -> bool:
    sqlstate = getattr(exc.orig, "sqlstate", None)
    if sqlstate is not None:
        return bool(sqlstate == "55P03")  # lock_not_available: lock_timeout ran out
    return "database is locked" in str(exc.orig)
