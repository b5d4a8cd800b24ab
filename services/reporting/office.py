"""The Office's own figures beside its intake compliance (Đ6.1): how long units' results wait
for its confirmation or its request for rework. A unit is judged by when it submitted (Đ5.2b);
the time the Office then takes is the Office's, counted here in working days."""

from __future__ import annotations

import math
import statistics
from collections import defaultdict
from datetime import datetime, time
from typing import Any

from sqlalchemy import Connection, or_, select

from services.reporting import lookups, queries, store
from shared.calendar import TZ, WorkingCalendar, local_date

s = store.submissions.c
t = store.task_facts.c
d = store.document_intake.c
DECIDED = ("confirmed", "rework")


def confirmation_lag(
    conn: Connection, scope: queries.Scope, calendar: WorkingCalendar, wait_days: int
) -> dict[str, Any]:
    """Per month of the Office's decision in [start, end] (up to the cut-off): how many results
    it confirmed or sent back, and the median and 90th percentile of their wait; and the results
    still waiting at the cut-off for more than `wait_days` working days, oldest first."""
    months: dict[str, list[int]] = defaultdict(list)
    decisions: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(DECIDED, 0))
    for row in conn.execute(_decided(scope)):
        decided_on = local_date(row.decided_at)
        if not scope.start <= decided_on <= scope.end:
            continue
        month = decided_on.strftime("%Y-%m")
        months[month].append(
            calendar.working_days_between(local_date(row.submitted_at), decided_on)
        )
        decisions[month][row.decision] += 1
    rows = [_figures(month, months[month], decisions[month]) for month in sorted(months)]
    every = [days for month in months.values() for days in month]
    totals = _figures(None, every, {k: sum(m[k] for m in decisions.values()) for k in DECIDED})
    return {
        "from": scope.start,
        "to": scope.end,
        "as_of": scope.as_of,
        "wait_days": wait_days,
        "months": rows,
        "totals": totals,
        "waiting": _waiting(conn, scope, calendar, wait_days),
    }


def _decided(scope: queries.Scope) -> Any:
    """Decisions from the period's first local day to the cut-off (the index on decided_at)."""
    first = datetime.combine(scope.start, time(0), tzinfo=TZ)
    return select(s.submitted_at, s.decided_at, s.decision).where(
        s.decision.in_(DECIDED), s.decided_at >= first, s.decided_at <= scope.as_of
    )


def _figures(month: str | None, days: list[int], decisions: dict[str, int]) -> dict[str, Any]:
    return {
        "month": month,
        "decided": len(days),
        "confirmed": decisions["confirmed"],
        "rework": decisions["rework"],
        "median_days": statistics.median(days) if days else None,
        "p90_days": percentile(days, 0.9),
    }


def percentile(values: list[int], fraction: float) -> int | None:
    """Nearest-rank percentile: the smallest value with at least `fraction` of them at or below."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


def _waiting(
    conn: Connection, scope: queries.Scope, calendar: WorkingCalendar, wait_days: int
) -> list[dict[str, Any]]:
    """Results submitted by the cut-off and not decided by then, waiting past `wait_days`."""
    query = (
        select(
            s.task_id,
            s.submitted_at,
            s.lead_unit,
            t.content,
            t.due_on,
            t.document_id,
            d.number.label("document_number"),
        )
        .select_from(
            store.submissions.outerjoin(store.task_facts, t.task_id == s.task_id).outerjoin(
                store.document_intake, d.document_id == t.document_id
            )
        )
        .where(
            s.submitted_at <= scope.as_of,
            or_(s.decided_at.is_(None), s.decided_at > scope.as_of),
            # A task withdrawn before the cut-off no longer waits for anyone.
            or_(t.withdrawn_at.is_(None), t.withdrawn_at > scope.as_of),
        )
        .order_by(s.submitted_at, s.task_id)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    names = lookups.unit_names(conn, sorted({row["lead_unit"] for row in rows}))
    waiting = []
    for row in rows:
        days = calendar.working_days_between(local_date(row["submitted_at"]), scope.as_of_date)
        if days > wait_days:
            waiting.append(
                {**row, "lead_unit_name": names.get(row["lead_unit"]), "waiting_days": days}
            )
    return waiting
