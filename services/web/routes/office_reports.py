"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2): the list of the periods' reports, one
report assembled for its period — the stored figures by unit and by assigning leader, the
overdue and undated tasks, which units reported, the units' explanations, the Office's own
figures — with the Office's assessment sections to write, submit to the Office's leader, approve
or return (office_lead), publish (Đ16.2), and its DOCX and PDF in the layout of Nghị định 30/2020
(services/web/official_documents.py).

The report is a workflow case (`/api/workflow/office-reports`) naming the stored report of its
figures (`/api/reporting/reports/<id>`); publishing it is the case's last step, after which
reporting shows the approved version on the public page. The API decides who may do what; the
pages leave out the buttons a person could not use (the case's `actions`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import partial
from typing import Any

from flask import Blueprint, abort, render_template, request

from services.web import context, official_documents, reviewed_reports
from services.web.api_client import gather
from services.web.office_report_parts import (
    ASSESSMENT,
    Assembled,
    overdue,
    undated,
    unit_explanations,
)

bp = Blueprint("office_reports", __name__)
_REFUSED = "Báo cáo đánh giá dành cho lãnh đạo và Văn phòng UBND tỉnh."
PERIOD = re.compile(r"^\d{4}(-Q[1-4]|-H1)?$")
SECTIONS = (
    *((key, heading[3:]) for key, heading in ASSESSMENT),
    *reviewed_reports.CLOSING_SECTIONS,
)
MAX_UNITS = 500


@bp.get("/office-reports")
@context.signed_in
def report_list() -> Any:
    reviewed_reports.reader(_REFUSED)
    api = context.api()
    found = gather(
        {
            "periods": partial(api.get, "workflow", "/periodic-reports", limit=24),
            "mine": partial(api.get, "workflow", "/office-reports", limit=100),
        }
    )
    reports = {c["data"].get("period"): c for c in found["mine"]["items"]}
    periods = sorted(
        found["periods"]["items"], key=lambda c: c["data"].get("units_due_on", ""), reverse=True
    )
    return render_template("office_report_list.html", periods=periods, reports=reports)


@bp.post("/office-reports/open")
@context.office_only
def open_report() -> Any:
    """Open the period's evaluation on its newest stored report, generating one if none."""
    period = request.form.get("period", "")
    if not PERIOD.match(period):
        abort(404)
    return reviewed_reports.opened(
        lambda: context.api().post(
            "workflow", "/office-reports", {"period": period, "report_id": _stored(period)}
        ),
        "Không lập được báo cáo đánh giá: ",
    )


def _stored(period: str) -> str:
    """The newest stored report of the period's figures, or a new one made now (Đ18)."""
    api = context.api()
    listed = api.get("reporting", "/reports", limit=100)
    for item in listed["items"]:
        if item["period"] == period:
            return str(item["id"])
    return str(api.post("reporting", "/reports", {"period": period})["id"])


@bp.post("/office-reports/<case_id>")
@context.office_only
def save(case_id: str) -> Any:
    """Save or submit the assessment; `refresh` first stores the period's figures anew."""

    def load() -> tuple[Mapping[str, Any], dict[str, Any]]:
        assembled = _assemble(case_id)
        return assembled.case, _snapshot(assembled)

    def refresh(case: Any) -> str:
        made = context.api().post("reporting", "/reports", {"period": case["data"]["period"]})
        return str(made["id"])

    return reviewed_reports.save(
        "office-reports",
        case_id,
        sections=SECTIONS,
        load=load,
        refresh=refresh,
        refreshed="Đã cập nhật số liệu của kỳ.",
        render=_render,
    )


def _snapshot(assembled: Assembled) -> dict[str, Any]:
    """What the report presents of the units' reports as they stand now, kept with it."""
    standing = assembled.standing or {}
    rows = [
        {"unit": row["unit"], "name": row.get("name"), "standing": row["standing"]}
        for row in standing.get("units") or []
    ]
    totals = {key: value for key, value in (standing.get("totals") or {}).items()}
    keys = ("unit", "unit_name", "task_id", "content", "document_number", "reasons", "text")
    explained = [{key: item.get(key) for key in keys} for item in assembled.explained]
    return {"standing": {"totals": totals, "units": rows}, "explained": explained}


@bp.get("/office-reports/<case_id>/document.<fmt>")
@context.signed_in
def document(case_id: str, fmt: str) -> Any:
    """The report as an official document (DOCX or PDF), dated the day its leader approved it
    (today for a draft), with the number the Office gave it when publishing."""
    reviewed_reports.reader(_REFUSED)
    assembled = _assemble(case_id)
    data = {
        "case": assembled.case,
        "report": assembled.report,
        "standing": assembled.standing,
        "explained": list(assembled.explained),
        "overdue": overdue(assembled.report),
        "undated": undated(assembled.report),
        "on": official_documents.dated(assembled.case).isoformat(),
        "number": reviewed_reports.number(assembled.case),
    }
    return official_documents.download("office_report", fmt, data)


def _assemble(case_id: str) -> Assembled:
    """The report as it presents itself: while the Office writes it, the units' reports as they
    stand now; once submitted, as the case kept them."""
    api = context.api()
    case = api.get("workflow", f"/office-reports/{case_id}")
    data = case["data"]
    if case["status"] not in ("draft", "returned") and data.get("standing") is not None:
        report = api.get("reporting", f"/reports/{data['report_id']}")
        return Assembled(
            case=case,
            report=report,
            standing=data["standing"],
            explained=data.get("explained") or [],
        )
    period = data["period"]
    found = gather(
        {
            "report": partial(api.get, "reporting", f"/reports/{case['data']['report_id']}"),
            "standing": partial(api.get, "reporting", "/unit-reports", period=period),
            "units": partial(
                api.get, "workflow", "/unit-reports", group_id=f"d18-{period}", limit=MAX_UNITS
            ),
        }
    )
    explained = unit_explanations(found["units"]["items"], context.unit_names())
    return Assembled(
        case=case, report=found["report"], standing=found["standing"], explained=explained
    )


def _render(
    case_id: str,
    *,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
) -> Any:
    assembled = _assemble(case_id)
    case, report = assembled.case, assembled.report
    return reviewed_reports.render_page(
        "office_report.html",
        case,
        SECTIONS,
        values=values,
        errors=errors,
        message=message,
        report=report,
        standing=assembled.standing,
        explained=assembled.explained,
        overdue=overdue(report),
        undated=undated(report),
    )


reviewed_reports.case_routes(
    bp,
    "office-reports",
    render=_render,
    refused=_REFUSED,
    published="Đã công bố báo cáo đánh giá trên trang công khai (Điều 16 khoản 2).",
)
