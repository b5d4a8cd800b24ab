"""Periodic reports (Đ18): generate a period's figures once and keep them, publish them (Đ16.2).

A stored report does not change when later events arrive: it is the record of what was reported.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, func, select, update

from services.reporting import config, domain, figures, office, queries
from services.reporting.store import annual_evaluations, office_evaluations, reports
from shared.auth import Principal
from shared.errors import NotFound
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.reporting.service import ReportingService

# What the public may see of a report: no author, no internal timestamps (Đ16.2).
PUBLIC_FIELDS = ("id", "period", "from", "to", "as_of", "published_at", "totals", "units")


# The Đ17.4 list a report keeps; a province's quarter has far fewer such tasks.
MAX_EXPLANATIONS = 10_000


def generate(
    uow: UnitOfWork,
    service: ReportingService,
    caller: Principal,
    period: str,
    start: date,
    end: date,
) -> dict[str, Any]:
    return store_report(uow, service, caller.to_actor(), caller.sub, period, start, end)


def store_report(
    uow: UnitOfWork,
    service: ReportingService,
    actor: dict[str, Any],
    author: str,
    period: str,
    start: date,
    end: date,
    schedule_key: str | None = None,
    extra: Callable[[Connection, queries.Scope], dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Compute the period's figures at `uow.now` and keep them; audited as `report.generated`.
    `extra` adds what a kind of report presents beside them (the annual report's inspections
    and feedback, annual.py)."""
    scope = figures.scope_for({"from_": start, "to": end}, uow.now, None)
    computed = figures.stats(uow.conn, scope, "unit")
    report_id = uuid.uuid4().hex
    body = {
        "totals": computed["totals"],
        "units": computed["units"],
        # By assigning leader: the UBND, the Chairman, each Vice-Chairman (Đ16.2's evaluation).
        "leaders": figures.stats(uow.conn, scope, "leader")["groups"],
        "explanations": _explanations(uow.conn, scope),
        "office": office_figures(uow.conn, service, scope),
        **(json.loads(json.dumps(extra(uow.conn, scope), default=_iso)) if extra else {}),
    }
    uow.conn.execute(
        reports.insert().values(
            id=report_id,
            period=period,
            from_date=start,
            to_date=end,
            as_of=scope.as_of,
            figures=json.dumps(body, ensure_ascii=False),
            generated_at=uow.now,
            generated_by=author,
            schedule_key=schedule_key,
        )
    )
    uow.audit(
        actor,
        "report.generated",
        "report",
        report_id,
        {
            "period": period,
            "from": start.isoformat(),
            "to": end.isoformat(),
            "total": computed["totals"]["total"],
            **({"schedule_key": schedule_key} if schedule_key else {}),
        },
    )
    return load(uow.conn, report_id)


def _explanations(conn: Connection, scope: queries.Scope) -> list[dict[str, Any]]:
    """The tasks units must explain in this period's reports (Đ17.4)."""
    rows, _ = queries.task_list(
        conn,
        scope,
        categories=queries.EXPLAINED,
        min_reworks=queries.EXPLAINED_REWORKS,
        limit=MAX_EXPLANATIONS,
        offset=0,
    )
    explained: list[dict[str, Any]] = json.loads(json.dumps(figures.task_rows(rows), default=_iso))
    return explained


def office_figures(
    conn: Connection, service: ReportingService, scope: queries.Scope
) -> dict[str, Any]:
    """The Office's own figures for the period: intake compliance by month (Đ6.1) and how long
    units' results waited for its confirmation (Đ16)."""
    months = []
    for year in range(scope.start.year, scope.end.year + 1):
        for month in figures.intake_compliance(conn, year)["months"]:
            first = date(year, month["month"], 1)
            if scope.start.replace(day=1) <= first <= scope.end:
                months.append({**month, "month": first.strftime("%Y-%m")})
    lag = office.confirmation_lag(
        conn, scope, service.runtime.calendar, config.confirmation_wait_days(service.runtime.env)
    )
    return {
        "intake": months,
        "confirmation_lag": json.loads(json.dumps(lag, default=_iso)),
    }


def publish(uow: UnitOfWork, caller: Principal, report_id: str) -> dict[str, Any]:
    """Make a report public once, with one `report.published` event; publishing again is a no-op."""
    return publish_report(uow, caller.to_actor(), caller.sub, report_id)


