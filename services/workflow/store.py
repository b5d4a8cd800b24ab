"""The workflow service's tables: deployed diagrams, task instances and their history."""

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
    and_,
    case,
    delete,
    false,
    func,
    insert,
    not_,
    or_,
    select,
    true,
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
    Column("status", String(20), nullable=False, index=True),
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
    # changes, the release's start data; what the deploy preview replays (instances/preview.py).
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


def newest_model(conn: Connection, process_id: str) -> dict[str, Any] | None:
    return _one_model(
        conn,
        select(process_models)
        .where(process_models.c.process_id == process_id)
        .order_by(process_models.c.version.desc())
        .limit(1),
    )


def active_model(conn: Connection, process_id: str) -> dict[str, Any] | None:
    """The version new instances of the process start on."""
    return _one_model(
        conn,
        select(process_models).where(
            process_models.c.process_id == process_id, process_models.c.active
        ),
    )


def model(conn: Connection, process_id: str, version: int) -> dict[str, Any] | None:
    return _one_model(
        conn,
        select(process_models).where(
            process_models.c.process_id == process_id, process_models.c.version == version
        ),
    )


def model_with_digest(conn: Connection, process_id: str, digest: str) -> dict[str, Any] | None:
    """The newest version of the process whose diagram has this sha256, if any ever had."""
    return _one_model(
        conn,
        select(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.sha256 == digest)
        .order_by(process_models.c.version.desc())
        .limit(1),
    )


def _one_model(conn: Connection, query: Any) -> dict[str, Any] | None:
    row = conn.execute(query).mappings().first()
    return dict(row) if row else None


MODEL_FIELDS = (
    "process_id",
    "version",
    "sha256",
    "deployed_at",
    "deployed_by",
    "source",
    "active",
    "activated_at",
    "activated_by",
)


def list_models(conn: Connection, process_id: str | None = None) -> list[dict[str, Any]]:
    query = select(*(process_models.c[name] for name in MODEL_FIELDS)).order_by(
        process_models.c.process_id, process_models.c.version
    )
    if process_id is not None:
        query = query.where(process_models.c.process_id == process_id)
    return [dict(row) for row in conn.execute(query).mappings()]


def add_model(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(process_models).values(**row))


