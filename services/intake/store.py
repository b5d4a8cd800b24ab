"""The intake service's tables and the queries over them (SQLAlchemy Core)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    bindparam,
    func,
    insert,
    or_,
    select,
    type_coerce,
    update,
)

from services.intake import search
from shared.db import UtcDateTime, is_postgres

metadata = MetaData()

units = Table(
    "units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("kind", String(20), nullable=False),
    Column("active", Boolean, nullable=False, default=True),
    Column("successor", String(40)),
    Column("search_text", String(600), nullable=False),
    # The unit it belongs to (Đ7.2a, Đ8.2c) and the sectors it manages (Đ8.2a); migration 0008.
    Column("parent", String(40)),
    Column("sectors", JSON),
)

documents = Table(
    "documents",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("source_id", String(200), nullable=False, unique=True),
    Column("content_hash", String(64), nullable=False),
    Column("number", String(100), nullable=False),
    Column("type", String(40), nullable=False),
    Column("assigned_by", String(40), nullable=False),
    Column("signer", JSON, nullable=False),
    Column("issued_on", Date, nullable=False),
    Column("urgency", String(20), nullable=False),
    Column("summary", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("origin", String(20), nullable=False),
    Column("intake_deadline", Date, nullable=False),
    Column("received_at", UtcDateTime(), nullable=False),
    Column("released_at", UtcDateTime()),
    Column("released_late", Boolean),
    Column("search_text", Text, nullable=False),
    # A document from the document system: its EDXML identifiers (organ_id, code,
    # promulgation_date, document_id), echoed in each status message's ResponseFor (Đ3.2).
    Column("response_for", JSON),
)

tasks = Table(
    "tasks",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False, index=True),
    Column("position", Integer, nullable=False),
    Column("content", Text, nullable=False),
    Column("lead_unit", String(40), nullable=False),
    Column("coordinating_units", JSON, nullable=False),
    Column("due_on", Date),
    Column("cadence", String(20)),
    Column("sector", String(40)),  # lĩnh vực (Đ8.2a), a code of data/sectors.json; migration 0008
    # "active" or "withdrawn" (Đ5.2a); a withdrawn task stays for history.
    Column("status", String(20), nullable=False, server_default="active"),
    Column("updated_at", UtcDateTime()),
    # When the workflow's task.completed arrived: the document is finished when all its live
    # tasks have one (status back to the document system, Đ3.2).
    Column("completed_at", UtcDateTime()),
)

# The units under a task's lead unit it was handed on to (Đ8.2c), as the workflow's latest task
# event named them (`handed_units`): they read the task's document while the task is not
# withdrawn (Đ5.2a). A transfer empties the list (task.corrected). Migration 0009.
task_handed_units = Table(
    "task_handed_units",
    metadata,
    Column("task_id", String(32), ForeignKey("tasks.id"), primary_key=True),
    Column("handed_units", JSON, nullable=False),
    # The event's `occurred_at`: an older event arriving late changes nothing.
    Column("occurred_at", UtcDateTime(), nullable=False),
)

# A document's files (Đ5.2a): EDXML attachments and uploads; the bytes are in the file store
# (shared/files.py), named by `sha256`.
document_files = Table(
    "document_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("sha256", String(64), nullable=False),
    # "edxml" (received with the message) or "upload"
    Column("origin", String(20), nullable=False),
    Column("added_at", UtcDateTime(), nullable=False),
    Column("added_by", String(200)),
)

# A unit's report that a document it received gave it a task wrongly or not at all (Đ5.2a:
# "giao thiếu / chưa chính xác"), waiting in the Office's queue until the Office closes it.
task_reports = Table(
    "task_reports",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False, index=True),
    Column("task_id", String(32)),
    Column("unit", String(40), nullable=False),
    # "missing" (giao thiếu) or "incorrect" (chưa chính xác)
    Column("problem", String(20), nullable=False),
    Column("reason", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("reported_at", UtcDateTime(), nullable=False, index=True),
    Column("reported_by", JSON, nullable=False),
    Column("closed_at", UtcDateTime()),
    Column("closed_by", JSON),
    Column("closing_note", Text),
)

# What the document system is told about a document it sent (Đ2.2, Đ3.2), in order: each row
# is one EDXML status message (QCVN 102 `Status`), also delivered by notify.
status_messages = Table(
    "status_messages",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("document_id", String(32), ForeignKey("documents.id"), nullable=False),
    Column("seq", Integer, nullable=False),
    # received | released | task_completed | completed
    Column("kind", String(30), nullable=False),
    Column("status_code", String(2), nullable=False),
    Column("task_id", String(32)),
    Column("description", Text, nullable=False),
    Column("edxml", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    UniqueConstraint("document_id", "seq", name="ux_status_messages_document_seq"),
)

refusals = Table(
    "refusals",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source_id", String(200)),
    Column("refused_at", UtcDateTime(), nullable=False),
    Column("reason", String(300), nullable=False),
)


# Built once (bench/intake_path.py): every document received asks it.
_DOCUMENT_BY_SOURCE = select(documents).where(documents.c.source_id == bindparam("source_id"))


def document_by_id(conn: Connection, document_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(documents).where(documents.c.id == document_id)).mappings().first()
    return document_with_tasks(conn, dict(row)) if row else None


def document_by_source(conn: Connection, source_id: str) -> dict[str, Any] | None:
    row = conn.execute(_DOCUMENT_BY_SOURCE, {"source_id": source_id}).mappings().first()
    return document_with_tasks(conn, dict(row)) if row else None


def list_documents(
    conn: Connection,
    *,
    status: str | None,
    q: str | None,
    limit: int,
    offset: int,
    type: str | None = None,
    assigned_by: str | None = None,
    unit: str | None = None,
    issued_from: Any = None,
    issued_to: Any = None,
    with_tasks: bool = True,
) -> tuple[list[dict[str, Any]], int]:
    query = select(documents)
    for column, value in ((documents.c.status, status), (documents.c.type, type)):
        if value:
            query = query.where(column == value)
    if assigned_by:
        query = query.where(documents.c.assigned_by == assigned_by)
    if issued_from:
        query = query.where(documents.c.issued_on >= issued_from)
    if issued_to:
        query = query.where(documents.c.issued_on <= issued_to)
    if unit:
        query = query.where(search.involves_unit(conn.dialect.name, documents, tasks, unit))
    if q:
        query = query.where(search.text_match(documents.c.search_text, q))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    found = _dicts(
        conn.execute(
            query.order_by(documents.c.received_at.desc(), documents.c.id)
            .limit(limit)
            .offset(offset)
        )
    )
    return (_with_all_tasks(conn, found) if with_tasks else _with_task_counts(conn, found)), total


def mark_released(conn: Connection, document_id: str, released_at: Any, late: bool) -> None:
    conn.execute(
        update(documents)
        .where(documents.c.id == document_id)
        .values(status="released", released_at=released_at, released_late=late)
    )


def record_refusal(conn: Connection, source_id: str | None, at: Any, reason: str) -> None:
    conn.execute(insert(refusals).values(source_id=source_id, refused_at=at, reason=reason))


def document_with_tasks(conn: Connection, document: dict[str, Any]) -> dict[str, Any]:
    rows = conn.execute(
        select(tasks).where(tasks.c.document_id == document["id"]).order_by(tasks.c.position)
    ).mappings()
    document["tasks"] = _with_handed_units(conn, [dict(row) for row in rows])
    return document


def _with_handed_units(conn: Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each task with the units it was handed on to (Đ8.2c), in one query."""
    h = task_handed_units
    handed: dict[str, list[str]] = {}
    if found:
        rows = conn.execute(
            select(h.c.task_id, h.c.handed_units).where(h.c.task_id.in_([t["id"] for t in found]))
        )
        handed = {task_id: list(units or ()) for task_id, units in rows}
    for task in found:
        task["handed_units"] = handed.get(task["id"], [])
    return found