def publish_report(
    uow: UnitOfWork, actor: dict[str, Any] | None, author: str, report_id: str
) -> dict[str, Any]:
    """Publish once, by a person (the route) or because the Office published its approved
    evaluation of the report (`office_report.published`, Đ16.2)."""
    report = load(uow.conn, report_id)
    if report["published"]:
        return report
    uow.conn.execute(
        update(reports)
        .where(reports.c.id == report_id)
        .values(published_at=uow.now, published_by=author)
    )
    report = load(uow.conn, report_id)
    uow.emit("report.published", _public_fields(report), subject=report_id)
    uow.audit(actor, "report.published", "report", report_id, {"period": report["period"]})
    return report


def load(conn: Connection, report_id: str, *, published_only: bool = False) -> dict[str, Any]:
    query = select(reports).where(reports.c.id == report_id)
    if published_only:
        query = query.where(reports.c.published_at.is_not(None))
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy báo cáo.")
    return {
        **_shape(row, with_figures=True),
        "evaluation": evaluation_of(conn, report_id),
        "annual": annual_of(conn, report_id),
    }


def evaluation_of(conn: Connection, report_id: str) -> dict[str, Any] | None:
    """The Office's evaluation of the report as published (Đ16.2): the version its leader
    approved; None while none is published."""
    e = office_evaluations.c
    row = (
        conn.execute(
            select(office_evaluations)
            .where(e.report_id == report_id, e.published_at.is_not(None))
            .order_by(e.published_at.desc())
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return {
        "period": row["period"],
        "number": row["number"],
        "published_at": row["published_at"],
        "sections": json.loads(row["sections"]),
    }


def annual_of(conn: Connection, report_id: str) -> dict[str, Any] | None:
    """The Office's annual report on this regulation (Đ20.1) that presents these figures, as
    its leader approved and the Office published it; None while none is published."""
    a = annual_evaluations.c
    row = (
        conn.execute(
            select(annual_evaluations)
            .where(a.report_id == report_id, a.published_at.is_not(None))
            .order_by(a.published_at.desc())
        )
        .mappings()
        .first()
    )
    if row is None:
        return None
    return {
        "year": row["year"],
        "number": row["number"],
        "published_at": row["published_at"],
        "sections": json.loads(row["sections"]),
    }


def listing(
    conn: Connection, *, published_only: bool, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    where = [reports.c.published_at.is_not(None)] if published_only else []
    total = conn.execute(select(func.count()).select_from(reports).where(*where)).scalar_one()
    rows = conn.execute(
        select(reports)
        .where(*where)
        .order_by(reports.c.generated_at.desc(), reports.c.id)
        .limit(limit)
        .offset(offset)
    ).mappings()
    return [_shape(row, with_figures=True) for row in rows], int(total)


def public_view(report: dict[str, Any]) -> dict[str, Any]:
    """What the public routes answer: the published figures and the units in Đ21 order, ranked
    from those same stored figures (nothing the report does not itself contain)."""
    return {
        **_public_fields(report),
        **ranking_of(report),
        "evaluation": report.get("evaluation"),
        # The annual report (Đ20.1) publishes its inspections and feedback with the figures.
        **(
            {
                "annual": report["annual"],
                "inspections": report.get("inspections"),
                "feedback": report.get("feedback"),
            }
            if report.get("annual")
            else {}
        ),
    }


def ranking_of(report: dict[str, Any]) -> dict[str, Any]:
    """The report's units in Đ21 order, with the rule that orders them."""
    return {"rankings": domain.ranked(report["units"]), "ranking_rule": domain.RANKING_RULE}


def _public_fields(report: dict[str, Any]) -> dict[str, Any]:
    return {name: report[name] for name in PUBLIC_FIELDS}


def _shape(row: Any, *, with_figures: bool) -> dict[str, Any]:
    shaped = {
        "id": row["id"],
        "period": row["period"],
        "from": row["from_date"],
        "to": row["to_date"],
        "as_of": row["as_of"],
        "published": row["published_at"] is not None,
        "published_at": row["published_at"],
        "generated_at": row["generated_at"],
        "generated_by": row["generated_by"],
    }
    if with_figures:
        shaped.update(json.loads(row["figures"]))
    return shaped


def _iso(value: Any) -> str:
    """Dates and times in stored figures in ISO 8601 (RFC 3339 date-times), as every answer has."""
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
