"""The Chairman's Working Group (Đ10.1b, Đ13.1) and the annual inspection plan (Đ10.1a, Đ12.1):
the group's decision and members, which the Office records and keeps current; the year's plans,
which the Office drafts and submits and the leader approves or returns; the inspections opened
from a plan.

Both are the workflow service's (`/api/workflow/working-group`, `/api/workflow/inspection-plans`).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError, gather

bp = Blueprint("working_group", __name__)
ROLES = {"leader": "Tổ trưởng", "deputy": "Tổ phó", "member": "Thành viên"}
SCOPES = {  # Đ11
    "implementation": "Việc tổ chức, triển khai và tình hình, kết quả thực hiện nhiệm vụ",
    "system_updates": "Việc cập nhật tình hình, kết quả thực hiện nhiệm vụ trên Hệ thống",
    "reporting": "Việc thực hiện chế độ thông tin, báo cáo",
}
MEMBER_ROWS = 8
PLAN_ROWS = 10
PLAN_ACTIONS = ("submit", "approve", "return_plan")


def _readers_only() -> None:
    who = context.person()
    if who is None or not (who.is_office or who.is_leader or "inspector" in who.roles):
        abort(403, description="Trang này dành cho Văn phòng, lãnh đạo và Tổ công tác.")


@bp.get("/working-group")
@context.signed_in
def group() -> Any:
    return _group_page()


def _group_page(
    errors: dict[str, list[str]] | None = None,
    message: str | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    api = context.api()
    found = gather(
        {
            "group": partial(api.get, "workflow", "/working-group"),
            "units": partial(context.directory().names, api),
        }
    )
    page = render_template(
        "working_group.html",
        group=found["group"],
        units=found["units"],
        roles=ROLES,
        member_rows=MEMBER_ROWS,
        errors=errors or {},
        message=message,
        values=values or {},
    )
    return page, (422 if errors else 200)


def _post(path: str, body: dict[str, Any], done: str) -> Any:
    try:
        context.api().post("workflow", path, body)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return _group_page(exc.field_errors(), exc.message, dict(request.form))
    flash(done, "success")
    return redirect(url_for("working_group.group"), code=303)


@bp.post("/working-group/decisions")
@context.office_only
def decide() -> Any:
    form = request.form
    members = []
    for n in range(MEMBER_ROWS):
        row = {key: form.get(f"m{n}-{key}", "").strip() for key in ("sub", "name", "role", "unit")}
        if any(row.values()):
            members.append(row)
    body = {
        "number": form.get("number", "").strip(),
        "signed_on": form.get("signed_on") or None,
        "signer": form.get("signer", "").strip(),
        "rules": form.get("rules", "").strip() or None,
        "rules_ref": form.get("rules_ref", "").strip() or None,
        "effective_on": form.get("effective_on") or None,
        "members": members,
    }
    return _post("/working-group/decisions", body, "Đã ghi nhận Quyết định thành lập Tổ công tác.")


@bp.post("/working-group/members")
@context.office_only
def add_member() -> Any:
    form = request.form
    body: dict[str, Any] = {
        key: form.get(key, "").strip() for key in ("sub", "name", "role", "unit")
    }
    body["started_on"] = form.get("started_on") or None
    body["basis"] = form.get("basis", "").strip() or None
    return _post("/working-group/members", body, "Đã bổ sung thành viên Tổ công tác.")


@bp.post("/working-group/members/<member_id>/end")
@context.office_only
def end_member(member_id: str) -> Any:
    body = {"ended_on": request.form.get("ended_on") or None, "reason": request.form.get("reason")}
    return _post(f"/working-group/members/{member_id}/end", body, "Đã kết thúc thành viên.")


# -- the annual inspection plan ------------------------------------------------------------------
@bp.get("/inspection-plans")
@context.signed_in
def plans() -> Any:
    _readers_only()
    return _plans_page()


def _plans_page(
    errors: dict[str, list[str]] | None = None,
    message: str | None = None,
    values: dict[str, Any] | None = None,
) -> Any:
    api = context.api()
    found = gather(
        {
            "plans": partial(api.get, "workflow", "/inspection-plans", limit=100),
            "units": partial(context.directory().names, api),
        }
    )
    page = render_template(
        "inspection_plans.html",
        plans=found["plans"]["items"],
        units=found["units"],
        scopes=SCOPES,
        rows=PLAN_ROWS,
        errors=errors or {},
        message=message,
        values=values or {},
    )
    return page, (422 if errors else 200)


def _items(form: Any) -> list[dict[str, Any]]:
    items = []
    for n in range(PLAN_ROWS):
        unit, month = form.get(f"i{n}-unit", ""), form.get(f"i{n}-month", "")
        if not unit and not month:
            continue
        items.append(
            {
                "unit": unit,
                "month": int(month) if month.isdigit() else month,
                "scope": form.getlist(f"i{n}-scope"),
                "note": form.get(f"i{n}-note", "").strip() or None,
            }
        )
    return items


@bp.post("/inspection-plans")
@context.office_only
def draft_plan() -> Any:
    form = request.form
    year = form.get("year", "")
    body = {
        "year": int(year) if year.isdigit() else year,
        "title": form.get("title", "").strip() or None,
        "items": _items(form),
        "note": form.get("note", "").strip() or None,
    }
    try:
        opened = context.api().post("workflow", "/inspection-plans", body)
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        return _plans_page(exc.field_errors(), exc.message, dict(form))
    flash("Đã lập dự thảo kế hoạch kiểm tra.", "success")
    return redirect(url_for("working_group.plan", case_id=opened["items"][0]["id"]), code=303)


@bp.get("/inspection-plans/<case_id>")
@context.signed_in
def plan(case_id: str) -> Any:
    _readers_only()
    return _plan_page(case_id)


def _plan_page(
    case_id: str, errors: dict[str, list[str]] | None = None, message: str | None = None
) -> Any:
    api = context.api()
    found = gather(
        {
            "plan": partial(api.get, "workflow", f"/inspection-plans/{case_id}"),
            "inspections": partial(
                api.get, "workflow", "/inspections", group_id=case_id, limit=500
            ),
            "units": partial(context.directory().names, api),
        }
    )
    page = render_template(
        "inspection_plan.html",
        plan=found["plan"],
        inspections=found["inspections"]["items"],
        units=found["units"],
        scopes=SCOPES,
        history=list(reversed(found["plan"].get("history", []))),
        errors=errors or {},
        message=message,
    )
    return page, (422 if errors else 200)


@bp.post("/inspection-plans/<case_id>/<action>")
@context.signed_in
def plan_action(case_id: str, action: str) -> Any:
    if action not in PLAN_ACTIONS:
        abort(404)
    body: dict[str, Any] = {}
    if action == "return_plan":
        body = {"reason": request.form.get("reason", "").strip()}
    elif request.form.get("note"):
        body = {"note": request.form["note"].strip()}
    try:
        context.api().post("workflow", f"/inspection-plans/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (403, 409, 422):
            raise
        return _plan_page(case_id, exc.field_errors(), exc.message)
    flash("Đã cập nhật kế hoạch kiểm tra.", "success")
    return redirect(url_for("working_group.plan", case_id=case_id), code=303)
