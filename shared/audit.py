"""Append-only, hash-chained audit trail (docs/architecture.md, Audit trail), one chain per
service database.

Each record's hash covers its fields and the previous record's hash, so editing or deleting a record
breaks the chain; the one-row head table holds the newest seq and hash, so deleting the newest
records is detected too. The caller owns the transaction: the record commits with the change.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from enum import Enum
from typing import Any
from uuid import UUID

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Row

from shared.pg_rows import insert_many

GENESIS_HASH = "0" * 64
HEAD_ID = 1
_VERIFY_BATCH = 1000
_ACTOR_KEYS = ("sub", "role", "unit")

_sqlite_locks: dict[str, threading.Lock] = {}
_sqlite_locks_guard = threading.Lock()


def audit_table(metadata: MetaData) -> Table:
    if "audit_log" in metadata.tables:
        return metadata.tables["audit_log"]
    return Table(
        "audit_log",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=False),
        Column("at", DateTime(timezone=True), nullable=False),
        Column("actor_sub", String, nullable=True),
        Column("actor_role", String, nullable=True),
        Column("actor_unit", String, nullable=True),
        Column("action", String, nullable=False),
        Column("entity_type", String, nullable=False),
        Column("entity_id", String, nullable=False),
        Column("changes", Text, nullable=False),
        Column("correlation_id", String, nullable=True),
        Column("prev_hash", String(64), nullable=False),
        Column("hash", String(64), nullable=False),
        Index("ix_audit_log_entity", "entity_type", "entity_id"),
    )


def audit_head_table(metadata: MetaData) -> Table:
    if "audit_head" in metadata.tables:
        return metadata.tables["audit_head"]
    return Table(
        "audit_head",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("seq", Integer, nullable=False),
        Column("hash", String(64), nullable=False),
    )


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | UUID):
        return str(value)
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"cannot put {type(value).__name__} in an audit record")


# What `json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
# allow_nan=False, default=_json_default)` builds at each call and encodes with: built once
# (the same text; `encode` keeps no state between calls).
_CANONICAL = json.JSONEncoder(
    sort_keys=True,
    ensure_ascii=False,
    separators=(",", ":"),
    allow_nan=False,
    default=_json_default,
)


def canonical_json(value: Any) -> str:
    return _CANONICAL.encode(value)


def _utc(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; we only ever store UTC, so naive means UTC.
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def record_hash(fields: Mapping[str, Any]) -> str:
    """sha256 over the canonical JSON of every stored field except the hash itself."""
    payload = {key: value for key, value in fields.items() if key != "hash"}
    payload["at"] = _utc(payload["at"]).isoformat(timespec="microseconds")
    return hashlib.sha256(canonical_json(payload).encode("utf-8")).hexdigest()


def advisory_key(table: Table) -> int:
    digest = hashlib.sha256(f"audit:{table.name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _sqlite_lock(conn: Connection) -> threading.Lock:
    key = str(conn.engine.url)
    with _sqlite_locks_guard:
        return _sqlite_locks.setdefault(key, threading.Lock())


def _read_head(conn: Connection, head: Table) -> tuple[int, str]:
    row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == HEAD_ID)).first()
    if row is None:
        conn.execute(insert(head).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
        return 0, GENESIS_HASH
    return int(row.seq), str(row.hash)


def _actor_fields(actor: Mapping[str, Any] | None) -> dict[str, str | None]:
    actor = actor or {}
    return {f"actor_{key}": _optional_str(actor.get(key)) for key in _ACTOR_KEYS}


def _optional_str(value: Any) -> str | None:
    return None if value is None else str(value)


def append_audit(
    conn: Connection,
    table: Table,
    head: Table,
    *,
    at: datetime,
    actor: Mapping[str, Any] | None,
    action: str,
    entity_type: str,
    entity_id: str,
    changes: Mapping[str, Any],
    correlation_id: str | None,
) -> str:
    """Append one record inside the caller's transaction and return its hash."""
    entry = {
        "at": at,
        "actor": actor,
        "action": action,
        "entity_type": entity_type,
        "entity_id": entity_id,
        "changes": changes,
        "correlation_id": correlation_id,
    }
    return append_audit_many(conn, table, head, [entry])[0]


def append_audit_many(
    conn: Connection,
    table: Table,
    head: Table,
    entries: Sequence[Mapping[str, Any]],
    also: Sequence[tuple[Table, list[dict[str, Any]]]] = (),
) -> list[str]:
    """Append records (each with the keyword arguments of `append_audit`) in order, with one
    lock and one head update; returns their hashes. `also`: other rows of the same transaction
    (the outbox's), written with the records: in the same statement on PostgreSQL."""
    records = [_fields(entry) for entry in entries]
    if not records:
        insert_many(conn, also)  # one statement on PostgreSQL (shared/pg_rows.py)
        return []
    if conn.dialect.name == "postgresql":
        from shared import audit_postgres  # it builds on this module's records

        return audit_postgres.chain(conn, table, head, records, also)
    for other, rows in also:
        conn.execute(insert(other), rows)
    # SQLite has neither advisory nor row locks. The no-op UPDATE takes the database write lock
    # before the head is read and keeps it until the caller commits, which orders writers on
    # separate connections. Threads sharing one SQLite connection (StaticPool, :memory:) share
    # that lock too, so the process lock orders them; it is taken after the write lock so that a
    # second append in an open transaction cannot wait on a thread that waits on us.
    conn.execute(update(head).where(head.c.id == HEAD_ID).values(seq=head.c.seq))
    with _sqlite_lock(conn):
        return _chain(conn, table, head, records)


