"""The tables of cases (processes other than a task's lifecycle) and their history."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    Integer,
    String,
    Table,
    Text,
    false,
    func,
    insert,
    or_,
    select,
    update,
)

from services.workflow.store import StaleInstance, metadata
from shared.db import UtcDateTime, is_postgres

cases = Table(
    "cases",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("kind", String(40), nullable=False),
    Column("title", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("task_id", String(32), index=True),
    Column("group_id", String(32), index=True),
    # Units by the diagram role they fill, e.g. {"reporter": ["SO_TC"], "responsible": ["SO_XD"]}
    Column("parties", JSON, nullable=False),
    Column("units", JSON, nullable=False),  # every unit in `parties`, for scoping lists
    Column("due_on", Date),
    Column("status", String(30), nullable=False),
    Column("data", JSON, nullable=False),  # what views show of the diagram's data
    Column("process_id", String(100), nullable=False),
    Column("process_version", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_by", JSON),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("next_timer_at", UtcDateTime(), index=True),
)

case_history = Table(
    "case_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(40), nullable=False),
    Column("status_from", String(30)),
    Column("status_to", String(30), nullable=False),
    Column("actor", JSON),
    Column("note", Text),
    Column("payload", JSON),
)


def add_case(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(cases), row)


def case(conn: Connection, case_id: str, *, for_update: bool = False) -> dict[str, Any] | None:
    query = select(cases).where(cases.c.case_id == case_id)
    if for_update and is_postgres(conn):
        query = query.with_for_update()  # one worker advances one case at a time
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def save_case(conn: Connection, case_id: str, revision: int, values: dict[str, Any]) -> None:
    result = conn.execute(
        update(cases)
        .where(cases.c.case_id == case_id, cases.c.revision == revision)
        .values(revision=revision + 1, **values)
    )
    if result.rowcount != 1:
        raise StaleInstance(case_id)


def add_history(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(case_history), row)


def history(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(case_history).where(case_history.c.case_id == case_id).order_by(case_history.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def due_cases(conn: Connection, now: Any, limit: int) -> list[dict[str, Any]]:
    """Cases whose next timer is due, earliest first, locked for this transaction."""
    query = (
        select(cases)
        .where(cases.c.next_timer_at <= now)
        .order_by(cases.c.next_timer_at)
        .limit(limit)
    )
    if is_postgres(conn):
        query = query.with_for_update(skip_locked=True)
    return [dict(row) for row in conn.execute(query).mappings()]


def postpone_timer(conn: Connection, case_id: str, until: Any) -> None:
    conn.execute(update(cases).where(cases.c.case_id == case_id).values(next_timer_at=until))


def list_cases(
    conn: Connection,
    *,
    kind: str | None,
    units: frozenset[str] | None,
    unit: str | None = None,
    status: str | None = None,
    open_only: bool | None = None,
    task_id: str | None = None,
    group_id: str | None = None,
    q: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[dict[str, Any]], int]:
    columns = [c for c in cases.c if c.name != "state"]
    query = select(*columns)
    if kind:
        query = query.where(cases.c.kind == kind)
    if units is not None:
        query = query.where(involving(units))
    if unit:
        query = query.where(involving(frozenset({unit})))
    if status:
        query = query.where(cases.c.status == status)
    if open_only is not None:
        query = query.where(
            cases.c.closed_at.is_(None) if open_only else cases.c.closed_at.isnot(None)
        )
    if task_id:
        query = query.where(cases.c.task_id == task_id)
    if group_id:
        query = query.where(cases.c.group_id == group_id)
    if q:
        query = query.where(cases.c.search_text.contains(q))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(cases.c.created_at.desc(), cases.c.case_id).limit(limit).offset(offset)
    ).mappings()
    return [dict(row) for row in rows], total


def involving(units: frozenset[str]) -> Any:
    """Cases naming any of `units` in a role, or every unit (`"*"`, cases.EVERY_UNIT), by a LIKE
    on the quoted code in the JSON list: portable across SQLite and PostgreSQL, and exact because
    unit codes never contain quotes."""
    codes = {*units, "*"} if units else set()
    # false() first: with no unit at all, an empty or_() would match every case.
    like = (func.cast(cases.c.units, String).like(f'%"{code}"%') for code in sorted(codes))
    return or_(false(), *like)
