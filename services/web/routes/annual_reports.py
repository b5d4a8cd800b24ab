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

from services.web import context, official_documents, reviewed_reports
from services.web.api_client import gather
from services.web.routes.diagrams import instance_diagram

bp = Blueprint("annual_reports", __name__)
_REFUSED = "Báo cáo năm dành cho lãnh đạo và Văn phòng UBND tỉnh."
SECTIONS = (
    ("assessment", "Đánh giá kết quả triển khai thực hiện Quy chế"),
    ("training", "Hướng dẫn vận hành Hệ thống, đào tạo, tập huấn"),
    *reviewed_reports.CLOSING_SECTIONS,
)
YEARS_LISTED = 5


@bp.get("/annual-reports")
@context.signed_in
def report_list() -> Any:
    reviewed_reports.reader(_REFUSED)
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

    def open_case() -> Any:
        stored = api.post("reporting", "/annual", {"year": int(year)})
        body = {"year": int(year), "report_id": stored["id"], "due_on": due_on}
        return api.post("workflow", "/annual-reports", body)

    return reviewed_reports.opened(open_case, "Không lập được báo cáo năm: ")


@bp.post("/annual-reports/<case_id>")
@context.office_only
def save(case_id: str) -> Any:
    """Save or submit the sections; `refresh` first stores the year's figures anew."""
    api = context.api()
    return reviewed_reports.save(
        "annual-reports",
        case_id,
        sections=SECTIONS,
        load=lambda: (api.get("workflow", f"/annual-reports/{case_id}"), {}),
        refresh=lambda case: api.post("reporting", "/annual", {"year": case["data"]["year"]})["id"],
        refreshed="Đã cập nhật số liệu của năm.",
        render=_render,
    )


@bp.get("/annual-reports/<case_id>/document.<fmt>")
@context.signed_in
def document(case_id: str, fmt: str) -> Any:
    """The report as an official document (DOCX or PDF), dated the day its leader approved it
    (today for a draft), with the number the Office gave it when publishing."""
    reviewed_reports.reader(_REFUSED)
    api = context.api()
    case = api.get("workflow", f"/annual-reports/{case_id}")
    data = {
        "case": case,
        "report": api.get("reporting", f"/reports/{case['data']['report_id']}"),
        "on": official_documents.dated(case).isoformat(),
        "number": reviewed_reports.number(case),
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
    return reviewed_reports.render_page(
        "annual_report.html",
        case,
        SECTIONS,
        values=values,
        errors=errors,
        message=message,
        report=found["report"],
        diagram=found["diagram"],
        diagram_src=url_for("diagrams.case_bpmn", kind="annual_report", case_id=case_id),
    )


reviewed_reports.case_routes(
    bp,
    "annual-reports",
    render=_render,
    refused=_REFUSED,
    published="Đã công bố báo cáo năm trên trang công khai (Điều 20 khoản 1).",
)
