"""Units' periodic reports (Đ18.1, Đ17.4): a unit's "Báo cáo định kỳ" list and its report's form
(figures prefilled from reporting, narrative sections, one explanation per Đ17.4 task; save,
submit), and the Office's list of the units' reports for a period, with accept and return.

The report is a workflow case (`/api/workflow/unit-reports`); its figures and its Đ17.4 list,
read from reporting's `/stats` and `/explanations`, are sent with each save, so the report keeps
what the unit reported; which units reported, late or not at all, is reporting's
(`/unit-reports`)."""

from __future__ import annotations

import re
from datetime import date
from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context, official_documents
from services.web.api_client import ApiError, gather

bp = Blueprint("unit_reports", __name__)
PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-H1)?$")
SECTIONS = (
    ("results", "Kết quả thực hiện nhiệm vụ"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("proposals", "Đề xuất, kiến nghị"),
)
FIGURE_FIELDS = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
    "total",
    "on_time_rate",
)
UNIT_STANDING_ORDER = {"late": 0, "on_time": 1, "not_reported": 2, "pending": 3}
REVIEWS = {"accept": "Tiếp nhận báo cáo", "return": "Trả lại để chỉnh sửa"}
MAX_LISTED = 500


@bp.get("/unit-reports")
@context.signed_in
def report_list() -> Any:
    """The periods of the Đ18 schedule (their reminder cases) and, for a unit, its report of
    each; for the Office, a link to each period's units."""
    api = context.api()
    found = gather(
        {
            "periods": partial(api.get, "workflow", "/periodic-reports", limit=24),
            "mine": partial(api.get, "workflow", "/unit-reports", limit=100),
        }
    )
    who = context.person()
    mine = {}
    if who is not None and not who.is_office:
        mine = {c["data"].get("period"): c for c in found["mine"]["items"]}
    periods = sorted(
        found["periods"]["items"], key=lambda c: c["data"].get("units_due_on", ""), reverse=True
    )
    return render_template("unit_report_list.html", periods=periods, mine=mine)


@bp.post("/unit-reports/open")
@context.signed_in
def open_report() -> Any:
    period = request.form.get("period", "")
    if not PERIOD.match(period):
        abort(404)
    try:
        opened = context.api().post("workflow", "/unit-reports", {"period": period})
    except ApiError as exc:
        if exc.status == 409 and exc.body.get("case_id"):
            return redirect(url_for("unit_reports.report", case_id=exc.body["case_id"]), code=303)
        raise
    case_id = opened["items"][0]["id"]
    return redirect(url_for("unit_reports.report", case_id=case_id), code=303)


@bp.get("/unit-reports/<case_id>")
@context.signed_in
def report(case_id: str) -> Any:
    return _render(case_id)


