"""The year's figures of the Office's annual report on this regulation (Đ20.1), assembled from
the read model: the year's tasks in the national categories by unit and by assigning leader, the
Office's own intake and confirmation figures (as the Office's evaluation report has them,
reports.py), the inspections held and their conclusions (Đ10–Đ15) beside the year's plan
(Đ10.1a), and the feedback on other units the Office received and handled (Đ16.6, Đ17.2,
Đ17.3). `GET /api/reporting/annual?year=` answers them live; `POST /api/reporting/annual` keeps
them as a stored report (period `<year>`), the record the annual report presents and publishes.

Inspections and feedback are few (a province holds tens a year), so they are tallied here."""

from __future__ import annotations

import json
from collections import Counter
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from services.reporting import figures, lookups, queries, store

if TYPE_CHECKING:
    from services.reporting.service import ReportingService

# Đ15.3b: the result the inspection's report gives each inspected unit.
RESULTS = {
    "done": "Đã thực hiện đúng nhiệm vụ được giao",
    "not_done": "Chưa thực hiện nhiệm vụ được giao",
    "done_wrongly": "Thực hiện không đúng, không đầy đủ nhiệm vụ được giao",
}
KINDS = {
    "inspection": "Tổ công tác kiểm tra",
    "unit_inspection": "Đơn vị tự kiểm tra",
}
FORMS = {"regular": "Thường xuyên, định kỳ theo kế hoạch", "ad_hoc": "Đột xuất"}  # Đ12
OUTCOMES = {
    "urged": "Đôn đốc đơn vị liên quan",
    "directed": "Xin và có ý kiến chỉ đạo",
    "dismissed": "Phản hồi không có cơ sở",
}


def year_scope(year: int, now: Any) -> queries.Scope:
    return figures.scope_for({"from_": date(year, 1, 1), "to": date(year, 12, 31)}, now, None)


def extra(conn: Connection, scope: queries.Scope) -> dict[str, Any]:
    """What the annual report adds to a year's stored figures: inspections and feedback."""
    return {
        "inspections": inspections(conn, scope),
        "feedback": feedback(conn, scope),
    }


def assemble(conn: Connection, service: ReportingService, year: int, now: Any) -> dict[str, Any]:
    """The year's figures as of now (or the year's end, when it is over)."""
    from services.reporting import reports  # reports imports this module's `extra`

    scope = year_scope(year, now)
    counted = figures.stats(conn, scope, "unit")
    return {
        "year": year,
        "from": scope.start,
        "to": scope.end,
        "as_of": scope.as_of,
        "totals": counted["totals"],
        "units": counted["units"],
        # By assigning leader: the UBND, the Chairman, each Vice-Chairman.
        "leaders": figures.stats(conn, scope, "leader")["groups"],
        "office": reports.office_figures(conn, service, scope),
        **extra(conn, scope),
    }


def inspections(conn: Connection, scope: queries.Scope) -> dict[str, Any]:
    """The inspections held in the year — ended in it by the cut-off, not cancelled — with the
    result their reports (Đ15.3) gave each inspected unit; those still running at the cut-off;
    the inspections the year's approved plans planned (Đ10.1a)."""
    f = store.inspection_facts.c
    rows = [
        dict(row)
        for row in conn.execute(
            select(store.inspection_facts).where(f.opened_on <= scope.as_of_date)
        ).mappings()
    ]
    held = [
        r
        for r in rows
        if not r["cancelled"]
        and r["ended_on"] is not None
        and scope.start <= r["ended_on"] <= min(scope.end, scope.as_of_date)
    ]
    running = [
        r
        for r in rows
        if not r["cancelled"]
        and r["status"] != "pending_approval"
        and (r["ended_on"] is None or r["ended_on"] > scope.as_of_date)
    ]
    codes = sorted({code for r in held for code in json.loads(r["units"])})
    items = []
    results: Counter[str] = Counter()
    for r in sorted(held, key=lambda r: (r["ended_on"], r["case_id"])):
        reported = r["reported_on"] is not None and r["reported_on"] <= scope.as_of_date
        concluded = json.loads(r["conclusions"]) if reported and r["conclusions"] else []
        codes += [c["unit"] for c in concluded]
        results.update(c["result"] for c in concluded)
        items.append(
            {
                "case_id": r["case_id"],
                "kind": r["kind"],
                "kind_label": KINDS.get(r["kind"], r["kind"]),
                "form": r["form"],
                "form_label": FORMS.get(r["form"] or ""),
                "units": json.loads(r["units"]),
                "ended_on": r["ended_on"],
                "reported_on": r["reported_on"] if reported else None,
                "presented_on": r["presented_on"]
                if r["presented_on"] and r["presented_on"] <= scope.as_of_date
                else None,
                "conclusions": concluded,
            }
        )
    names = lookups.unit_names(conn, sorted(set(codes)))
    for item in items:
        item["unit_names"] = [names.get(code, code) for code in item["units"]]
        for c in item["conclusions"]:
            c["name"] = names.get(c["unit"], c["unit"])
            c["result_label"] = RESULTS.get(c["result"], c["result"])
    kinds = Counter(r["kind"] for r in held)
    forms = Counter(r["form"] for r in held)
    return {
        "totals": {
            "held": len(held),
            "working_group": kinds["inspection"],
            "unit_own": kinds["unit_inspection"],
            "regular": forms["regular"],
            "ad_hoc": forms["ad_hoc"],
            "reported": sum(1 for item in items if item["reported_on"]),
            "presented": sum(1 for item in items if item["presented_on"]),
            "running": len(running),
            "units_inspected": len({code for item in items for code in item["units"]}),
            "planned": _planned(conn, scope),
        },
        "results": {name: results[name] for name in RESULTS},
        "result_labels": RESULTS,
        "items": items,
    }


def _planned(conn: Connection, scope: queries.Scope) -> int:
    """Inspections in the year's plans the leader approved by the cut-off (Đ10.1a)."""
    p = store.inspection_plan_facts.c
    query = select(p["items"]).where(
        p.year == scope.start.year, p.approved_on.is_not(None), p.approved_on <= scope.as_of_date
    )
    return int(sum(conn.execute(query).scalars()))


def feedback(conn: Connection, scope: queries.Scope) -> dict[str, Any]:
    """Feedback received in the year (Đ16.6, Đ17.2, Đ17.3) and, at the cut-off, how much the
    Office had handled, how (urged the unit, a leader's direction, dismissed), and how much of
    it after its due date."""
    f = store.feedback_facts.c
    query = select(store.feedback_facts).where(
        f.received_on >= scope.start, f.received_on <= min(scope.end, scope.as_of_date)
    )
    rows = [dict(row) for row in conn.execute(query).mappings()]
    handled = [r for r in rows if r["handled_on"] and r["handled_on"] <= scope.as_of_date]
    outcomes = Counter(r["outcome"] for r in handled)
    late = [r for r in handled if r["due_on"] is not None and r["handled_on"] > r["due_on"]]
    return {
        "received": len(rows),
        "handled": len(handled),
        "handled_late": len(late),
        "outstanding": len(rows) - len(handled),
        "outcomes": {name: outcomes[name] for name in OUTCOMES},
        "outcome_labels": OUTCOMES,
    }
