"""Stored answers to POSTs that carried an `Idempotency-Key`, replayed when the key comes again."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlalchemy import Table, insert, select
from sqlalchemy.exc import IntegrityError

from shared.clock import Clock
from shared.db import Database
from shared.errors import Conflict


@dataclass(frozen=True)
class StoredResponse:
    status: int
    body: str


def request_fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


class IdempotencyStore:
    def __init__(self, database: Database, table: Table, clock: Clock) -> None:
        self.database = database
        self.table = table
        self.clock = clock

    def lookup(self, subject: str, key: str, fingerprint: str) -> StoredResponse | None:
        with self.database.read() as conn:
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
        return StoredResponse(status=row.status, body=row.body)

    def save(self, subject: str, key: str, fingerprint: str, status: int, body: str) -> None:
        try:
            with self.database.transaction() as conn:
                conn.execute(
                    insert(self.table).values(
                        subject=subject,
                        key=key,
                        request_hash=fingerprint,
                        status=status,
                        body=body,
                        created_at=self.clock.now(),
                    )
                )
        except IntegrityError:
            # A concurrent request with the same key stored its answer first; keep that one.
            pass
