"""The reporting read model: one row of facts per task, built only from events."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    MetaData,
    String,
    Table,
    and_,
    case,
    func,
    not_,
    or_,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from shared.db import UtcDateTime, is_postgres

metadata = MetaData()

task_facts = Table(
    "task_facts",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("document_id", String(32), nullable=False),
    Column("lead_unit", String(40), nullable=False),
    Column("assigned_by", String(40)),
    Column("assigned_on", Date, nullable=False),
    Column("due_on", Date),
    Column("status", String(20), nullable=False),
    Column("completed_at", UtcDateTime()),
    Column("completed_on", Date),
    Column("late_rework", Boolean, nullable=False),
    Column("withdrawn_at", UtcDateTime()),
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_task_facts_assigned", task_facts.c.assigned_on, task_facts.c.lead_unit)

units = Table(
    "units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("active", Boolean, nullable=False),
)

document_intake = Table(
    "document_intake",
    metadata,
    Column("document_id", String(32), primary_key=True),
    Column("number", String(100), nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("intake_deadline", Date, nullable=False),
    Column("released_at", UtcDateTime(), nullable=False),
    Column("released_late", Boolean, nullable=False),
)


def _insert(conn: Connection) -> Any:
    return pg_insert if is_postgres(conn) else sqlite_insert


def upsert(conn: Connection, table: Table, key: str, row: dict[str, Any]) -> None:
    statement = _insert(conn)(table).values(**row)
    updates = {name: statement.excluded[name] for name in row if name != key}
    conn.execute(statement.on_conflict_do_update(index_elements=[table.c[key]], set_=updates))


def fact(conn: Connection, task_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(task_facts).where(task_facts.c.task_id == task_id)).mappings().first()
    return dict(row) if row else None


def category_counts(
    conn: Connection,
    *,
    start: date,
    end: date,
    as_of: datetime,
    as_of_date: date,
    unit: str | None,
) -> list[dict[str, Any]]:
    """Counts per lead unit in the SPEC §7 categories, at the cut-off `as_of`."""
    t = task_facts.c
    completed = and_(t.completed_at.is_not(None), t.completed_at <= as_of)
    dated = t.due_on.is_not(None)
    on_time = and_(t.completed_on <= t.due_on, not_(t.late_rework))
    buckets = {
        "completed_on_time": and_(completed, dated, on_time),
        "completed_late": and_(completed, dated, not_(on_time)),
        "in_progress_on_time": and_(not_(completed), dated, t.due_on >= as_of_date),
        "in_progress_overdue": and_(not_(completed), dated, t.due_on < as_of_date),
        "undated_completed": and_(completed, not_(dated)),
        "undated_in_progress": and_(not_(completed), not_(dated)),
    }
    query = (
        select(
            t.lead_unit,
            *[
                func.sum(case((condition, 1), else_=0)).label(name)
                for name, condition in buckets.items()
            ],
        )
        .where(
            t.assigned_on >= start,
            t.assigned_on <= end,
            t.assigned_on <= as_of_date,
            or_(t.withdrawn_at.is_(None), t.withdrawn_at > as_of),
        )
        .group_by(t.lead_unit)
        .order_by(t.lead_unit)
    )
    if unit:
        query = query.where(t.lead_unit == unit)
    return [
        {"unit": row.lead_unit, **{name: int(getattr(row, name) or 0) for name in buckets}}
        for row in conn.execute(query)
    ]


def unit_names(conn: Connection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(select(units.c.code, units.c.name).where(units.c.code.in_(codes)))
    return {row.code: row.name for row in rows}