def _with_all_tasks(conn: Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of documents with their tasks, read in one query rather than one per document."""
    by_document: dict[str, list[dict[str, Any]]] = {d["id"]: [] for d in found}
    if by_document:
        raw = not is_postgres(conn)
        rows = conn.execute(
            select(*(_RAW_JSON.get(c.name, c) if raw else c for c in tasks.columns))
            .where(tasks.c.document_id.in_(list(by_document)))
            .order_by(tasks.c.document_id, tasks.c.position)
        )
        found_tasks = _dicts(rows)
        if raw:
            _decode_units(found_tasks)
        for task in found_tasks:
            by_document[task["document_id"]].append(task)
    for document in found:
        document["tasks"] = by_document[document["id"]]
    return found


# On SQLite a task's coordinating units are JSON text that the column type decodes row by row;
# a page of 2,500 tasks holds a few dozen distinct lists, decoded once each (_decode_units).
_RAW_JSON = {
    "coordinating_units": type_coerce(tasks.c.coordinating_units, Text).label("coordinating_units")
}


def _decode_units(found: list[dict[str, Any]]) -> None:
    """Each task's `coordinating_units` decoded as the JSON column decodes it, each distinct text
    once; every task has a list of its own."""
    decoded: dict[str, Any] = {}
    for task in found:
        text = task["coordinating_units"]
        if text is None:
            continue
        if text not in decoded:
            decoded[text] = json.loads(text)
        value = decoded[text]
        task["coordinating_units"] = list(value) if isinstance(value, list) else json.loads(text)


def _dicts(result: Any) -> list[dict[str, Any]]:
    """Each row as a dict, as `dict(row)` of `.mappings()` gives it, the keys read once for all
    the rows rather than once a row (a page of 50 documents has some 2,500 tasks)."""
    keys = list(result.keys())
    return [dict(zip(keys, row, strict=True)) for row in result.all()]


def _with_task_counts(conn: Connection, found: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A page of documents with the number of their tasks, in one grouped query."""
    counts: dict[str, int] = {}
    if found:
        rows = conn.execute(
            select(tasks.c.document_id, func.count())
            .where(tasks.c.document_id.in_([d["id"] for d in found]))
            .group_by(tasks.c.document_id)
        )
        counts = {document_id: int(n) for document_id, n in rows}
    for document in found:
        document["task_count"] = counts.get(document["id"], 0)
    return found


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


# -- corrections (Đ5.2a) and unit management ----------------------------------------------------
def _task_with_document() -> Any:
    return select(
        tasks,
        documents.c.number.label("document_number"),
        documents.c.status.label("document_status"),
        documents.c.issued_on.label("document_issued_on"),
        documents.c.type.label("document_type"),
        documents.c.assigned_by.label("document_assigned_by"),
        documents.c.signer.label("document_signer"),
        documents.c.summary.label("document_summary"),
    ).join(documents, documents.c.id == tasks.c.document_id)


def task_by_id(conn: Connection, task_id: str, *, lock: bool = False) -> dict[str, Any] | None:
    """The task with its document's number and status (`document_number`, `document_status`).

    `lock` holds the task's and its document's rows until commit on PostgreSQL, so that two
    corrections of one document queue up instead of both starting from the same old values."""
    query = _task_with_document().where(tasks.c.id == task_id)
    if lock:
        query = query.with_for_update()
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


def next_task_position(conn: Connection, document_id: str) -> int:
    query = select(func.max(tasks.c.position)).where(tasks.c.document_id == document_id)
    last = conn.execute(query).scalar_one()
    return 0 if last is None else int(last) + 1


def insert_task(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(tasks), row)


def update_task(conn: Connection, task_id: str, values: dict[str, Any]) -> None:
    conn.execute(update(tasks).where(tasks.c.id == task_id).values(**values))


def set_intake_deadline(conn: Connection, document_id: str, deadline: Any) -> None:
    conn.execute(
        update(documents).where(documents.c.id == document_id).values(intake_deadline=deadline)
    )


def active_tasks_involving(conn: Connection, code: str) -> list[dict[str, Any]]:
    """Not-withdrawn tasks that the unit leads or coordinates, with their document's status."""
    coordinates = search.json_array_contains(conn.dialect.name, tasks.c.coordinating_units, code)
    query = _task_with_document().where(
        tasks.c.status == "active", or_(tasks.c.lead_unit == code, coordinates)
    )
    rows = conn.execute(query.order_by(tasks.c.document_id, tasks.c.position)).mappings()
    return [dict(row) for row in rows]
