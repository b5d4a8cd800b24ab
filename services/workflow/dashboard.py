"""The unit heads' and the Office's dashboard (Đ7.2a, Đ7.2c): a unit's tasks by status, overdue,
awaiting an extension decision or progress, and its open cases by kind (awaiting direction =
open `direction_request` cases, open correction requests = open `correction_request` cases,
whatever kinds exist); for the Office, the same over all units with one row per unit.

Every figure is a SQL aggregate: no instance is loaded, let alone its engine state. A task counts
for the unit that leads it; a case for every unit it names.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, and_, case, distinct, func, null, select

from services.workflow.case_store import case_units, cases, involving
from services.workflow.cases import EVERY_UNIT
from services.workflow.domain import CLOSED, STATUS_LABELS
from services.workflow.store import task_instances
from services.workflow.task_queries import late_condition
from shared.auth import Principal, unit_scope
from shared.errors import Forbidden

t = task_instances.c


class DashboardQuery(Schema):
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    leader = fields.String(load_default=None, validate=validate.Length(min=1, max=40))


class DashboardFigures(Schema):
    tasks = fields.Integer()
    open = fields.Integer()
    by_status = fields.Dict(
        keys=fields.String(validate=validate.OneOf(sorted(STATUS_LABELS))), values=fields.Integer()
    )
    overdue = fields.Integer()
    extension_pending = fields.Integer()
    progress_due = fields.Integer()
    open_cases = fields.Dict(keys=fields.String(), values=fields.Integer())


class DashboardUnitFigures(DashboardFigures):
    unit = fields.String()


class DashboardOut(Schema):
    as_of = fields.Date()
    unit = fields.String(allow_none=True)
    leader = fields.String(allow_none=True)
    totals = fields.Nested(DashboardFigures)
    units = fields.List(fields.Nested(DashboardUnitFigures))


def unit_for(principal: Principal, requested: str | None) -> str | None:
    """Unit staff see their own unit, or one under it (Đ7.2a, Đ8.2c); the Office and leaders
    see any unit, or all."""
    scope = unit_scope(principal)
    if scope is None:
        return requested
    if not scope or (requested is not None and requested not in scope):
        raise Forbidden("Bạn chỉ xem được tổng hợp của đơn vị mình.")
    return requested or principal.unit


def _empty() -> dict[str, Any]:
    return {
        "tasks": 0,
        "open": 0,
        "by_status": {},
        "overdue": 0,
        "extension_pending": 0,
        "progress_due": 0,
        "open_cases": {},
    }


def _count(condition: Any) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _task_counts(conn: Connection, today: date, unit: str | None, leader: str | None) -> list[Any]:
    still_open = t.status.not_in(sorted(CLOSED))
    query = select(
        t.lead_unit,
        t.status,
        func.count().label("tasks"),
        _count(late_condition(today)).label("overdue"),
        _count(and_(still_open, t.extension_pending)).label("extension_pending"),
        _count(and_(still_open, t.progress_due)).label("progress_due"),
    ).group_by(t.lead_unit, t.status)
    if unit:
        query = query.where(t.lead_unit == unit)
    if leader:
        query = query.where(t.assigned_by == leader)
    return list(conn.execute(query))


def _case_counts(conn: Connection, unit: str | None, leader: str | None) -> list[Any]:
    """Open cases by kind (`unit` None: in the totals) and by kind and unit they name."""
    open_cases = select(cases.c.case_id, cases.c.kind).where(cases.c.closed_at.is_(None))
    if unit:
        open_cases = open_cases.where(involving(frozenset({unit})))
    if leader:
        led = select(t.task_id).where(t.assigned_by == leader)
        open_cases = open_cases.where(cases.c.task_id.in_(led))
    chosen = open_cases.subquery()
    totals = select(chosen.c.kind, null().label("unit"), func.count().label("n")).group_by(
        chosen.c.kind
    )
    named = (
        select(chosen.c.kind, case_units.c.unit, func.count(distinct(chosen.c.case_id)).label("n"))
        .join(case_units, case_units.c.case_id == chosen.c.case_id)
        .group_by(chosen.c.kind, case_units.c.unit)
    )
    if unit:
        named = named.where(case_units.c.unit == unit)
    return [*conn.execute(totals), *conn.execute(named)]


def summary(conn: Connection, today: date, unit: str | None, leader: str | None) -> dict[str, Any]:
    rows: dict[str, dict[str, Any]] = defaultdict(_empty)
    totals = _empty()
    for row in _task_counts(conn, today, unit, leader):
        for figures in (rows[row.lead_unit], totals):
            figures["tasks"] += row.tasks
            figures["open"] += 0 if row.status in CLOSED else row.tasks
            figures["by_status"][row.status] = figures["by_status"].get(row.status, 0) + row.tasks
            for key in ("overdue", "extension_pending", "progress_due"):
                figures[key] += int(row._mapping[key])
    for row in _case_counts(conn, unit, leader):
        if row.unit is None:
            totals["open_cases"][row.kind] = row.n
        elif row.unit != EVERY_UNIT:
            # A case for every unit (a reporting period, Đ18) is in the totals, not in a row.
            named = rows[row.unit]["open_cases"]
            named[row.kind] = named.get(row.kind, 0) + row.n
    if unit is not None:
        rows.setdefault(unit, _empty())  # a unit with nothing open still has its row
    return {
        "as_of": today,
        "unit": unit,
        "leader": leader,
        "totals": totals,
        "units": [{"unit": code, **rows[code]} for code in sorted(rows)],
    }
