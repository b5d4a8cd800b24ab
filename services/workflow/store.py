"""The workflow service's tables: deployed diagrams, task instances, the units taking part in
each, their history and files; and keeping a task's `task_units` rows in step with it. Queries
on the diagrams' versions are in model_store.py, the task list's in task_queries.py."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    delete,
    false,
    insert,
    select,
    update,
)

from services.workflow.instances.store import InstanceTable
from shared.db import UtcDateTime

metadata = MetaData()

process_models = Table(
    "process_models",
    metadata,
    Column("process_id", String(100), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("bpmn_xml", LargeBinary, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("deployed_at", UtcDateTime(), nullable=False),
    Column("deployed_by", String(200)),
    # Where the version came from: `file` (bpmn/, at start), `api` (a process owner), `cli` (an
    # operator's `nhiemvu models deploy`). Migration 0009.
    Column("source", String(10), nullable=False, server_default="file"),
    # The one version per process that new instances start on, who chose it and when: FROM_DISK
    # (services/workflow/models.py) when the start-up chose it, else a person.
    Column("active", Boolean, nullable=False, default=False, server_default=false()),
    Column("activated_at", UtcDateTime()),
    Column("activated_by", String(200)),
)
Index(
    "ux_process_models_active",
    process_models.c.process_id,
    unique=True,
    sqlite_where=process_models.c.active,
    postgresql_where=process_models.c.active,
)

task_instances = Table(
    "task_instances",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("document_id", String(32), nullable=False),
    Column("document_number", String(100), nullable=False),
    Column("assigned_by", String(40), nullable=False),
    Column("content", Text, nullable=False),
    Column("search_text", Text, nullable=False),
    Column("lead_unit", String(40), nullable=False, index=True),
    Column("coordinating_units", JSON, nullable=False),
    Column("due_on", Date, index=True),
    Column("cadence", String(20)),
    Column("assigned_on", Date, nullable=False),
    # Looked up through the index below that begins with it (migration 0018 dropped its own).
    Column("status", String(20), nullable=False),
    Column("extension_pending", Boolean, nullable=False, default=False),
    # Đ6.2a: the diagram reminded the unit to post progress and none was posted since.
    Column("progress_due", Boolean, nullable=False, default=False, server_default=false()),
    Column("process_id", String(100), nullable=False),
    Column("process_version", Integer, nullable=False),
    Column("state", Text, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("updated_at", UtcDateTime(), nullable=False),
    # When the instance's earliest waiting timer falls due (Engine.next_due); NULL when none
    # waits. The scheduler finds due instances through its index, never by loading instances.
    Column("next_timer_at", UtcDateTime(), index=True),
    # The unit's latest submission of a result (Đ5.2b): what decides whether it was late.
    Column("submitted_at", UtcDateTime()),
    Column("submitted_on", Date),
    # Đ21: the officer responsible inside the lead unit, named by its head (migration 0013).
    Column("officer_sub", String(200)),
    Column("officer_name", String(300)),
    # The task's sector (Đ8.2a) and the units under its lead unit it was handed on to, in order
    # (Đ8.2c); migration 0014. NULL on tasks from before: no sector, handed on to none.
    Column("sector", String(40), index=True),
    Column("handed_units", JSON),
)
# The task list's order, newest first (migration 0008).
Index("ix_task_instances_created_at", task_instances.c.created_at, task_instances.c.task_id)
# A status's tasks, and those awaiting an extension decision, in that order (migration 0017):
# the home pages' queues, and any lookup by status.
for _column in (task_instances.c.status, task_instances.c.extension_pending):
    Index(
        f"ix_task_instances_{_column.name}_created_at",
        _column,
        task_instances.c.created_at.desc(),
        task_instances.c.task_id,
    )

# The units taking part in each task, one row each (`lead` or `coordinating`), kept in step with
# `lead_unit` and `coordinating_units` in the same transaction (release, transfer, amendment):
# what scopes a unit's lists, exactly (docs/contracts.md, Roles and scoping), through the index
# on the unit.
task_units = Table(
    "task_units",
    metadata,
    Column("task_id", String(32), primary_key=True),
    Column("unit", String(40), primary_key=True),
    Column("role", String(20), nullable=False),
)
Index("ix_task_units_unit", task_units.c.unit, task_units.c.task_id)
LEAD, COORDINATING, HANDED = "lead", "coordinating", "handed"

task_history = Table(
    "task_history",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task_id", String(32), nullable=False, index=True),
    Column("at", UtcDateTime(), nullable=False),
    Column("action", String(40), nullable=False),
    Column("status_from", String(20)),
    Column("status_to", String(20), nullable=False),
    Column("actor", JSON),
    Column("note", Text),
    # What the diagram was given (migration 0010): an action's engine payload, a correction's
    # changes, the release's start data; what the deploy preview replays (instances/replay.py).
    # NULL on entries written before it, and on those that gave the diagram nothing.
    Column("payload", JSON),
)

# Files units send with progress, results and contributions (Đ6.2a): uploaded first, then named
# by the action that sends them, which links them to its history entry (`history_id`). The bytes
# are in the file store (shared/files.py), named by `sha256`.
task_files = Table(
    "task_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("task_id", String(32), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
    Column("uploaded_by", JSON, nullable=False),
    Column("unit", String(40)),
    Column("history_id", Integer, index=True),
)


def task_unit_rows(
    task_id: str, lead: str, coordinating: Any, handed: Any = None
) -> list[dict[str, Any]]:
    """The `task_units` rows of a task: its lead unit, each coordinating unit and each unit it
    was handed on to (Đ8.2c) once."""
    roles = (
        {code: HANDED for code in handed or ()}
        | {code: COORDINATING for code in coordinating or ()}
        | {lead: LEAD}
    )
    return [{"task_id": task_id, "unit": code, "role": role} for code, role in roles.items()]


def _task_units(row: dict[str, Any]) -> list[tuple[Table, list[dict[str, Any]]]]:
    return [
        (
            task_units,
            task_unit_rows(
                row["task_id"],
                row["lead_unit"],
                row["coordinating_units"],
                row.get("handed_units"),
            ),
        )
    ]


def _sync_task_units(conn: Connection, task_id: str, values: dict[str, Any]) -> None:
    """A transfer or an amendment (Đ5.2a), or a hand-on (Đ8.2c), changes the units a task
    involves."""
    if not {"lead_unit", "coordinating_units", "handed_units"} & set(values):
        return
    t = task_instances.c
    row = conn.execute(
        select(t.lead_unit, t.coordinating_units, t.handed_units).where(t.task_id == task_id)
    ).one()
    conn.execute(delete(task_units).where(task_units.c.task_id == task_id))
    conn.execute(
        insert(task_units),
        task_unit_rows(task_id, row.lead_unit, row.coordinating_units, row.handed_units),
    )


def set_handed_units(conn: Connection, task_id: str, handed: list[str]) -> None:
    """The units a task was handed on to (Đ8.2c), and its `task_units` rows with them."""
    values = {"handed_units": handed}
    conn.execute(update(task_instances).where(task_instances.c.task_id == task_id).values(values))
    _sync_task_units(conn, task_id, values)


TASKS = InstanceTable(task_instances, "task_id", task_history, _task_units, _sync_task_units)


def latest_notes(conn: Connection, task_ids: list[str], action: str) -> dict[str, str | None]:
    """Each task's note on its latest history entry of `action`, in one query."""
    if not task_ids:
        return {}
    h = task_history.c
    rows = conn.execute(
        select(h.task_id, h.note)
        .where(h.task_id.in_(task_ids), h.action == action)
        .order_by(h.task_id, h.id)
    )
    return {row.task_id: row.note for row in rows}  # the latest entry of each task wins
