"""The reporting read model read by key (store.py's tables): the facts of a task or a case that an
event handler updates, and the names and numbers printed beside units', officers' and documents'
codes."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, Text, any_, bindparam, func, select
from sqlalchemy.dialects.postgresql import ARRAY

from services.reporting.store import (
    document_intake,
    info_request_facts,
    task_facts,
    unit_report_facts,
    units,
)
from shared.db import DriverStatement, is_postgres


def fact(conn: Connection, task_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(task_facts).where(task_facts.c.task_id == task_id)).mappings().first()
    return dict(row) if row else None


# Read for every batch of task events: built once. On PostgreSQL the ids are one array
# parameter, so the statement is the same text whatever the batch's size (psycopg parses it once
# and prepares it); an expanding IN is a new text for each number of tasks.
_FACTS = select(task_facts).where(task_facts.c.task_id.in_(bindparam("ids", expanding=True)))
_FACTS_PG = select(task_facts).where(
    task_facts.c.task_id == any_(bindparam("ids", type_=ARRAY(Text)))
)


# On PostgreSQL run on the driver (shared/db.py, DriverStatement): a row of facts has some
# twenty columns, and SQLAlchemy's result layer makes a column description of each at every
# batch, which costs more than the read itself.
_FACTS_ON_DRIVER: list[DriverStatement] = []


def facts(conn: Connection, task_ids: list[str]) -> dict[str, dict[str, Any]]:
    """The facts of these tasks that exist, by task id."""
    if not task_ids:
        return {}
    if is_postgres(conn):
        if not _FACTS_ON_DRIVER:
            _FACTS_ON_DRIVER.append(DriverStatement(_FACTS_PG, conn.dialect))
        driver = _FACTS_ON_DRIVER[0]
        keys = driver.keys
        found = (dict(zip(keys, row, strict=True)) for row in driver.rows(conn, {"ids": task_ids}))
        return {row["task_id"]: row for row in found}
    rows = conn.execute(_FACTS, {"ids": list(task_ids)}).mappings()
    return {row["task_id"]: dict(row) for row in rows}


def info_request_fact(conn: Connection, case_id: str) -> dict[str, Any] | None:
    facts = info_request_facts
    row = conn.execute(select(facts).where(facts.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def unit_report_fact(conn: Connection, case_id: str) -> dict[str, Any] | None:
    facts = unit_report_facts
    row = conn.execute(select(facts).where(facts.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def row_of(conn: Connection, table: Table, case_id: str) -> dict[str, Any] | None:
    """One case's row of a table keyed by `case_id`."""
    row = conn.execute(select(table).where(table.c.case_id == case_id)).mappings().first()
    return dict(row) if row else None


def unit_names(conn: Connection, codes: list[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = conn.execute(select(units.c.code, units.c.name).where(units.c.code.in_(codes)))
    return {row.code: row.name for row in rows}


def officer_names(conn: Connection, subs: list[str]) -> dict[str, str]:
    """Đ21: the name each officer was last named with on a task (any of them, if several)."""
    if not subs:
        return {}
    t = task_facts.c
    query = (
        select(t.officer_sub, func.max(t.officer_name).label("name"))
        .where(t.officer_sub.in_(subs))
        .group_by(t.officer_sub)
    )
    return {row.officer_sub: row.name or row.officer_sub for row in conn.execute(query)}


def document_numbers(conn: Connection, ids: list[str]) -> dict[str, str]:
    if not ids:
        return {}
    d = document_intake.c
    rows = conn.execute(select(d.document_id, d.number).where(d.document_id.in_(ids)))
    return {row.document_id: row.number for row in rows}
