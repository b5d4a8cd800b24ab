"""Receiving a document: what is known of it before (the document of its source id, the units
its tasks name), writing it and its tasks, and what was written as reading it back would give it
(bench/intake_path.py: receiving is intake's busiest write, a document of 20 tasks at a time).

On PostgreSQL the lookups are one statement: the active units among the codes (one array
parameter), left-joined to the document of the source id, if there is one. The document and
all its tasks are one statement too: the document's row inserted in a data-modifying WITH, the
tasks from one JSON array (`json_to_recordset`), so that a document costs one round trip and one
parsed statement whatever its number of tasks; the tasks' foreign key is checked at the end of
the statement, when the document's row is there. On SQLite, two statements each (the tasks an
executemany), which cost no round trip."""

from __future__ import annotations

import json
from datetime import UTC, date
from typing import Any

from sqlalchemy import (
    JSON,
    Connection,
    String,
    Table,
    Text,
    any_,
    bindparam,
    cast,
    column,
    func,
    insert,
    select,
)
from sqlalchemy.dialects.postgresql import ARRAY

from services.intake import store, unit_store
from services.intake.store import documents, tasks, units
from shared.db import UtcDateTime, is_postgres

# The columns a received task is written with; the others take their defaults.
TASK_COLUMNS = (
    "id",
    "document_id",
    "position",
    "content",
    "lead_unit",
    "coordinating_units",
    "due_on",
    "cadence",
    "sector",
)


def _source_and_units() -> Any:
    """SELECT k.known, documents.* FROM (SELECT array_agg(code) AS known FROM units WHERE code =
    ANY(:codes) AND active) AS k LEFT OUTER JOIN documents ON source_id = :source_id: one row."""
    known = (
        select(func.array_agg(units.c.code).label("known"))
        .where(
            units.c.code == any_(bindparam("codes", type_=ARRAY(String))),
            units.c.active.is_(True),
        )
        .subquery("k")
    )
    joined = known.outerjoin(documents, documents.c.source_id == bindparam("source_id"))
    return select(known.c.known, documents).select_from(joined)


_SOURCE_AND_UNITS = _source_and_units()


def source_and_units(
    conn: Connection, source_id: str, codes: set[str]
) -> tuple[dict[str, Any] | None, set[str]]:
    """The document received under `source_id` (as `store.document_by_source` reads it), if any,
    and which of `codes` name active units (as `unit_store.known_units`)."""
    if not is_postgres(conn):
        return store.document_by_source(conn, source_id), unit_store.known_units(conn, codes)
    found = dict(
        conn.execute(_SOURCE_AND_UNITS, {"codes": sorted(codes), "source_id": source_id})
        .mappings()
        .one()
    )
    known = set(found.pop("known") or ())
    if found["id"] is None:
        return None, known
    return store.document_with_tasks(conn, found), known


def _document_with_tasks() -> Any:
    """WITH document AS (INSERT INTO documents ... VALUES ...) INSERT INTO tasks (...) SELECT ...
    FROM json_to_recordset(:tasks) AS t(id VARCHAR(32), ...): every document column a parameter
    typed as the table's (a column absent from the row is given as NULL, as it is left out)."""
    document = (
        insert(documents)
        .values({c.name: bindparam(c.name, type_=c.type) for c in documents.columns})
        .cte("document")
    )
    rows = (
        func.json_to_recordset(cast(bindparam("tasks", type_=Text), JSON))
        .table_valued(*(column(name, tasks.c[name].type) for name in TASK_COLUMNS))
        .render_derived(with_types=True)
    )
    return (
        insert(tasks)
        .from_select(list(TASK_COLUMNS), select(*(rows.c[name] for name in TASK_COLUMNS)))
        .add_cte(document)
    )


# Built once: building a statement (and its cache key) costs about as much as executing it.
_INSERT_DOCUMENT_WITH_TASKS = _document_with_tasks()
_INSERT_DOCUMENT = insert(documents)
_INSERT_TASKS = insert(tasks)
_DOCUMENT_COLUMNS = tuple(c.name for c in documents.columns)


def insert_document(conn: Connection, row: dict[str, Any], task_rows: list[dict[str, Any]]) -> None:
    """Write a document's row and its tasks' (each with every column of TASK_COLUMNS)."""
    if is_postgres(conn):
        params = {name: row.get(name) for name in _DOCUMENT_COLUMNS}
        params["tasks"] = json.dumps(
            [{name: task[name] for name in TASK_COLUMNS} for task in task_rows],
            ensure_ascii=False,
            default=_json_date,
        )
        conn.execute(_INSERT_DOCUMENT_WITH_TASKS, params)
        return
    conn.execute(_INSERT_DOCUMENT, row)
    if task_rows:
        conn.execute(_INSERT_TASKS, task_rows)


def _json_date(value: Any) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not a task column's value")


def inserted_document(row: dict[str, Any], task_rows: list[dict[str, Any]]) -> dict[str, Any]:
    """The document as `store.document_by_id` reads it right after `insert_document(row,
    task_rows)`, without reading it: every column in the table's order (absent ones as their
    defaults), timestamps in UTC, the tasks in order with no units handed on yet
    (tests/integration/test_intake_api.py compares the two on both databases)."""
    document = _as_read(_DOCUMENT_SHAPE, row)
    document["tasks"] = [
        {**_as_read(_TASK_SHAPE, task), "handed_units": []}
        for task in sorted(task_rows, key=lambda task: task["position"])
    ]
    return document


def _read_shape(table: Table) -> tuple[dict[str, Any], list[str]]:
    """A table's columns with their server defaults, in order, and its timestamp columns."""
    defaults = {
        column.name: column.server_default.arg if column.server_default is not None else None  # type: ignore[attr-defined]
        for column in table.columns
    }
    stamps = [column.name for column in table.columns if isinstance(column.type, UtcDateTime)]
    return defaults, stamps


def _as_read(shape: tuple[dict[str, Any], list[str]], row: dict[str, Any]) -> dict[str, Any]:
    defaults, stamps = shape
    read = {**defaults, **row}
    for name in stamps:
        if read[name] is not None:
            read[name] = read[name].astimezone(UTC)
    return read


_DOCUMENT_SHAPE = _read_shape(documents)
_TASK_SHAPE = _read_shape(tasks)
