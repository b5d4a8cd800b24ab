"""Statistics over the read model, in SQL: category counts grouped by unit, document or assigning
leader, and the tasks behind each number (drill-down). Every figure is computed by the database,
never by looping over rows in Python, so a quarter over a million tasks stays fast."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    and_,
    case,
    func,
    literal,
    not_,
    or_,
    select,
)

from services.reporting.store import document_intake, task_facts, units

t = task_facts.c
d = document_intake.c
u = units.c
UNKNOWN_LEADER = "khong_ro"
VICE_CHAIRMAN = "pho_chu_tich"
LEADER = func.coalesce(t.assigned_by, UNKNOWN_LEADER)
# A Vice-Chairman's tasks are told apart by the document's signer; until its document.released
# arrives (or if that event predates the signer), NULL: the task counts under plain pho_chu_tich.
SIGNER = case((t.assigned_by == VICE_CHAIRMAN, d.signer_name), else_=None)
GROUPS: dict[str, tuple[ColumnElement[Any], ...]] = {
    "unit": (t.lead_unit.label("key"),),
    "document": (t.document_id.label("key"),),
    "leader": (LEADER.label("leader"), SIGNER.label("signer_name")),
    # Đ21: the officer responsible inside the lead unit; tasks without one count for none.
    "officer": (t.officer_sub.label("key"),),
}


@dataclass(frozen=True)
class Scope:
    """Which tasks a figure covers: assigned in [start, end], seen at the cut-off `as_of`."""

    start: date
    end: date
    as_of: datetime
    as_of_date: date
    unit: str | None = None
    document: str | None = None
    assigned_by: str | None = None
    signer: str | None = None
    sector: str | None = None  # Đ8.2a

    def conditions(self) -> list[ColumnElement[bool]]:
        found = [
            t.assigned_on >= self.start,
            t.assigned_on <= self.end,
            t.assigned_on <= self.as_of_date,
            # Withdrawn tasks leave the figures from the moment of withdrawal only.
            or_(t.withdrawn_at.is_(None), t.withdrawn_at > self.as_of),
        ]
        if self.unit:
            found.append(t.lead_unit == self.unit)
        if self.sector:
            found.append(t.sector == self.sector)
        if self.document:
            found.append(t.document_id == self.document)
        if self.assigned_by:
            found.append(t.assigned_by == self.assigned_by)
        if self.signer:
            # A subquery, not a join: the counts by unit or document stay on task_facts alone.
            signed = select(d.document_id).where(d.signer_name == self.signer)
            found.append(t.document_id.in_(signed))
        return found


def buckets(scope: Scope) -> dict[str, ColumnElement[bool]]:
    """The categories at the cut-off (docs/counting.md). A task is completed when its unit
    submitted the result the Office confirmed (Đ5.2b); a submission after the cut-off has not
    happened yet. A result submitted by the due date that waits for the Office keeps the task on
    time for its unit; rework after the due date makes it late (Đ5.2b)."""
    completed = and_(t.completed_at.is_not(None), t.completed_at <= scope.as_of)
    dated = t.due_on.is_not(None)
    on_time = and_(t.completed_on <= t.due_on, not_(t.late_rework))
    awaiting_in_time = and_(
        t.status == "submitted",
        # Explicit: a comparison with NULL would be NULL, and the task would fall out of both
        # in-progress categories.
        t.submitted_at.is_not(None),
        t.submitted_at <= scope.as_of,
        t.submitted_on <= t.due_on,
        not_(t.late_rework),
    )
    not_late_yet = or_(t.due_on >= scope.as_of_date, awaiting_in_time)
    return {
        "completed_on_time": and_(completed, dated, on_time),
        "completed_late": and_(completed, dated, not_(on_time)),
        "in_progress_on_time": and_(not_(completed), dated, not_late_yet),
        "in_progress_overdue": and_(not_(completed), dated, not_(not_late_yet)),
        "undated_completed": and_(completed, not_(dated)),
        "undated_in_progress": and_(not_(completed), not_(dated)),
    }


def category_counts(conn: Connection, scope: Scope, by: str = "unit") -> list[dict[str, Any]]:
    """One row per group with the count of each category: `key` by unit or document; `leader`
    and `signer_name` (a Vice-Chairman's, else None) by leader."""
    keys = GROUPS[by]
    conditions = buckets(scope)
    query = (
        select(
            *keys,
            *[func.sum(case((c, 1), else_=0)).label(name) for name, c in conditions.items()],
        )
        .where(*scope.conditions(), *([t.officer_sub.is_not(None)] if by == "officer" else []))
        .group_by(*keys)
        .order_by(*keys)
    )
    if by != "leader":
        return [
            {"key": row.key, **{name: int(getattr(row, name) or 0) for name in conditions}}
            for row in conn.execute(query)
        ]
    # The signer is on the document; one row per document_id, so the join adds no tasks.
    query = query.select_from(task_facts.outerjoin(document_intake, d.document_id == t.document_id))
    rows = [
        {
            "leader": row.leader,
            "signer_name": row.signer_name,
            **{name: int(getattr(row, name) or 0) for name in conditions},
        }
        for row in conn.execute(query)
    ]
    # Sorted here: NULLs order differently in SQLite and PostgreSQL, and the groups are few.
    return sorted(rows, key=lambda row: (row["leader"], row["signer_name"] or ""))


# Đ17.4: what a unit must explain in its report — tasks without a due date that have no result
# yet, tasks completed late, tasks still overdue; and (min_reworks) those sent back repeatedly.
EXPLAINED = ("undated_in_progress", "completed_late", "in_progress_overdue")
EXPLAINED_REWORKS = 2


def category_of(scope: Scope) -> ColumnElement[str]:
    return case(*[(c, literal(name)) for name, c in buckets(scope).items()])


def task_list(
    conn: Connection,
    scope: Scope,
    *,
    categories: tuple[str, ...] | None,
    min_reworks: int | None = None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """The tasks behind a number: those in `categories` (or, with `min_reworks`, also those sent
    back at least that often), ordered by unit, assignment date and id; plus the full count."""
    category = category_of(scope).label("category")
    where = list(scope.conditions())
    if categories is not None:
        chosen = or_(*[buckets(scope)[name] for name in categories])
        if min_reworks is not None:
            chosen = or_(chosen, t.rework_count >= min_reworks)
        where.append(chosen)
    total = conn.execute(select(func.count()).select_from(task_facts).where(*where)).scalar_one()
    query = (
        select(
            t.task_id,
            t.content,
            t.document_id,
            d.number.label("document_number"),
            d.issued_on.label("document_issued_on"),
            t.lead_unit,
            u.name.label("lead_unit_name"),
            t.assigned_by,
            d.signer_name,
            t.assigned_on,
            t.due_on,
            t.status,
            t.completed_on,
            t.rework_count,
            category,
        )
        .select_from(
            task_facts.outerjoin(document_intake, d.document_id == t.document_id).outerjoin(
                units, u.code == t.lead_unit
            )
        )
        .where(*where)
        .order_by(t.lead_unit, t.assigned_on, t.task_id)
        .limit(limit)
        .offset(offset)
    )
    rows = []
    for row in conn.execute(query).mappings():
        item = dict(row)
        if item["completed_on"] and item["category"] in (
            "in_progress_on_time",
            "in_progress_overdue",
            "undated_in_progress",
        ):
            item["completed_on"] = None  # completed after the cut-off: not yet, as of then
        rows.append(item)
    return rows, int(total)
