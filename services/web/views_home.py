"""`/`, the Office's work queue, the unit's home, and who am I."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for

from services.web import context
from services.web.api_client import ApiClient, ApiError
from shared.calendar import WorkingCalendar

bp = Blueprint("home", __name__)
QUEUE_SIZE = 50
DETAILED_ROWS = 20  # rows whose reason needs the task's history: returned tasks
DUE_SOON_DAYS = 7
# Cases whose next step is the Office's, by the status that means so.
OFFICE_CASES = (
    ("feedback", "/feedback", {"received"}),
    ("direction_request", "/direction-requests", {"reported", "consulting"}),
    ("info_request", "/info-requests", {"answered"}),
    ("correction_request", "/correction-requests", {"requested", "corrected", "explained"}),
)


@functools.cache
def calendar() -> WorkingCalendar:
    return WorkingCalendar.default()


@bp.get("/")
def index() -> Any:
    who = context.person()
    if who is None:
        return redirect(url_for("login"))
    if who.is_office:
        return redirect(url_for("home.office"))
    if who.is_unit:
        return redirect(url_for("home.unit"))
    return redirect(url_for("tasks.task_list"))


@bp.get("/office")
@context.office_only
def office() -> Any:
    api, today = context.api(), context.today()
    documents = api.get("intake", "/documents", status="received", limit=QUEUE_SIZE)["items"]
    for doc in documents:
        deadline = (
            date.fromisoformat(doc["intake_deadline"]) if doc.get("intake_deadline") else None
        )
        doc["late"] = bool(deadline and deadline < today)
    queue = {
        "documents": documents,
        "returned": _returned(api),
        "submitted": _submitted(api, today),
        "extensions": _tasks(api, extension_pending="true"),
        "cases": _office_cases(api),
    }
    return render_template("office_home.html", queue=queue, today=today, units=context.unit_names())


def _tasks(api: ApiClient, **filters: Any) -> list[dict[str, Any]]:
    return list(api.get("workflow", "/tasks", limit=QUEUE_SIZE, **filters)["items"])


def _returned(api: ApiClient) -> list[dict[str, Any]]:
    tasks = _tasks(api, status="returned")
    for task in tasks[:DETAILED_ROWS]:
        history = api.get("workflow", f"/tasks/{task['id']}")["history"]
        returns = [h for h in history if h["action"] == "return"]
        task["reason"] = returns[-1]["note"] if returns else None
    return tasks


def _submitted(api: ApiClient, today: date) -> list[dict[str, Any]]:
    tasks = _tasks(api, status="submitted", order="submitted")
    for task in tasks:
        since = task.get("submitted_on")
        task["waiting_days"] = task.get("awaiting_confirmation_days")
        if task["waiting_days"] is None and since:
            task["waiting_days"] = calendar().working_days_between(date.fromisoformat(since), today)
    return tasks


def _office_cases(api: ApiClient) -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    for kind, path, statuses in OFFICE_CASES:
        try:
            items = api.get("workflow", path, open="true", limit=QUEUE_SIZE)["items"]
        except ApiError:
            continue  # a kind this person may not list is not their queue
        cases += [{**c, "kind": kind} for c in items if c["status"] in statuses]
    return sorted(cases, key=lambda c: c.get("created_at") or "")


@bp.get("/unit")
@context.signed_in
def unit() -> Any:
    who = context.person()
    assert who is not None
    if not who.is_unit:
        abort(403, description="Trang này dành cho cán bộ đơn vị.")
    api, today = context.api(), context.today()
    own = {"unit": who.unit}
    soon = today + timedelta(days=DUE_SOON_DAYS)
    in_progress = _tasks(api, status="in_progress", **own)
    sections = {
        "to_accept": [t for t in _tasks(api, status="assigned", **own) if _leads(t, who.unit)],
        "rework": _tasks(api, status="rework", **own),
        "overdue": _tasks(api, overdue="true", **own),
        "due_soon": [
            t
            for t in in_progress
            if t.get("due_on") and not t["overdue"] and date.fromisoformat(t["due_on"]) <= soon
        ],
        "in_progress": in_progress,
    }
    return render_template(
        "unit_home.html", sections=sections, today=today, units=context.unit_names()
    )


def _leads(task: dict[str, Any], unit: str | None) -> bool:
    return bool(task["lead_unit"] == unit)


@bp.get("/me")
@context.signed_in
def me() -> Any:
    preferences = context.api().get("notify", "/preferences")
    return render_template("me.html", preferences=preferences, units=context.unit_names())
