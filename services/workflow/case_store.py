"""The tables of cases (processes other than a task's lifecycle) and their history."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from sqlalchemy import (
    JSON,
    Column,
    Connection,
    Date,
    Index,
    Integer,
    String,
    Table,
    Text,
    and_,
    delete,
    false,
    func,
    insert,
    or_,
    select,
    tuple_,
)

from services.workflow.instances.store import InstanceTable
from services.workflow.store import metadata
from shared.db import UtcDateTime

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

# The units a case names, one row per (role, unit) of its `parties` (e.g. ("inspected", "SO_TC")),
# kept in step with `parties` in the same transaction whenever the case is opened or its diagram
# changes them (an invited unit, Đ14.2; units consulted, Đ8.1b): what scopes a unit's lists,
# exactly, through the index on the unit. `*` stands for every unit (cases.EVERY_UNIT).
case_units = Table(
    "case_units",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("role", String(40), primary_key=True),
    Column("unit", String(40), primary_key=True),
)
Index("ix_case_units_unit", case_units.c.unit, case_units.c.case_id)

# People a case names by their account (`sub`), by role: the inspectors of an inspection, the
# Working Group's members assigned to it (Đ13), from its data's `inspectors`.
case_people = Table(
    "case_people",
    metadata,
    Column("case_id", String(32), primary_key=True),
    Column("role", String(40), primary_key=True),
    Column("sub", String(200), primary_key=True),
)
Index("ix_case_people_sub", case_people.c.sub, case_people.c.case_id)
INSPECTOR = "inspector"

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

# Files a case's party sends with an action (an information request's answer, Đ9.2): uploaded
# first, then named by the action's `attachments` ({name, file_id}), which links them to its
# history entry (`history_id`). The bytes are in the file store (shared/files.py).
case_files = Table(
    "case_files",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("case_id", String(32), nullable=False, index=True),
    Column("name", String(255), nullable=False),
    Column("size", Integer, nullable=False),
    Column("media_type", String(120), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("uploaded_at", UtcDateTime(), nullable=False),
    Column("uploaded_by", JSON, nullable=False),
    Column("unit", String(40)),
    Column("history_id", Integer, index=True),
)


def party_rows(case_id: str, parties: Any) -> set[tuple[str, str]]:
    """(role, unit) for each unit the case's parties name."""
    return {(role, code) for role, codes in (parties or {}).items() for code in codes or ()}


def people_rows(data: Any) -> set[tuple[str, str]]:
    """(role, sub) for each person the case's data names (its inspectors)."""
    named = (data or {}).get("inspectors") or ()
    return {(INSPECTOR, person["sub"]) for person in named if isinstance(person, dict)}


def _side_rows(row: dict[str, Any]) -> list[tuple[Table, list[dict[str, Any]]]]:
    case_id = row["case_id"]
    units = [
        {"case_id": case_id, "role": r, "unit": u}
        for r, u in sorted(party_rows(case_id, row["parties"]))
    ]
    people = [
        {"case_id": case_id, "role": r, "sub": v} for r, v in sorted(people_rows(row["data"]))
    ]
    return [(case_units, units), (case_people, people)]


def _sync_values(conn: Connection, case_id: str, values: dict[str, Any]) -> None:
    _sync(conn, case_id, values.get("parties"), values.get("data"))


def _sync(conn: Connection, case_id: str, parties: Any, data: Any) -> None:
    if parties is not None:
        _replace(conn, case_units, "unit", case_id, party_rows(case_id, parties))
    if data is not None:
        _replace(conn, case_people, "sub", case_id, people_rows(data))


def _replace(
    conn: Connection, table: Table, column: str, case_id: str, wanted: set[tuple[str, str]]
) -> None:
    """Make the case's rows of `table` exactly `wanted`, touching only those that change."""
    key = table.c[column]
    rows = conn.execute(select(table.c.role, key).where(table.c.case_id == case_id))
    existing = {(row[0], row[1]) for row in rows}
    gone, new = existing - wanted, wanted - existing
    if gone:
        conn.execute(
            delete(table).where(table.c.case_id == case_id, tuple_(table.c.role, key).in_(gone))
        )
    if new:
        conn.execute(
            insert(table), [{"case_id": case_id, "role": r, column: v} for r, v in sorted(new)]
        )


CASES = InstanceTable(cases, "case_id", case_history, _side_rows, _sync_values)


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
        # `%` and `_` in what people type are letters, not wildcards.
        query = query.where(cases.c.search_text.contains(q, autoescape=True))
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(cases.c.created_at.desc(), cases.c.case_id).limit(limit).offset(offset)
    ).mappings()
    return [dict(row) for row in rows], total


def queued_cases(
    conn: Connection,
    wanted: Mapping[str, Collection[str]],
    *,
    units: frozenset[str] | None,
    limit: int,
) -> tuple[list[dict[str, Any]], dict[str, int]]:
    """The open cases of each kind of `wanted` in one of its statuses (kind -> statuses), newest
    first, at most `limit` of each kind, and how many there are of each kind: two statements
    for every kind together."""
    if not wanted:
        return [], {}
    awaiting = or_(
        *(
            and_(cases.c.kind == kind, cases.c.status.in_(sorted(statuses)))
            for kind, statuses in wanted.items()
        )
    )
    conditions = [awaiting, cases.c.closed_at.is_(None)]
    if units is not None:
        conditions.append(involving(units))
    totals = conn.execute(
        select(cases.c.kind, func.count()).where(*conditions).group_by(cases.c.kind)
    ).all()
    rank = (
        func.row_number()
        .over(partition_by=cases.c.kind, order_by=(cases.c.created_at.desc(), cases.c.case_id))
        .label("rank")
    )
    columns = [c for c in cases.c if c.name != "state"]
    ranked = select(*columns, rank).where(*conditions).subquery()
    rows = conn.execute(
        select(*(ranked.c[c.name] for c in columns))
        .where(ranked.c.rank <= limit)
        .order_by(ranked.c.created_at.desc(), ranked.c.case_id)
    ).mappings()
    return [dict(row) for row in rows], {kind: count for kind, count in totals}


def involving(units: frozenset[str]) -> Any:
    """Cases naming any of `units` in a role, or every unit (`"*"`, cases.EVERY_UNIT), through
    `case_units`: exact by construction (a code is compared whole, never as a pattern)."""
    if not units:
        return false()
    named = select(case_units.c.case_id).where(case_units.c.unit.in_(sorted({*units, "*"})))
    return cases.c.case_id.in_(named)


def inspected_by(sub: str) -> Any:
    """The units inspected by a running inspection (status `in_progress`, bpmn/inspection.bpmn)
    that names `sub` among its inspectors (Đ11, Đ13): a query of unit codes."""
    return (
        select(case_units.c.unit)
        .join(cases, cases.c.case_id == case_units.c.case_id)
        .join(case_people, case_people.c.case_id == cases.c.case_id)
        .where(
            cases.c.kind == "inspection",
            cases.c.status == "in_progress",
            case_units.c.role == "inspected",
            case_people.c.role == INSPECTOR,
            case_people.c.sub == sub,
        )
    )


def inspects(conn: Connection, sub: str, unit: str) -> bool:
    """Whether a running inspection naming `sub` among its inspectors inspects `unit`."""
    query = inspected_by(sub).where(case_units.c.unit == unit).limit(1)
    return conn.execute(query).first() is not None
