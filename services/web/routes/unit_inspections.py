"""Units' own inspections (Đ10.2b, Đ15.1): a unit's list of its inspections and the Office's list
of every unit's, the form its head opens one with, and the inspection's page with what the unit
may do now (end it, cancel it, send its report, due 10 working days after the end).

The inspection is a workflow case (`/api/workflow/unit-inspections`); its diagram is drawn on
`/cases/unit_inspection/<id>`."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError

bp = Blueprint("unit_inspections", __name__)
API = "/unit-inspections"
FORMS = {
    "regular": "Kiểm tra thường xuyên, định kỳ theo kế hoạch",
    "ad_hoc": "Kiểm tra đột xuất",
}
SCOPES = {  # Đ11
    "implementation": "Việc tổ chức, triển khai và tình hình, kết quả thực hiện nhiệm vụ",
    "system_updates": "Việc cập nhật tình hình, kết quả thực hiện nhiệm vụ trên Hệ thống",
    "reporting": "Việc thực hiện chế độ thông tin, báo cáo",
}
RESULTS = {  # Đ15.3b
    "done": "Đã thực hiện đúng nhiệm vụ được giao",
    "not_done": "Chưa thực hiện nhiệm vụ được giao",
    "done_wrongly": "Thực hiện không đúng, không đầy đủ nhiệm vụ được giao",
}
CONCLUSION_FIELDS = (
    ("assessment", "Đánh giá việc tổ chức triển khai, kết quả thực hiện (Điều 15 khoản 3 điểm a)"),
    ("conclusion", "Kết luận (Điều 15 khoản 3 điểm b)"),
    ("nature", "Tính chất"),
    ("level", "Mức độ"),
    ("cause", "Nguyên nhân"),
    ("responsibility", "Trách nhiệm"),
    ("recommendations", "Kiến nghị (Điều 15 khoản 3 điểm c)"),
)
ACTIONS = ("finish", "cancel", "submit_report")


def _may_open() -> bool:
    who = context.person()
    return who is not None and who.is_unit and "unit_head" in who.roles


@bp.get("/unit-inspections")
@context.signed_in
def inspection_list() -> Any:
    found = context.api().get("workflow", API, limit=100)
    return render_template(
        "unit_inspection_list.html",
        items=found["items"],
        units=context.unit_names(),
        may_open=_may_open(),
    )


@bp.get("/unit-inspections/new")
@context.signed_in
def new() -> Any:
    if not _may_open():
        abort(403, description="Chỉ Thủ trưởng đơn vị mở cuộc tự kiểm tra.")
    return _form()


def _form(
    values: dict[str, Any] | None = None,
    errors: dict[str, list[str]] | None = None,
    message: str | None = None,
) -> Any:
    page = render_template(
        "unit_inspection_form.html",
        values=values or {"form": "regular", "scope": list(SCOPES)},
        errors=errors or {},
        message=message,
        forms=FORMS,
        scopes=SCOPES,
    )
    return page, (422 if errors else 200)


@bp.post("/unit-inspections")
@context.signed_in
def open_inspection() -> Any:
    form = request.form
    body: dict[str, Any] = {
        "form": form.get("form", ""),
        "title": form.get("title", "").strip(),
        "scope": form.getlist("scope"),
        "period_from": form.get("period_from", "") or None,
        "period_to": form.get("period_to", "") or None,
        "basis": form.get("basis", "").strip() or None,
        "note": form.get("note", "").strip() or None,
    }
    try:
        opened = context.api().post("workflow", API, body)
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        return _form(body, exc.field_errors() or {"form": [exc.message]}, exc.message)
    flash("Đã mở cuộc tự kiểm tra.", "success")
    case_id = opened["items"][0]["id"]
    return redirect(url_for("unit_inspections.detail", case_id=case_id), code=303)


@bp.get("/unit-inspections/<case_id>")
@context.signed_in
def detail(case_id: str) -> Any:
    return _render(case_id)


def _render(
    case_id: str,
    errors: dict[str, list[str]] | None = None,
    message: str | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    case = context.api().get("workflow", f"{API}/{case_id}")
    page = render_template(
        "unit_inspection_detail.html",
        case=case,
        units=context.unit_names(),
        history=list(reversed(case.get("history", []))),
        forms=FORMS,
        scopes=SCOPES,
        results=RESULTS,
        conclusion_fields=CONCLUSION_FIELDS,
        errors=errors or {},
        message=message,
        values=values or {},
    )
    return page, (422 if errors else 200)


@bp.post("/unit-inspections/<case_id>/<action>")
@context.signed_in
def act(case_id: str, action: str) -> Any:
    if action not in ACTIONS:
        abort(404)
    form = request.form
    body: dict[str, Any]
    if action == "finish":
        body = {"ended_on": form.get("ended_on") or None, "note": form.get("note") or None}
    elif action == "cancel":
        body = {"reason": form.get("reason", "").strip()}
    else:
        case = context.api().get("workflow", f"{API}/{case_id}")
        conclusions = []
        for unit in case["parties"].get("inspected", []):
            one: dict[str, Any] = {"unit": unit, "result": form.get(f"{unit}-result", "")}
            for name, _label in CONCLUSION_FIELDS:
                one[name] = form.get(f"{unit}-{name}", "").strip() or None
            conclusions.append(one)
        body = {
            "summary": form.get("summary", "").strip(),
            "conclusions": conclusions,
            "recommendations": form.get("recommendations", "").strip() or None,
        }
    try:
        context.api().post("workflow", f"{API}/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return _render(case_id, exc.field_errors(), exc.message, dict(form))
    flash("Đã cập nhật cuộc tự kiểm tra.", "success")
    return redirect(url_for("unit_inspections.detail", case_id=case_id), code=303)
