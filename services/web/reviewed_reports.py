"""What the pages of the Office's reviewed reports share: the evaluation report of a period
(Đ8.1a, Đ16.2, Đ18.2, routes/office_reports.py) and the annual report on this regulation (Đ20.1,
routes/annual_reports.py).

Both are workflow cases with the same review: the Office saves its sections, refreshes the stored
figures they present or submits them to the Office's leader, who approves them or returns them
with a reason; the Office then publishes the approved report with its number. Each blueprint
keeps its own routes for what differs (`.report_list`, `.open_report`, `.save`, `.document`:
its figures, its period or year), calls these for the rest and gets its `.report`, `.review`
and `.publish` routes from `case_routes`; the pages'
forms are the macros of templates/partials/reviewed_report.html.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError

REVIEWS = {"approve": "Duyệt báo cáo", "return": "Trả lại để chỉnh sửa"}
# The sections both reports end with, after the Office's assessment: difficulties, proposals.
CLOSING_SECTIONS = (("difficulties", "Khó khăn, vướng mắc"), ("proposals", "Đề xuất, kiến nghị"))
_SAVED = {"save": "Đã lưu dự thảo báo cáo.", "submit": "Đã trình lãnh đạo Văn phòng duyệt."}

# The kind's page, again with what went wrong: (case_id, errors=, values=, message=).
Render = Callable[..., Any]


def reader(refused: str) -> None:
    """The reports are read by the leaders and the Office only."""
    who = context.person()
    assert who is not None
    if not (who.is_office or who.is_leader):
        abort(403, description=refused)


def opened(open_case: Callable[[], Mapping[str, Any]], failed: str) -> Any:
    """Go to the case `open_case` opens, or to the one already open for its period or year (409
    names it); a refusal (422) goes back to the list with `failed` and the API's reason."""
    try:
        made = open_case()
    except ApiError as exc:
        if exc.status == 409 and exc.body.get("case_id"):
            return redirect(url_for(".report", case_id=exc.body["case_id"]), code=303)
        if exc.status != 422:
            raise
        flash(failed + exc.message, "error")
        return redirect(url_for(".report_list"), code=303)
    return redirect(url_for(".report", case_id=made["items"][0]["id"]), code=303)


def save(
    path: str,
    case_id: str,
    *,
    sections: tuple[tuple[str, str], ...],
    load: Callable[[], tuple[Mapping[str, Any], dict[str, Any]]],
    refresh: Callable[[Mapping[str, Any]], str],
    refreshed: str,
    render: Render,
) -> Any:
    """Save or submit the sections (`action`); `refresh` first stores the figures anew and saves
    on them. `load` gives the case and what the body carries besides the sections; `refresh`,
    the stored report made now."""
    action = request.form.get("action", "")
    if action not in ("save", "submit", "refresh"):
        abort(404)
    case, extra = load()
    body: dict[str, Any] = {name: request.form.get(name, "").strip() for name, _ in sections}
    body["report_id"] = case["data"]["report_id"]
    if action == "refresh":
        body["report_id"] = refresh(case)
    if action == "submit":
        body = {name: value or None for name, value in body.items()}  # the API names what is empty
    body.update(extra)
    api_action = "save" if action == "refresh" else action
    try:
        context.api().post("workflow", f"/{path}/{case_id}/actions/{api_action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return render(case_id, errors=exc.field_errors(), values=body, message=exc.message)
    flash({**_SAVED, "refresh": refreshed}[action], "success")
    return redirect(url_for(".report", case_id=case_id), code=303)


def case_routes(bp: Blueprint, path: str, *, render: Render, refused: str, published: str) -> None:
    """The blueprint's `GET /<path>/<case_id>` (`.report`: the page, for the leaders and the
    Office, else 403 with `refused`), `POST /<path>/<case_id>/review/<action>` (`.review`: the
    leader approves or returns) and `POST /<path>/<case_id>/publish` (`.publish`, flashing
    `published`), these two for the Office's staff and leader (the API decides which may)."""

    def report_view(case_id: str) -> Any:
        reader(refused)
        return render(case_id)

    def review_view(case_id: str, action: str) -> Any:
        return review(path, case_id, action, render)

    def publish_view(case_id: str) -> Any:
        return publish(path, case_id, published, render)

    rule = f"/{path}/<case_id>"
    bp.add_url_rule(rule, "report", context.signed_in(report_view), methods=["GET"])
    bp.add_url_rule(
        f"{rule}/review/<action>", "review", context.office_only(review_view), methods=["POST"]
    )
    bp.add_url_rule(
        f"{rule}/publish", "publish", context.office_only(publish_view), methods=["POST"]
    )


def review(path: str, case_id: str, action: str, render: Render) -> Any:
    """The Office's leader approves the report or returns it with a reason (the API refuses
    anyone else)."""
    if action not in REVIEWS:
        abort(404)
    reason = request.form.get("reason", "").strip()
    if action == "return" and not reason:
        errors = {"reason": ["Cần nêu lý do trả lại, nội dung cần chỉnh sửa."]}
        return render(case_id, errors=errors, message="Chưa nêu lý do trả lại.")
    body = {"reason": reason} if action == "return" else {}
    return _act(path, case_id, action, body, f"Đã thực hiện: {REVIEWS[action]}.", render)


def publish(path: str, case_id: str, published: str, render: Render) -> Any:
    """The Office publishes the approved report with the number it gave it, if any."""
    body = {"number": request.form.get("number", "").strip() or None}
    return _act(path, case_id, "publish", body, published, render)


def _act(path: str, case_id: str, action: str, body: Any, done: str, render: Render) -> Any:
    try:
        context.api().post("workflow", f"/{path}/{case_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return render(case_id, errors=exc.field_errors(), message=exc.message)
    flash(done, "success")
    return redirect(url_for(".report", case_id=case_id), code=303)


def number(case: Mapping[str, Any]) -> str | None:
    """The number and symbol the Office gave the report when publishing it (the body of an
    action becomes the case's data)."""
    found = (case.get("data") or {}).get("number")
    return str(found) if found else None


def render_page(
    template: str,
    case: Mapping[str, Any],
    sections: tuple[tuple[str, str], ...],
    *,
    values: Mapping[str, Any] | None,
    errors: dict[str, list[str]] | None,
    message: str | None,
    **shown: Any,
) -> tuple[str, int]:
    """The report's page: what the kind shows (`shown`: its figures), its forms (`page`), and
    what went wrong (422) if anything did."""
    html = render_template(
        template,
        case=case,
        **shown,
        **page(case, sections, values),
        errors=errors or {},
        message=message,
    )
    return html, (422 if errors else 200)


def page(
    case: Mapping[str, Any],
    sections: tuple[tuple[str, str], ...],
    values: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """What the page's forms show: the sections (as entered when a save failed, else as the case
    keeps them), whether they may be edited, the reviews and publication the case offers, the
    report's number and the case's history, newest first."""
    values = values or {}
    return {
        "sections": [
            (name, label, values.get(name, case["data"].get(name)) or "")
            for name, label in sections
        ],
        "editable": "save" in case["actions"],
        "reviews": {a: REVIEWS[a] for a in case["actions"] if a in REVIEWS},
        "publishable": "publish" in case["actions"],
        "number": number(case),
        "history": list(reversed(case.get("history", []))),
    }
