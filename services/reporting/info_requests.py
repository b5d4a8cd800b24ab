"""Ad-hoc information requests in a unit's figures for a period (Đ8.1d, Đ9.2):
`GET /api/reporting/info-requests?period=…|from&to&unit=`.

A request counts if the Office sent it in [from, to], on or before the cut-off (the end of `to`,
or now if earlier), like a task. At the cut-off it was answered on time (on or before the due
date of the round it answered), answered late, unanswered and overdue (the due date has passed;
a request the Office closed unanswered before the cut-off drops out), or unanswered and not yet
due. A request for more information starts a new round with a new due date: the request is
unanswered again until the unit answers it. Figures are SQL aggregates, grouped by unit.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import ColumnElement, Connection, and_, case, func, not_, select

from services.reporting import lookups, queries, store
from services.reporting.schemas import PeriodQuery

if TYPE_CHECKING:
    pass

PREFIX = "/api/reporting"
FIGURES = ("received", "answered_on_time", "answered_late", "unanswered_overdue", "pending")
f = store.info_request_facts.c


class InfoRequestQuery(PeriodQuery):
    unit = fields.String(load_default=None, validate=validate.Length(max=40))


class InfoRequestCounts(Schema):
    received = fields.Integer()
    answered_on_time = fields.Integer()
    answered_late = fields.Integer()
    unanswered_overdue = fields.Integer()
    pending = fields.Integer()


class InfoRequestUnitCounts(InfoRequestCounts):
    unit = fields.String()
    name = fields.String(allow_none=True)


class InfoRequestStatsOut(Schema):
    period = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    totals = fields.Nested(InfoRequestCounts)
    units = fields.List(fields.Nested(InfoRequestUnitCounts))


def _categories(scope: queries.Scope) -> dict[str, ColumnElement[bool]]:
    answered = and_(f.answered_on.isnot(None), f.answered_on <= scope.as_of_date)
    closed = and_(f.closed_at.isnot(None), f.closed_at <= scope.as_of)
    waiting = and_(not_(answered), not_(closed))
    overdue = and_(f.due_on.isnot(None), f.due_on < scope.as_of_date)
    return {
        "answered_on_time": and_(answered, not_(f.answered_late)),
        "answered_late": and_(answered, f.answered_late),
        "unanswered_overdue": and_(waiting, overdue),
        "pending": and_(waiting, not_(overdue)),
    }


def counts(conn: Connection, scope: queries.Scope) -> list[dict[str, Any]]:
    """One row per unit: the requests it received in the period and how they stood."""
    sums = [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
        for name, condition in _categories(scope).items()
    ]
    query = (
        select(f.unit, func.count().label("received"), *sums)
        .where(
            f.opened_on >= scope.start,
            f.opened_on <= scope.end,
            f.opened_on <= scope.as_of_date,
        )
        .group_by(f.unit)
        .order_by(f.unit)
    )
    if scope.unit:
        query = query.where(f.unit == scope.unit)
    return [
        {"unit": row.unit, **{name: int(row._mapping[name]) for name in FIGURES}}
        for row in conn.execute(query)
    ]


def stats(conn: Connection, scope: queries.Scope) -> dict[str, Any]:
    rows = counts(conn, scope)
    names = lookups.unit_names(conn, [row["unit"] for row in rows])
    return {
        "from": scope.start,
        "to": scope.end,
        "as_of": scope.as_of,
        "totals": {name: sum(row[name] for row in rows) for name in FIGURES},
        "units": [{**row, "name": names.get(row["unit"])} for row in rows],
    }
