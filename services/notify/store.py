"""The notify service's tables: the in-app inbox and its own directory of unit names."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Index,
    MetaData,
    String,
    Table,
    Text,
    and_,
    bindparam,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.db import UtcDateTime, is_postgres

metadata = MetaData()

inbox_items = Table(
    "inbox_items",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("event_id", String(200), nullable=False),
    Column("recipient_kind", String(10), nullable=False),
    Column("recipient", String(200), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("title", String(300), nullable=False),
    Column("body", Text, nullable=False),
    Column("task_id", String(32)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("read_at", UtcDateTime()),
)
# Exactly one item per (event, recipient, channel), however often the event arrives.
Index(
    "ux_inbox_delivery",
    inbox_items.c.event_id,
    inbox_items.c.recipient_kind,
    inbox_items.c.recipient,
    inbox_items.c.channel,
    unique=True,
)
Index(
    "ix_inbox_recipient",
    inbox_items.c.recipient_kind,
    inbox_items.c.recipient,
    inbox_items.c.created_at,
)

units = Table(
    "units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
)


def _insert(conn: Connection) -> Any:
    return pg_insert if is_postgres(conn) else sqlite_insert


# `INSERT … ON CONFLICT DO NOTHING` by dialect and table, built once: an event handler's rows
# (inbox items, feed rows, deliveries) cost less to write than the statement cost to build.
_IGNORING: dict[tuple[str, str], Any] = {}


def insert_ignoring(conn: Connection, table: Table) -> Any:
    key = (conn.dialect.name, table.name)
    statement = _IGNORING.get(key)
    if statement is None:
        statement = _IGNORING[key] = _insert(conn)(table).on_conflict_do_nothing()
    return statement


def add_items(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert_ignoring(conn, inbox_items), rows)


def upsert_unit(conn: Connection, row: dict[str, Any]) -> None:
    statement = _insert(conn)(units).values(**row)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[units.c.code],
            set_={"name": row["name"], "kind": row["kind"], "active": row["active"]},
        )
    )


_UNIT_NAMES = select(units.c.code, units.c.name).where(
    units.c.code.in_(bindparam("codes", expanding=True))
)


def unit_names(conn: Connection, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(_UNIT_NAMES, {"codes": sorted(codes)})
    return {row.code: row.name for row in rows}


def is_active_unit(conn: Connection, code: str) -> bool:
    """Whether `code` is an active unit of the directory (learnt from `unit.updated`)."""
    query = select(units.c.code).where(units.c.code == code, units.c.active.is_(True))
    return conn.execute(query).first() is not None


def active_units(conn: Connection) -> dict[str, str]:
    """Every active unit's name by its code (for messages to every unit, Đ18.1)."""
    rows = conn.execute(select(units.c.code, units.c.name).where(units.c.active.is_(True)))
    return {row.code: row.name for row in rows}


def _mine(unit: str | None, sub: str, roles: Iterable[str] = ()) -> Any:
    """The caller's items: addressed to the person, to their unit, or to a role they hold (the
    People's Committee's leaders have no unit; `domain.LEADERS`)."""
    clauses = [and_(inbox_items.c.recipient_kind == "user", inbox_items.c.recipient == sub)]
    if unit:
        clauses.append(
            and_(inbox_items.c.recipient_kind == "unit", inbox_items.c.recipient == unit)
        )
    held = sorted(set(roles))
    if held:
        clauses.append(
            and_(inbox_items.c.recipient_kind == "role", inbox_items.c.recipient.in_(held))
        )
    return or_(*clauses)


def inbox(
    conn: Connection,
    *,
    unit: str | None,
    sub: str,
    unread: bool | None,
    limit: int,
    offset: int,
    roles: Iterable[str] = (),
) -> tuple[list[dict[str, Any]], int, int]:
    mine = _mine(unit, sub, roles)
    query = select(inbox_items).where(mine)
    if unread:
        query = query.where(inbox_items.c.read_at.is_(None))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    unread_count = conn.execute(
        select(func.count()).where(mine, inbox_items.c.read_at.is_(None))
    ).scalar_one()
    rows = conn.execute(
        query.order_by(inbox_items.c.created_at.desc(), inbox_items.c.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [dict(row) for row in rows], total, unread_count


def mark_read(
    conn: Connection,
    *,
    unit: str | None,
    sub: str,
    item_id: str | None,
    at: Any,
    roles: Iterable[str] = (),
) -> int:
    statement = update(inbox_items).where(_mine(unit, sub, roles), inbox_items.c.read_at.is_(None))
    if item_id is not None:
        statement = statement.where(inbox_items.c.id == item_id)
    return conn.execute(statement.values(read_at=at)).rowcount
