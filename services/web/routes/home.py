"""`/`, the Office's work queue, the unit's home, and who am I."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from functools import partial
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for

from services.web import context
from services.web.api_client import gather
from shared.calendar import WorkingCalendar

bp = Blueprint("home", __name__)
QUEUE_SIZE = 50
DUE_SOON_DAYS = 7


@functools.cache
def calendar() -> WorkingCalendar:
    return WorkingCalendar.default()


@bp.get("/")
def index() -> Any:
    who = context.person()
    if who is None:  # a visitor: the public results (Đ16.2), or the way to sign in
        return render_template("welcome.html")
    if who.is_office:
        return redirect(url_for("home.office"))
    if who.is_unit:
        return redirect(url_for("home.unit"))
    if who.is_leader:  # leaders would rather look at the figures than read lists
        return redirect(url_for("dashboard.dashboard"))
    if who.is_process_owner:
        return redirect(url_for("diagrams.model_list"))
    return redirect(url_for("tasks.task_list"))


@bp.get("/office")
@context.office_only
def office() -> Any:
    api = context.api()
    # One call per service answers every queue of the page (intake's and workflow's).
    found = gather(
        {
            "today": context.today_getter(),
            "intake": partial(api.get, "intake", "/queues", limit=QUEUE_SIZE),
            "workflow": partial(api.get, "workflow", "/queues", limit=QUEUE_SIZE),
            "units": partial(context.directory().names, api),
        }
    )
    today, tasks = found["today"], found["workflow"]["tasks"]
    queue = {
        "documents": found["intake"]["documents"]["items"],
        "returned": _returned(tasks["returned"]["items"]),
        "submitted": tasks["submitted"]["items"],
        "extensions": tasks["extensions"]["items"],
        "cases": _office_cases(found["workflow"]["cases"]),
        "task_reports": found["intake"]["task_reports"]["items"],
    }
    for doc in queue["documents"]:
        deadline = doc.get("intake_deadline")
        doc["late"] = bool(deadline and date.fromisoformat(deadline) < today)
    _waiting_days(queue["submitted"], today)
    return render_template("office_home.html", queue=queue, today=today, units=found["units"])


def _returned(tasks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Tasks units returned, each with its reason (Đ5.2a), which the list carries."""
    for task in tasks:
        task["reason"] = task.get("return_reason")
    return tasks


def _waiting_days(tasks: list[dict[str, Any]], today: date) -> None:
    for task in tasks:
        since = task.get("submitted_on")
        task["waiting_days"] = task.get("awaiting_confirmation_days")
        if task["waiting_days"] is None and since:
            task["waiting_days"] = calendar().working_days_between(date.fromisoformat(since), today)


def _office_cases(queues: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The open cases whose next step is the Office's, oldest first."""
    cases = [{**c, "kind": q["kind"]} for q in queues for c in q["items"]]
    return sorted(cases, key=lambda c: c.get("created_at") or "")


@bp.get("/unit")
@context.signed_in
def unit() -> Any:
    who = context.person()
    assert who is not None
    if not who.is_unit:
        abort(403, description="Trang này dành cho cán bộ đơn vị.")
    api = context.api()
    found = gather(
        {
            "today": context.today_getter(),
            "workflow": partial(api.get, "workflow", "/queues", limit=QUEUE_SIZE),
            "units": partial(context.directory().names, api),
        }
    )
    # The unit's own tasks by where they stand, in one call (GET /api/workflow/queues).
    found.update({name: q["items"] for name, q in found["workflow"]["tasks"].items()})
    today, in_progress = found["today"], found["in_progress"]
    soon = today + timedelta(days=DUE_SOON_DAYS)
    sections = {
        "to_accept": [t for t in found["assigned"] if _leads(t, who.unit)],
        "rework": found["rework"],
        "overdue": found["overdue"],
        "due_soon": [
            t
            for t in in_progress
            if t.get("due_on") and not t["overdue"] and date.fromisoformat(t["due_on"]) <= soon
        ],
        "in_progress": in_progress,
    }
    return render_template("unit_home.html", sections=sections, today=today, units=found["units"])


def _leads(task: dict[str, Any], unit: str | None) -> bool:
    return bool(task["lead_unit"] == unit)


@bp.get("/me")
@context.signed_in
def me() -> Any:
    preferences = context.api().get("notify", "/preferences")
    return render_template("me.html", preferences=preferences, units=context.unit_names())
