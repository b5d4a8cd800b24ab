"""Tables every service keeps in its own database: outbox, inbox and idempotency keys.

Services add them to their own MetaData (`add_platform_tables`) and create them in their first
migration (`create_platform_tables`), so the definitions live here once.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    text,
)

from shared.audit import AuditLog
from shared.db import UtcDateTime


@dataclass(frozen=True)
class PlatformTables:
    outbox: Table
    inbox: Table
    idempotency: Table


def add_platform_tables(metadata: MetaData) -> PlatformTables:
    """Define the tables on `metadata`, or return them if a previous call already did."""
    if "outbox" in metadata.tables:
        return PlatformTables(
            outbox=metadata.tables["outbox"],
            inbox=metadata.tables["inbox"],
            idempotency=metadata.tables["idempotency_keys"],
        )
    outbox = Table(
        "outbox",
        metadata,
        Column("seq", Integer, primary_key=True, autoincrement=True),
        Column("event_id", String(64), nullable=False, unique=True),
        Column("event_type", String(100), nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
        Column("published_at", UtcDateTime()),
    )
    # The relay only ever looks for unpublished rows: keep that lookup small however big the
    # table grows.
    Index(
        "ix_outbox_unpublished",
        outbox.c.seq,
        postgresql_where=text("published_at IS NULL"),
        sqlite_where=text("published_at IS NULL"),
    )
    inbox = Table(
        "inbox",
        metadata,
        Column("event_id", String(200), primary_key=True),
        Column("event_type", String(100), nullable=False),
        Column("processed_at", UtcDateTime(), nullable=False),
    )
    idempotency = Table(
        "idempotency_keys",
        metadata,
        Column("subject", String(200), primary_key=True),
        Column("key", String(200), primary_key=True),
        Column("request_hash", String(64), nullable=False),
        Column("status", Integer, nullable=False),
        Column("body", Text, nullable=False),
        Column("created_at", UtcDateTime(), nullable=False),
    )
    return PlatformTables(outbox=outbox, inbox=inbox, idempotency=idempotency)


def create_platform_tables(bind: Connection) -> None:
    """Create the platform tables as they were at this migration (used by migrations only)."""
    metadata = MetaData()
    add_platform_tables(metadata)
    AuditLog.define(metadata)
    metadata.create_all(bind)