@bp.post("/unit-reports/<case_id>")
@context.signed_in
def save(case_id: str) -> Any:
    action = request.form.get("action", "")
    if action not in ("save", "submit"):
        abort(404)
    api = context.api()
    case = api.get("workflow", f"/unit-reports/{case_id}")
    live = _live(case)
    texts = {
        item["task_id"]: request.form.get(f"explanation-{item['task_id']}", "").strip()
        for item in live["listed"]
    }
    body: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _ in SECTIONS}
    if action == "submit" and not body["results"]:
        body["results"] = None  # the API names the missing section
    body["figures"] = live["figures"]
    body["explanations"] = [
        {
            "task_id": item["task_id"],
            "content": (item.get("content") or "")[:5000],
            "document_number": item.get("document_number"),
            "reasons": item.get("reasons") or [],
            "text": texts[item["task_id"]],
        }
        for item in live["listed"]
    ]
    try:
        api.post("workflow", f"/unit-reports/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        values = {**body, "texts": texts}
        return _render(case_id, errors=exc.field_errors(), values=values, message=exc.message)
    flash("Đã gửi báo cáo." if action == "submit" else "Đã lưu dự thảo báo cáo.", "success")
    return redirect(url_for("unit_reports.report", case_id=case_id), code=303)


@bp.get("/unit-reports/<case_id>/document.<fmt>")
@context.signed_in
def document(case_id: str, fmt: str) -> Any:
    """The report as an official document (DOCX or PDF, Nghị định 30/2020's layout), dated the
    day it was sent, or today for a draft."""
    case = context.api().get("workflow", f"/unit-reports/{case_id}")
    unit = case["parties"]["reporter"][0]
    sent_on = case["data"].get("first_submitted_on")
    on = date.fromisoformat(sent_on) if sent_on else context.today()
    name = context.unit_names().get(unit, unit)
    data = {"case": case, "unit_name": name, "on": on.isoformat()}
    return official_documents.download("unit_report", fmt, data)


@bp.post("/unit-reports/<case_id>/review/<action>")
@context.office_only
def review(case_id: str, action: str) -> Any:
    if action not in REVIEWS:
        abort(404)
    reason = request.form.get("reason", "").strip()
    body = {"reason": reason} if action == "return" else {}
    if action == "return" and not reason:
        errors = {"reason": ["Cần nêu lý do trả lại, nội dung cần chỉnh sửa."]}
        return _render(case_id, errors=errors, message="Chưa nêu lý do trả lại.")
    try:
        context.api().post("workflow", f"/unit-reports/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render(case_id, errors=exc.field_errors(), message=exc.message)
    flash(f"Đã thực hiện: {REVIEWS[action]}.", "success")
    back = request.form.get("back", "")
    if PERIOD.match(back):
        return redirect(url_for("unit_reports.period_units", period=back), code=303)
    return redirect(url_for("unit_reports.report", case_id=case_id), code=303)


@bp.get("/unit-reports/periods/<period>")
@context.office_only
def period_units(period: str) -> Any:
    """The Office's list of the units' reports for a period: who reported, on time or late, who
    did not, and the reports waiting for its review (Đ18.1)."""
    if not PERIOD.match(period):
        abort(404)
    api = context.api()
    found = gather(
        {
            "standing": partial(api.get, "reporting", "/unit-reports", period=period),
            "cases": partial(
                api.get, "workflow", "/unit-reports", group_id=f"d18-{period}", limit=500
            ),
        }
    )
    cases = {case["parties"]["reporter"][0]: case for case in found["cases"]["items"]}
    standing = found["standing"]
    # The reports waiting for the Office first, then the returned ones, the late, the rest.
    order = {"submitted": 0, "submitted_late": 0, "returned": 1}
    standing["units"].sort(
        key=lambda row: (
            order.get(cases[row["unit"]]["status"], 2) if row["unit"] in cases else 3,
            UNIT_STANDING_ORDER.get(row["standing"], 9),
            row.get("name") or row["unit"],
        )
    )
    return render_template("unit_report_period.html", period=period, standing=standing, cases=cases)


def _live(case: dict[str, Any]) -> dict[str, Any]:
    """The unit's figures for the report's period and its Đ17.4 list, from reporting now."""
    api = context.api()
    period, unit = case["data"]["period"], case["parties"]["reporter"][0]
    found = gather(
        {
            "stats": partial(api.get, "reporting", "/stats", period=period, unit=unit),
            "listed": partial(
                api.get,
                "reporting",
                "/explanations",
                period=period,
                unit=unit,
                limit=MAX_LISTED,
            ),
        }
    )
    totals = found["stats"]["totals"]
    figures = {name: totals.get(name) for name in FIGURE_FIELDS}
    figures["as_of"] = found["stats"].get("as_of")
    labels = found["stats"].get("labels") or {}
    return {"figures": figures, "listed": found["listed"]["items"], "labels": labels}


def _render(
    case_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
) -> Any:
    api = context.api()
    case = api.get("workflow", f"/unit-reports/{case_id}")
    editable = "save" in case["actions"]
    data = case["data"]
    live = _live(case)
    figures, listed = live["figures"], live["listed"]
    if not editable:  # what the unit sent
        figures, listed = data.get("figures") or {}, data.get("explanations") or []
    saved_texts = {e["task_id"]: e.get("text") or "" for e in data.get("explanations") or []}
    values = values or {}
    texts = values.get("texts") or saved_texts
    sections = [(name, label, values.get(name, data.get(name)) or "") for name, label in SECTIONS]
    explanation_errors = _explanation_errors(errors or {}, listed)
    page = render_template(
        "unit_report_form.html",
        case=case,
        editable=editable,
        figures=figures,
        listed=listed,
        texts=texts,
        sections=sections,
        reviews={a: REVIEWS[a] for a in case["actions"] if a in REVIEWS},
        history=list(reversed(case.get("history", []))),
        errors=errors or {},
        explanation_errors=explanation_errors,
        message=message,
        category_labels=live["labels"],
    )
    return page, (422 if errors else 200)


def _explanation_errors(
    errors: dict[str, list[str]], listed: list[dict[str, Any]]
) -> dict[str, list[str]]:
    """The API's `explanations-<index>-text` errors by the task they concern."""
    found: dict[str, list[str]] = {}
    for index, item in enumerate(listed):
        messages = errors.get(f"explanations-{index}-text") or []
        messages += errors.get(f"explanations-{index}-task_id") or []
        if messages:
            found[item["task_id"]] = messages
    return found
