"""`/`, the Office's work queue, the unit's home, and who am I."""

from __future__ import annotations

import functools
from datetime import date, timedelta
from functools import partial
from typing import Any

from flask import Blueprint, abort, redirect, render_template, url_for

from services.web import context
from services.web.api_client import ApiClient, ApiError, gather
from shared.calendar import WorkingCalendar

bp = Blueprint("home", __name__)
QUEUE_SIZE = 50
DUE_SOON_DAYS = 7
# Cases whose next step is the Office's, by the status that means so.
OFFICE_CASES = (
    ("feedback", "/feedback", {"received"}),
    ("direction_request", "/direction-requests", {"reported", "consulting"}),
    ("info_request", "/info-requests", {"answered"}),
    ("correction_request", "/correction-requests", {"requested", "corrected", "explained"}),
    ("unit_report", "/unit-reports", {"submitted", "submitted_late"}),
    ("inspection_plan", "/inspection-plans", {"draft", "returned"}),
    ("overdue_summary", "/overdue-summaries", {"drafting"}),  # Đ16.4: measures to propose
    # The Office's evaluation (Đ16.2): to write, to approve (its leader), to publish.
    ("office_report", "/office-reports", {"draft", "returned", "submitted", "approved"}),
    # The Office's annual report on this regulation (Đ20.1), the same steps.
    ("annual_report", "/annual-reports", {"draft", "returned", "submitted", "approved"}),
    # Đ21: proposals to draft and send, results to record once Sở Nội vụ answered.
    ("commendation", "/commendations", {"draft", "answered"}),
)


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
    queue = gather(
        {
            "today": context.today_getter(),
            "documents": partial(_received_documents, api),
            "returned": partial(_returned, api),
            "submitted": partial(_tasks, api, status="submitted", order="submitted"),
            "extensions": partial(_tasks, api, extension_pending="true"),
            "cases": partial(_office_cases, api),
            "task_reports": partial(_task_reports, api),
            "units": partial(context.directory().names, api),
        }
    )
    today = queue["today"]
    for doc in queue["documents"]:
        deadline = doc.get("intake_deadline")
        doc["late"] = bool(deadline and date.fromisoformat(deadline) < today)
    _waiting_days(queue["submitted"], today)
    return render_template("office_home.html", queue=queue, today=today, units=queue["units"])


def _received_documents(api: ApiClient) -> list[dict[str, Any]]:
    received = api.get("intake", "/documents", status="received", limit=QUEUE_SIZE, tasks="count")
    return list(received["items"])


def _task_reports(api: ApiClient) -> list[dict[str, Any]]:
    """Units' reports of a missing or wrong task (Đ5.2a) that the Office has not closed."""
    return list(api.get("intake", "/task-reports", status="open", limit=QUEUE_SIZE)["items"])


def _tasks(api: ApiClient, **filters: Any) -> list[dict[str, Any]]:
    return list(api.get("workflow", "/tasks", limit=QUEUE_SIZE, **filters)["items"])


def _returned(api: ApiClient) -> list[dict[str, Any]]:
    """Tasks units returned, each with its reason (Đ5.2a), which the list carries."""
    tasks = _tasks(api, status="returned")
    for task in tasks:
        task["reason"] = task.get("return_reason")
    return tasks


def _waiting_days(tasks: list[dict[str, Any]], today: date) -> None:
    for task in tasks:
        since = task.get("submitted_on")
        task["waiting_days"] = task.get("awaiting_confirmation_days")
        if task["waiting_days"] is None and since:
            task["waiting_days"] = calendar().working_days_between(date.fromisoformat(since), today)


def _office_cases(api: ApiClient) -> list[dict[str, Any]]:
    def open_cases(path: str) -> list[dict[str, Any]]:
        try:
            return list(api.get("workflow", path, open="true", limit=QUEUE_SIZE)["items"])
        except ApiError:
            return []  # a kind this person may not list is not their queue

    found = gather({kind: partial(open_cases, path) for kind, path, _ in OFFICE_CASES})
    cases = [
        {**c, "kind": kind}
        for kind, _path, statuses in OFFICE_CASES
        for c in found[kind]
        if c["status"] in statuses
    ]
    return sorted(cases, key=lambda c: c.get("created_at") or "")


@bp.get("/unit")
@context.signed_in
def unit() -> Any:
    who = context.person()
    assert who is not None
    if not who.is_unit:
        abort(403, description="Trang này dành cho cán bộ đơn vị.")
    api = context.api()
    own = {"unit": who.unit}
    found = gather(
        {
            "today": context.today_getter(),
            "assigned": partial(_tasks, api, status="assigned", **own),
            "rework": partial(_tasks, api, status="rework", **own),
            "overdue": partial(_tasks, api, overdue="true", **own),
            "in_progress": partial(_tasks, api, status="in_progress", **own),
            "units": partial(context.directory().names, api),
        }
    )
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