def _fields(entry: Mapping[str, Any]) -> dict[str, Any]:
    at: datetime = entry["at"]
    if at.tzinfo is None:
        raise ValueError("audit time must be timezone-aware")
    return {
        "at": _utc(at),
        **_actor_fields(entry.get("actor")),
        "action": entry["action"],
        "entity_type": entry["entity_type"],
        "entity_id": str(entry["entity_id"]),
        "changes": canonical_json(entry["changes"]),
        "correlation_id": entry.get("correlation_id"),
    }


def linked(
    records: list[dict[str, Any]], seq: int, prev_hash: str
) -> tuple[list[dict[str, Any]], int, str]:
    """The records numbered and hashed after the head (seq, prev_hash); and the new head."""
    chained = []
    for fields in records:
        seq += 1
        record = {**fields, "seq": seq, "prev_hash": prev_hash}
        record["hash"] = prev_hash = record_hash(record)
        chained.append(record)
    return chained, seq, prev_hash


def _chain(conn: Connection, table: Table, head: Table, records: list[dict[str, Any]]) -> list[str]:
    seq, prev_hash = _read_head(conn, head)
    chained, seq, prev_hash = linked(records, seq, prev_hash)
    conn.execute(insert(table), chained)
    conn.execute(update(head).where(head.c.id == HEAD_ID).values(seq=seq, hash=prev_hash))
    return [str(record["hash"]) for record in chained]


def verify_audit(conn: Connection, table: Table, head: Table) -> list[str]:
    """Problems found in the chain, in Vietnamese; an empty list means the trail is intact."""
    problems: list[str] = []
    expected_seq, prev_hash = 1, GENESIS_HASH
    rows = conn.execute(
        select(table).order_by(table.c.seq), execution_options={"yield_per": _VERIFY_BATCH}
    )
    for row in rows:
        problems.extend(_check_record(row, expected_seq, prev_hash))
        expected_seq, prev_hash = int(row.seq) + 1, str(row.hash)
    problems.extend(_check_head(conn, head, expected_seq - 1, prev_hash))
    return problems


def _check_record(row: Row[Any], expected_seq: int, prev_hash: str) -> list[str]:
    problems: list[str] = []
    seq = int(row.seq)
    if seq != expected_seq:
        problems.append(f"Thiếu bản ghi nhật ký {_seq_range(expected_seq, seq - 1)} (đã bị xóa?)")
    if row.prev_hash != prev_hash:
        problems.append(f"Bản ghi số {seq}: không nối với bản ghi liền trước (chuỗi bị cắt)")
    if record_hash(row._asdict()) != row.hash:
        problems.append(f"Bản ghi số {seq}: nội dung không khớp mã băm (đã bị sửa?)")
    return problems


def _seq_range(first: int, last: int) -> str:
    return f"số {first}" if first == last else f"từ số {first} đến số {last}"


def _check_head(conn: Connection, head: Table, last_seq: int, last_hash: str) -> list[str]:
    row = conn.execute(select(head.c.seq, head.c.hash).where(head.c.id == HEAD_ID)).first()
    if row is None:
        return [] if last_seq == 0 else ["Mất dòng đầu chuỗi nhật ký (bảng audit_head)"]
    if int(row.seq) != last_seq:
        return [
            f"Đầu chuỗi ghi bản ghi cuối là số {row.seq} nhưng nhật ký dừng ở số {last_seq}"
            " (bản ghi cuối đã bị xóa?)"
        ]
    if row.hash != last_hash:
        return [f"Mã băm ở đầu chuỗi không khớp bản ghi cuối số {last_seq} (đã bị sửa?)"]
    return []


@dataclass(frozen=True)
class AuditLog:
    """The two audit tables of one database, with append and verify bound to them."""

    table: Table
    head: Table

    @classmethod
    def define(cls, metadata: MetaData) -> AuditLog:
        return cls(audit_table(metadata), audit_head_table(metadata))

    def append(
        self,
        conn: Connection,
        *,
        at: datetime,
        actor: Mapping[str, Any] | None,
        action: str,
        entity_type: str,
        entity_id: str,
        changes: Mapping[str, Any],
        correlation_id: str | None = None,
    ) -> str:
        return append_audit(
            conn,
            self.table,
            self.head,
            at=at,
            actor=actor,
            action=action,
            entity_type=entity_type,
            entity_id=entity_id,
            changes=changes,
            correlation_id=correlation_id,
        )

    def append_many(
        self,
        conn: Connection,
        entries: Sequence[Mapping[str, Any]],
        also: Sequence[tuple[Table, list[dict[str, Any]]]] = (),
    ) -> list[str]:
        return append_audit_many(conn, self.table, self.head, entries, also)

    def verify(self, conn: Connection) -> list[str]:
        return verify_audit(conn, self.table, self.head)
