"""What the event handlers write to the reporting read model (store.py's tables): a row upserted
by its key, alike on SQLite and PostgreSQL, and the submissions that wait for the Office and its
decision on them."""

from __future__ import annotations

from datetime import date
from typing import Any

import orjson
from sqlalchemy import Boolean, Connection, Date, Integer, String, Table, Text, func, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.reporting.store import submissions
from shared.db import UtcDateTime, is_postgres


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
    if not rows:
        return
    if is_postgres(conn):
        columns = tuple(rows[0])
        plan = _json_plan(table, key, columns)
        if plan is not None:
            as_json = _as_json(plan, rows, conn.dialect)
            if as_json is not None:
                conn.exec_driver_sql(plan.sql, {"rows": as_json})
                return
    conn.execute(_upsert(conn, table, key, tuple(rows[0])), rows)


# On PostgreSQL, rows of plain columns upserted as one JSON text read by the table's own row
# type (`json_populate_recordset`): one statement, where psycopg's executemany sends one per
# row. The texts, integers, booleans, dates and aware times (each made UTC by UtcDateTime's own
# bind processing, which refuses a naive one) are what the columns read back; a row holding
# anything else, or a table with a column of another type, takes the statement above.
_PLAIN = (String, Text, Integer, Boolean, Date, UtcDateTime)
_JSON_VALUES = (str, int, bool, date, type(None))  # datetime is a date: made UTC first


class _JsonPlan:
    def __init__(self, sql: str, times: tuple[str, ...]) -> None:
        self.sql = sql
        self.times = times


_JSON_PLANS: dict[tuple[str, str, tuple[str, ...]], _JsonPlan | None] = {}
_UTC = UtcDateTime()


def _json_plan(table: Table, key: str, columns: tuple[str, ...]) -> _JsonPlan | None:
    cache_key = (table.name, key, columns)
    if cache_key in _JSON_PLANS:
        return _JSON_PLANS[cache_key]
    plan = None
    if all(name in table.c and type(table.c[name].type) in _PLAIN for name in columns):
        names = ", ".join(columns)
        updates = ", ".join(f"{name} = EXCLUDED.{name}" for name in columns if name != key)
        action = f"DO UPDATE SET {updates}" if updates else "DO NOTHING"
        sql = (
            f"INSERT INTO {table.name} ({names}) SELECT {names} "
            f"FROM json_populate_recordset(NULL::{table.name}, CAST(%(rows)s AS json)) "
            f"ON CONFLICT ({key}) {action}"
        )
        times = tuple(n for n in columns if isinstance(table.c[n].type, UtcDateTime))
        plan = _JsonPlan(sql, times)
    _JSON_PLANS[cache_key] = plan
    return plan


def _as_json(plan: _JsonPlan, rows: list[dict[str, Any]], dialect: Any) -> str | None:
    if plan.times:
        rows = [dict(row) for row in rows]
        for row in rows:
            for name in plan.times:
                if row[name] is not None:
                    row[name] = _UTC.process_bind_param(row[name], dialect)
    for row in rows:
        for value in row.values():
            if not isinstance(value, _JSON_VALUES):
                return None
    try:
        # Column names read back are SQLAlchemy's `quoted_name`, a str of its own type.
        return orjson.dumps(rows, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:  # an integer beyond 64 bits
        return None


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
