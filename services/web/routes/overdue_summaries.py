"""The Office's summaries of overdue tasks for the leaders (Đ16.4): their list (the Office and the
leaders), the Office's "open one now", and the two actions a summary's page offers: the Office
sends it with its proposed measures, a leader gives a direction.

A summary is a workflow case (`/api/workflow/overdue-summaries`); its page is the cases' page
(`/cases/overdue_summary/<id>`, routes/diagrams.py), which shows the tasks and these forms."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError

bp = Blueprint("overdue_summaries", __name__)
API = "/overdue-summaries"
KIND = "overdue_summary"
# The action a summary's page sends, its one text field and the message once done.
ACTIONS = {
    "send": ("measures", "Đã báo cáo lãnh đạo UBND tỉnh."),
    "give_direction": ("direction", "Đã gửi ý kiến chỉ đạo."),
}
MISSING = {
    "measures": "Hãy nhập biện pháp kiến nghị.",
    "direction": "Hãy nhập ý kiến chỉ đạo.",
}


def _staff_only() -> None:
    who = context.person()
    if who is None or not (who.is_office or who.is_leader):
        abort(403, description="Trang này dành cho Văn phòng và lãnh đạo UBND tỉnh.")


@bp.get("/overdue-summaries")
@context.signed_in
def summary_list() -> Any:
    _staff_only()
    found = context.api().get("workflow", API, limit=50)
    return render_template("overdue_summary_list.html", summaries=found["items"])


@bp.post("/overdue-summaries")
@context.signed_in
def open_summary() -> Any:
    """The Office reports the tasks overdue today (Đ16.4); none overdue: it says so."""
    try:
        opened = context.api().post("workflow", API, {})
    except ApiError as exc:
        if exc.status not in (403, 409):
            raise
        flash(exc.message, "error")
        return redirect(url_for("overdue_summaries.summary_list"), code=303)
    case_id = opened["items"][0]["id"]
    return redirect(url_for("diagrams.case_detail", kind=KIND, case_id=case_id), code=303)


@bp.post("/cases/overdue_summary/<case_id>/<action>")
@context.signed_in
def perform(case_id: str, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    field, done = ACTIONS[action]
    page = url_for("diagrams.case_detail", kind=KIND, case_id=case_id)
    value = request.form.get(field, "").strip()
    if not value:
        flash(MISSING[field], "error")
        return redirect(page, code=303)
    try:
        context.api().post("workflow", f"{API}/{case_id}/actions/{action}", {field: value})
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        problems = [text for texts in exc.field_errors().values() for text in texts]
        flash(" ".join([exc.message, *problems]), "error")
        return redirect(page, code=303)
    flash(done, "success")
    return redirect(page, code=303)
