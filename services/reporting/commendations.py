"""Commendation and discipline candidates (Đ21) by the written rule of docs/counting.md, "Khen
thưởng và kỷ luật (Đ21)": from the read model, for units (the lead unit of each task) and for
officers (the officer each task's lead unit named responsible). The Office's proposals case
(`commendation`, in the workflow) starts from this list; its items are shaped as that case's
candidates."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, Connection, case, func, select

from services.reporting import lookups, queries
from services.reporting.queries import t

# Đ21.1, Đ21.2: at least this many tasks due in the period, every one completed on time.
COMMEND_MIN_DUE = 3
# Đ21.3 by Đ17.4's words ("trễ hạn", "thường xuyên không đạt yêu cầu"): this many tasks late
# (completed late or still overdue), or one task sent back for rework this many times.
REVIEW_MIN_LATE = 2
REVIEW_REWORKS = queries.EXPLAINED_REWORKS

RULE = (
    f"Đề xuất khen thưởng (Điều 21 khoản 1, 2): đơn vị, cá nhân có từ {COMMEND_MIN_DUE} nhiệm "
    "vụ đến hạn trong kỳ trở lên, tất cả hoàn thành đúng hạn, không nhiệm vụ nào bị trả lại "
    f"từ {REVIEW_REWORKS} lần. Đề xuất kiểm điểm, xử lý (Điều 21 khoản 3, Điều 17 khoản 4): "
    f"đơn vị, cá nhân có từ {REVIEW_MIN_LATE} nhiệm vụ hoàn thành quá hạn hoặc đang quá hạn "
    f"trở lên, hoặc có nhiệm vụ bị trả lại từ {REVIEW_REWORKS} lần trở lên."
)

FIGURES = ("completed_on_time", "completed_late", "in_progress_overdue", "reworked")


def _sums(scope: queries.Scope) -> list[ColumnElement[Any]]:
    buckets = queries.buckets(scope)
    sums: list[ColumnElement[Any]] = [
        func.sum(case((buckets[name], 1), else_=0)).label(name) for name in FIGURES[:3]
    ]
    sums.append(func.sum(case((t.rework_count >= REVIEW_REWORKS, 1), else_=0)).label("reworked"))
    return sums


def proposal(figures: dict[str, int]) -> str | None:
    """`commend`, `review` or None, by the rule (RULE; docs/counting.md)."""
    late = figures["completed_late"] + figures["in_progress_overdue"]
    if late >= REVIEW_MIN_LATE or figures["reworked"] > 0:
        return "review"
    due = figures["completed_on_time"] + late
    if due >= COMMEND_MIN_DUE and late == 0:
        return "commend"
    return None


def _reason(kind: str, figures: dict[str, int]) -> str:
    if kind == "commend":
        return (
            f"{figures['completed_on_time']} nhiệm vụ đến hạn, tất cả hoàn thành đúng hạn "
            "(Điều 21 khoản 1, 2)."
        )
    parts = []
    if figures["completed_late"]:
        parts.append(f"{figures['completed_late']} nhiệm vụ hoàn thành quá hạn")
    if figures["in_progress_overdue"]:
        parts.append(f"{figures['in_progress_overdue']} nhiệm vụ đang quá hạn")
    if figures["reworked"]:
        parts.append(f"{figures['reworked']} nhiệm vụ bị trả lại từ {REVIEW_REWORKS} lần")
    return "; ".join(parts) + " (Điều 21 khoản 3, Điều 17 khoản 4)."


def _candidate(key: str, subject: str, unit: str, name: str, sub: str | None, row: Any) -> Any:
    figures = {name_: int(getattr(row, name_) or 0) for name_ in FIGURES}
    kind = proposal(figures)
    if kind is None:
        return None
    return {
        "key": key,
        "subject": subject,
        "unit": unit,
        "name": name,
        "sub": sub,
        "proposal": kind,
        "reason": _reason(kind, figures),
        "figures": figures,
    }


def candidates(conn: Connection, scope: queries.Scope) -> list[dict[str, Any]]:
    """Units then officers the rule proposes, commendation first, each in code or name order."""
    where = scope.conditions()
    by_unit = conn.execute(
        select(t.lead_unit, *_sums(scope)).where(*where).group_by(t.lead_unit).order_by(t.lead_unit)
    ).all()
    names = lookups.unit_names(conn, [row.lead_unit for row in by_unit])
    found = [
        _candidate(
            f"unit:{row.lead_unit}",
            "unit",
            row.lead_unit,
            names.get(row.lead_unit, row.lead_unit),
            None,
            row,
        )
        for row in by_unit
    ]
    officer_name = func.max(t.officer_name).label("officer_name")
    by_officer = conn.execute(
        select(t.officer_sub, t.lead_unit, officer_name, *_sums(scope))
        .where(*where, t.officer_sub.is_not(None))
        .group_by(t.officer_sub, t.lead_unit)
        .order_by(t.lead_unit, t.officer_sub)
    ).all()
    found += [
        _candidate(
            f"officer:{row.lead_unit}:{row.officer_sub}",
            "officer",
            row.lead_unit,
            row.officer_name or row.officer_sub,
            row.officer_sub,
            row,
        )
        for row in by_officer
    ]
    chosen = [c for c in found if c is not None]
    return sorted(chosen, key=lambda c: (c["proposal"] != "commend", c["subject"] != "unit"))
