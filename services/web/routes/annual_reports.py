"""The Office's annual report on this regulation (Đ20.1): the list of the years' reports, one
year's report assembled from its stored figures — tasks by unit and by assigning leader, the
Office's intake and confirmation, inspections held and their conclusions, feedback handled —
with the Office's written sections to save and submit to its leader, approve or return
(office_lead), publish, its diagram, and its DOCX and PDF in the layout of Nghị định 30/2020
(services/web/official_documents.py).

The report is a workflow case (`/api/workflow/annual-reports`) naming the stored report of the
year's figures (`POST /api/reporting/annual`); publishing it is the case's last step, after
which reporting shows the approved version on the public page. The API decides who may do what;
the pages leave out the buttons a person could not use (the case's `actions`)."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context, official_documents
from services.web.api_client import ApiError, gather
from services.web.routes.diagrams import instance_diagram

bp = Blueprint("annual_reports", __name__)
SECTIONS = (
    ("assessment", "Đánh giá kết quả triển khai thực hiện Quy chế"),
    ("training", "Hướng dẫn vận hành Hệ thống, đào tạo, tập huấn"),
    ("difficulties", "Khó khăn, vướng mắc"),
    ("proposals", "Đề xuất, kiến nghị"),
)
REVIEWS = {"approve": "Duyệt báo cáo", "return": "Trả lại để chỉnh sửa"}
YEARS_LISTED = 5


def _reader() -> None:
    who = context.person()
    assert who is not None
    if not (who.is_office or who.is_leader):
        abort(403, description="Báo cáo năm dành cho lãnh đạo và Văn phòng UBND tỉnh.")


@bp.get("/annual-reports")
@context.signed_in
def report_list() -> Any:
    _reader()
    found = context.api().get("workflow", "/annual-reports", limit=100)
    reports = {c["data"].get("year"): c for c in found["items"]}
    this_year = context.today().year
    years = sorted({*range(this_year - YEARS_LISTED + 1, this_year + 1), *reports}, reverse=True)
    return render_template("annual_report_list.html", years=years, reports=reports)


@bp.post("/annual-reports/open")
@context.office_only
def open_report() -> Any:
    """Open the year's report on the year's figures stored now, due by the date the Office
    enters (the regulation sets none, Đ20.1)."""
    year = request.form.get("year", "")
    if not year.isdigit():
        abort(404)
    api = context.api()
    due_on = request.form.get("due_on", "").strip()
    if not due_on:  # asked before the year's figures are stored for a report not opened
        flash("Không lập được báo cáo năm: cần nhập hạn trình báo cáo.", "error")
        return redirect(url_for(".report_list"), code=303)
    try:
        stored = api.post("reporting", "/annual", {"year": int(year)})
        body = {"year": int(year), "report_id": stored["id"], "due_on": due_on}
        opened = api.post("workflow", "/annual-reports", body)
    except ApiError as exc:
        if exc.status == 409 and exc.body.get("case_id"):
            return redirect(url_for(".report", case_id=exc.body["case_id"]), code=303)
        if exc.status != 422:
            raise
        flash("Không lập được báo cáo năm: " + exc.message, "error")
        return redirect(url_for(".report_list"), code=303)
    return redirect(url_for(".report", case_id=opened["items"][0]["id"]), code=303)


@bp.get("/annual-reports/<case_id>")
@context.signed_in
def report(case_id: str) -> Any:
    _reader()
    return _render(case_id)


@bp.post("/annual-reports/<case_id>")
@context.office_only
def save(case_id: str) -> Any:
    """Save or submit the sections; `refresh` first stores the year's figures anew."""
    action = request.form.get("action", "")
    if action not in ("save", "submit", "refresh"):
        abort(404)
    api = context.api()
    case = api.get("workflow", f"/annual-reports/{case_id}")
    body: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _ in SECTIONS}
    body["report_id"] = case["data"]["report_id"]
    if action == "refresh":
        body["report_id"] = api.post("reporting", "/annual", {"year": case["data"]["year"]})["id"]
    if action == "submit":
        body = {name: value or None for name, value in body.items()}  # the API names what is empty
    api_action = "save" if action == "refresh" else action
    try:
        api.post("workflow", f"/annual-reports/{case_id}/actions/{api_action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render(case_id, errors=exc.field_errors(), values=body, message=exc.message)
    flash(
        {
            "save": "Đã lưu dự thảo báo cáo.",
            "submit": "Đã trình lãnh đạo Văn phòng duyệt.",
            "refresh": "Đã cập nhật số liệu của năm.",
        }[action],
        "success",
    )
    return redirect(url_for(".report", case_id=case_id), code=303)


@bp.post("/annual-reports/<case_id>/review/<action>")
@context.office_only
def review(case_id: str, action: str) -> Any:
    """The Office's leader approves the report or returns it with a reason (the API refuses
    anyone else)."""
    if action not in REVIEWS:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if action == "return" and not reason:
        errors = {"reason": ["Cần nêu lý do trả lại, nội dung cần chỉnh sửa."]}
        return _render(case_id, errors=errors, message="Chưa nêu lý do trả lại.")
    body = {"reason": reason} if action == "return" else {}
    try:
        context.api().post("workflow", f"/annual-reports/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render(case_id, errors=exc.field_errors(), message=exc.message)
    flash(f"Đã thực hiện: {REVIEWS[action]}.", "success")
    return redirect(url_for(".report", case_id=case_id), code=303)


@bp.post("/annual-reports/<case_id>/publish")
@context.office_only
def publish(case_id: str) -> Any:
    body = {"number": request.form.get("number", "").strip() or None}
    try:
        context.api().post("workflow", f"/annual-reports/{case_id}/actions/publish", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render(case_id, errors=exc.field_errors(), message=exc.message)
    flash("Đã công bố báo cáo năm trên trang công khai (Điều 20 khoản 1).", "success")
    return redirect(url_for(".report", case_id=case_id), code=303)


@bp.get("/annual-reports/<case_id>/document.<fmt>")
@context.signed_in
def document(case_id: str, fmt: str) -> Any:
    """The report as an official document (DOCX or PDF), dated the day its leader approved it
    (today for a draft), with the number the Office gave it when publishing."""
    _reader()
    api = context.api()
    case = api.get("workflow", f"/annual-reports/{case_id}")
    number = case["data"].get("number")
    data = {
        "case": case,
        "report": api.get("reporting", f"/reports/{case['data']['report_id']}"),
        "on": official_documents.dated(case).isoformat(),
        "number": str(number) if number else None,
    }
    return official_documents.download("annual_report", fmt, data)


def _render(
    case_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
) -> Any:
    api = context.api()
    path = f"/annual-reports/{case_id}"
    case = api.get("workflow", path)
    found = gather(
        {
            "report": partial(api.get, "reporting", f"/reports/{case['data']['report_id']}"),
            "diagram": partial(instance_diagram, api, path),
        }
    )
    values = values or {}
    sections = [
        (name, label, values.get(name, case["data"].get(name)) or "") for name, label in SECTIONS
    ]
    page = render_template(
        "annual_report.html",
        case=case,
        report=found["report"],
        sections=sections,
        editable="save" in case["actions"],
        reviews={a: REVIEWS[a] for a in case["actions"] if a in REVIEWS},
        publishable="publish" in case["actions"],
        number=case["data"].get("number"),
        history=list(reversed(case.get("history", []))),
        diagram=found["diagram"],
        diagram_src=url_for("diagrams.case_bpmn", kind="annual_report", case_id=case_id),
        errors=errors or {},
        message=message,
    )
    return page, (422 if errors else 200)
