"""What the event handlers write to the reporting read model (store.py's tables): a row upserted
by its key, alike on SQLite and PostgreSQL, and the submissions that wait for the Office and its
decision on them."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.reporting.store import submissions
from shared.db import is_postgres


def _insert(conn: Connection) -> Any:
    return pg_insert if is_postgres(conn) else sqlite_insert


# Upsert statements by dialect, table, key and columns: building one (its `excluded` alias
# copies every column of the table) cost more than executing it.
_UPSERTS: dict[tuple[str, str, str, tuple[str, ...]], Any] = {}


def _upsert(conn: Connection, table: Table, key: str, columns: tuple[str, ...]) -> Any:
    cache_key = (conn.dialect.name, table.name, key, columns)
    statement = _UPSERTS.get(cache_key)
    if statement is None:
        base = _insert(conn)(table)
        updates = {name: base.excluded[name] for name in columns if name != key}
        statement = base.on_conflict_do_update(index_elements=[table.c[key]], set_=updates)
        _UPSERTS[cache_key] = statement
    return statement


def upsert(conn: Connection, table: Table, key: str, row: dict[str, Any]) -> None:
    conn.execute(_upsert(conn, table, key, tuple(row)), row)


def upsert_many(conn: Connection, table: Table, key: str, rows: list[dict[str, Any]]) -> None:
    """Upsert rows with the same columns, one statement (distinct keys: a key twice in one
    statement is refused by PostgreSQL)."""
    if rows:
        conn.execute(_upsert(conn, table, key, tuple(rows[0])), rows)


def insert_submission(conn: Connection, task_id: str, at: Any, lead_unit: str) -> None:
    """A submitted result that waits for the Office; a replayed submission adds nothing."""
    statement = _insert(conn)(submissions).values(
        task_id=task_id, submitted_at=at, lead_unit=lead_unit
    )
    conn.execute(statement.on_conflict_do_nothing())


def decide_submission(conn: Connection, task_id: str, at: Any, decision: str) -> None:
    """The Office's decision on the submission of `task_id` that was waiting at `at`."""
    s = submissions.c
    waiting = (
        select(func.max(s.submitted_at))
        .where(s.task_id == task_id, s.decided_at.is_(None), s.submitted_at <= at)
        .scalar_subquery()
    )
    conn.execute(
        update(submissions)
        .where(s.task_id == task_id, s.submitted_at == waiting)
        .values(decided_at=at, decision=decision)
    )
