"""Reporting's facts for the Office's annual report on this regulation (Đ20.1), built from case
events only (so a rebuild replays them): inspections and their conclusions (Đ10–Đ15), the year's
inspection plans (Đ10.1a), feedback on other units and how the Office handled it (Đ16.6, Đ17.2,
Đ17.3), and the Office's written sections of its annual report (annual_report.*)."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

from services.reporting import evaluations, lookups, store, writes
from shared.calendar import local_date
from shared.event_schemas import INSPECTION_PLAN_EVENT_TYPES
from shared.events import Event
from shared.platform import UnitOfWork
from shared.topology import FEEDBACK_FACT_TYPES, INSPECTION_FACT_TYPES

# The Office's written sections of the annual report (services/workflow/kinds/annual_reports.py),
# in the report's order.
ANNUAL_SECTIONS = ("assessment", "training", "difficulties", "proposals")

# How the Office handled a feedback (Đ16.6): the event that settles it, and what it did.
FEEDBACK_OUTCOMES = {
    "feedback.unit_urged": "urged",
    "feedback.directed": "directed",
    "feedback.dismissed": "dismissed",
}


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


def _newer_known(existing: dict[str, Any] | None, data: dict[str, Any]) -> bool:
    """An older event arriving late must not undo a newer state."""
    return existing is not None and existing["updated_at"] > data["occurred_at"]


def on_inspection_event(uow: UnitOfWork, event: Event) -> None:
    """An inspection of the Working Group or a unit's own (Đ10.2b): its units, its end (Đ15.1),
    its report with a result per inspected unit (Đ15.3), its presentation (Đ10.1đ)."""
    data = event.data
    existing = lookups.row_of(uow.conn, store.inspection_facts, data["case_id"])
    if _newer_known(existing, data):
        return
    details = data.get("details") or {}
    day = local_date(data["occurred_at"])
    row = (
        dict(existing)
        if existing
        else {
            "case_id": data["case_id"],
            "kind": data["kind"],
            "form": None,
            "opened_on": _day(details.get("opened_on")) or day,
            "ended_on": None,
            "reported_on": None,
            "presented_on": None,
            "cancelled": False,
            "conclusions": None,
        }
    )
    what = event.type.split(".", 1)[1]
    if details.get("form"):
        row["form"] = details["form"]
    if what == "finished":
        row["ended_on"] = _day(details.get("ended_on")) or day
    elif what == "reported":
        row["reported_on"] = day
        row["ended_on"] = row["ended_on"] or day
        conclusions = [
            {"unit": c.get("unit"), "result": c.get("result")}
            for c in details.get("conclusions") or []
        ]
        row["conclusions"] = json.dumps(conclusions, ensure_ascii=False)
    elif what == "presented":
        row["presented_on"] = _day(details.get("meeting_on")) or day
    elif what == "cancelled":
        row["cancelled"] = True
    row["units"] = json.dumps(list((data.get("parties") or {}).get("inspected") or []))
    row["status"] = data["status"]
    row["updated_at"] = data["occurred_at"]
    writes.upsert(uow.conn, store.inspection_facts, "case_id", row)


def on_inspection_plan_event(uow: UnitOfWork, event: Event) -> None:
    """The year's inspection plan (Đ10.1a): the inspections it plans, and its approval."""
    data = event.data
    existing = lookups.row_of(uow.conn, store.inspection_plan_facts, data["case_id"])
    if _newer_known(existing, data):
        return
    details = data.get("details") or {}
    if existing is None and "year" not in details:
        return  # every plan's log starts with its drafting, which names the year
    items = details.get("items")
    row = {
        "case_id": data["case_id"],
        "year": existing["year"] if existing else int(details["year"]),
        "items": len(items) if items is not None else (existing or {}).get("items", 0),
        "status": data["status"],
        "approved_on": local_date(data["occurred_at"])
        if event.type == "inspection_plan.approved"
        else (existing or {}).get("approved_on"),
        "updated_at": data["occurred_at"],
    }
    writes.upsert(uow.conn, store.inspection_plan_facts, "case_id", row)


def on_feedback_event(uow: UnitOfWork, event: Event) -> None:
    """A unit's feedback on another (Đ16.6, Đ17.2, Đ17.3): received, then handled once the
    Office urges the unit, a leader directs, or the Office dismisses it; handled late when after
    the Office's due date for it."""
    data = event.data
    existing = lookups.row_of(uow.conn, store.feedback_facts, data["case_id"])
    if _newer_known(existing, data):
        return
    details = data.get("details") or {}
    parties = data.get("parties") or {}
    day = local_date(data["occurred_at"])
    row = (
        dict(existing)
        if existing
        else {
            "case_id": data["case_id"],
            "about_unit": (parties.get("responsible") or [""])[0],
            "problem": details.get("problem"),
            "received_on": day,
            "due_on": None,
            "handled_on": None,
            "outcome": None,
        }
    )
    row["due_on"] = row["due_on"] or data.get("due_on")
    outcome = FEEDBACK_OUTCOMES.get(event.type)
    if outcome is not None:
        row["outcome"] = outcome
        row["handled_on"] = row["handled_on"] or day
    row["status"] = data["status"]
    row["updated_at"] = data["occurred_at"]
    writes.upsert(uow.conn, store.feedback_facts, "case_id", row)


def on_annual_report_submitted(uow: UnitOfWork, event: Event) -> None:
    """Đ20.1: the Office submitted its annual report to its leader; keep this submission's
    sections (a later one, after a return, replaces it), so the last is what the leader
    approved."""
    data = event.data
    row = evaluations.submission(event, ANNUAL_SECTIONS)
    row["year"] = int((data["group_id"] or "0").removeprefix("d20-"))
    if not row["report_id"]:  # a submission without one keeps the report it had
        existing = lookups.row_of(uow.conn, store.annual_evaluations, data["case_id"])
        row["report_id"] = (existing or {}).get("report_id") or ""
    writes.upsert(uow.conn, store.annual_evaluations, "case_id", row)


def on_annual_report_published(uow: UnitOfWork, event: Event) -> None:
    """Đ20.1, Đ16.2: the approved annual report is published with its stored figures."""
    evaluations.publish(uow, event, store.annual_evaluations)


HANDLERS = {
    **{event_type: on_inspection_event for event_type in INSPECTION_FACT_TYPES},
    **{event_type: on_inspection_plan_event for event_type in INSPECTION_PLAN_EVENT_TYPES},
    **{event_type: on_feedback_event for event_type in FEEDBACK_FACT_TYPES},
    "annual_report.submitted": on_annual_report_submitted,
    "annual_report.published": on_annual_report_published,
}