def set_active_model(conn: Connection, process_id: str, version: int, now: Any, by: str) -> None:
    """Make `version` the process's active one (the row exists), in the caller's transaction."""
    conn.execute(
        update(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.active)
        .values(active=False)
    )
    conn.execute(
        update(process_models)
        .where(process_models.c.process_id == process_id, process_models.c.version == version)
        .values(active=True, activated_at=now, activated_by=by)
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


def list_instances(
    conn: Connection,
    *,
    units: frozenset[str] | None,
    unit: str | None,
    status: str | None,
    overdue: bool | None,
    today: Any,
    q: str | None,
    limit: int,
    offset: int,
    progress_due: bool | None = None,
    extension_pending: bool | None = None,
    order: str | None = None,
    led_by: Any = None,
    assigned: tuple[str | None, Any, Any] = (None, None, None),
    sectors: frozenset[str] = frozenset(),
    sector: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Tasks, scoped to those `units` take part in (None: all) and, with `led_by` (a query of
    unit codes), also to those these units lead (an inspector's inspected units, Đ11), and to
    those in `sectors` (a department's, Đ8.2a); `sector` filters by one sector."""
    filters: dict[str, Any] = {
        "unit": unit,
        "status": status,
        "overdue": overdue,
        "q": q,
        "progress_due": progress_due,
        "extension_pending": extension_pending,
        "assigned": assigned,
        "sector": sector,
    }
    query = select(task_instances.c.task_id).where(
        *scope_conditions(units, led_by, sectors), *instance_conditions(today=today, **filters)
    )
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = page_instances(
        conn,
        units=units,
        led_by=led_by,
        sectors=sectors,
        today=today,
        limit=limit,
        offset=offset,
        order=order,
        **filters,
    )
    return items, total


def page_instances(
    conn: Connection,
    *,
    units: frozenset[str] | None,
    today: Any,
    limit: int,
    offset: int = 0,
    order: str | None = None,
    led_by: Any = None,
    sectors: frozenset[str] = frozenset(),
    **filters: Any,
) -> list[dict[str, Any]]:
    """One page of list_instances's tasks, without their total."""
    columns = [c for c in task_instances.c if c.name != "state"]
    query = select(*columns).where(
        *scope_conditions(units, led_by, sectors), *instance_conditions(today=today, **filters)
    )
    ordering = (
        (task_instances.c.submitted_at.asc(), task_instances.c.task_id)
        if order == "submitted"
        else (task_instances.c.created_at.desc(), task_instances.c.task_id)
    )
    rows = conn.execute(query.order_by(*ordering).limit(limit).offset(offset)).mappings()
    return [dict(row) for row in rows]


def count_instances(
    conn: Connection,
    filters: dict[str, dict[str, Any]],
    *,
    units: frozenset[str] | None,
    today: Any,
    led_by: Any = None,
    sectors: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """How many tasks list_instances would total under each of `filters` (name -> its filter
    arguments), in one statement."""
    if not filters:
        return {}
    each = {
        name: and_(true(), *instance_conditions(today=today, **f)) for name, f in filters.items()
    }
    counts = [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
        for name, condition in each.items()
    ]
    # Only the rows of some queue are read (through their indexes where the database can).
    row = conn.execute(
        select(*counts)
        .select_from(task_instances)
        .where(*scope_conditions(units, led_by, sectors), or_(*each.values()))
    ).one()
    return {name: int(row._mapping[name]) for name in filters}


def scope_conditions(
    units: frozenset[str] | None, led_by: Any = None, sectors: frozenset[str] = frozenset()
) -> list[Any]:
    """The tasks `units` take part in (None: all), with `led_by` also those these units lead
    (Đ11), and with `sectors` also those of these sectors (a department's, Đ8.2a)."""
    if units is None:
        return []
    scope = involving(units)
    if led_by is not None:
        scope = or_(scope, task_instances.c.lead_unit.in_(led_by))
    if sectors:
        scope = or_(scope, task_instances.c.sector.in_(sorted(sectors)))
    return [scope]


def instance_conditions(
    *,
    today: Any,
    unit: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    progress_due: bool | None = None,
    extension_pending: bool | None = None,
    assigned: tuple[str | None, Any, Any] = (None, None, None),
    sector: str | None = None,
    order: str | None = None,  # not a condition: how list_instances sorts
) -> list[Any]:
    """The conditions of list_instances's filters."""
    t = task_instances.c
    conditions: list[Any] = []
    if sector:
        conditions.append(t.sector == sector)
    if unit:
        conditions.append(involving(frozenset({unit})))
    if status:
        conditions.append(t.status == status)
    if overdue is not None:
        late = late_condition(today)
        conditions.append(late if overdue else or_(t.due_on.is_(None), not_(late)))
    if progress_due is not None:
        conditions.append(t.progress_due.is_(progress_due))
    if extension_pending is not None:
        conditions.append(t.extension_pending.is_(extension_pending))
    assigned_by, assigned_from, assigned_to = assigned
    if assigned_by:
        conditions.append(t.assigned_by == assigned_by)
    if assigned_from:
        conditions.append(t.assigned_on >= assigned_from)
    if assigned_to:
        conditions.append(t.assigned_on <= assigned_to)
    if q:
        # `%` and `_` in what people type are letters, not wildcards.
        conditions.append(t.search_text.contains(q, autoescape=True))
    return conditions


def late_condition(today: Any) -> Any:
    """The rule of domain.is_overdue in SQL, so that totals and pages agree: past the due date
    and not finished, unless the unit submitted its result by the due date and it waits for the
    Office (Đ5.2b, Đ6.2a)."""
    t = task_instances.c
    submitted_in_time = and_(t.status == "submitted", t.submitted_on <= t.due_on)
    return and_(
        t.due_on < today, t.status.not_in(("completed", "withdrawn")), not_(submitted_in_time)
    )


def involving(units: frozenset[str]) -> Any:
    """Tasks that any of `units` leads or coordinates, through `task_units`: exact by
    construction (a code is compared whole, never as a pattern)."""
    if not units:
        return false()
    taking_part = select(task_units.c.task_id).where(task_units.c.unit.in_(sorted(units)))
    return task_instances.c.task_id.in_(taking_part)
