"""Tasks: the list with filters, the detail with its timeline and the actions the diagram offers
this person now, and the Office's corrections of a task (Đ5.2a)."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from services.web import context, forms
from services.web.api_client import ApiClient, ApiError, gather
from services.web.routes import diagrams

bp = Blueprint("tasks", __name__)
PAGE_SIZE = 25
# The actions whose form takes files (Đ6.2a): uploaded to the task first, then named by the action.
ATTACHING_ACTIONS = ("report_progress", "submit_result", "contribute")
FILE_ACCEPT = ".pdf,.doc,.docx,.xls,.xlsx,.odt,.png,.jpg,.jpeg"
# Headers of a file the services serve that the page passes on unchanged.
DOWNLOAD_HEADERS = ("Content-Type", "Content-Disposition", "Content-Length")
FILTERS = (
    "status",
    "unit",
    "overdue",
    "progress_due",
    "assigned_by",
    "assigned_from",
    "assigned_to",
    "q",
)


@bp.get("/tasks")
@context.signed_in
def task_list() -> Any:
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    if args["overdue"] not in ("", "true", "false"):
        args["overdue"] = ""
    if args["status"] and args["status"] not in context.labels().TASK_STATUS_LABELS:
        args["status"] = ""
    if args["assigned_by"] not in ("", *context.labels().ASSIGNER_LABELS):
        args["assigned_by"] = ""
    for day in ("assigned_from", "assigned_to"):
        args[day] = args[day] if _is_date(args[day]) else ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "workflow", "/tasks", limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE, **args
    )
    pages = max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    return render_template(
        "task_list.html",
        tasks=answer["items"],
        total=answer["total"],
        page=page,
        pages=pages,
        args=args,
        units=context.unit_names(),
        unit_list=context.directory().all(context.api()),
    )


@bp.get("/tasks/<task_id>")
@context.signed_in
def task_detail(task_id: str) -> Any:
    return _render_detail(task_id)


def _render_detail(
    task_id: str,
    *,
    open_action: str | None = None,
    errors: dict[str, list[str]] | None = None,
    values: dict[str, Any] | None = None,
    message: str | None = None,
    status: int = 200,
) -> Any:
    api = context.api()
    found = gather(
        {
            "task": partial(api.get, "workflow", f"/tasks/{task_id}"),
            "intake_task": partial(api.get, "intake", f"/tasks/{task_id}"),
            "unit_list": partial(context.directory().all, api),
            "diagram": partial(diagrams.instance_diagram, api, f"/tasks/{task_id}"),
        }
    )
    task, intake_task = found["task"], found["intake_task"]
    document = {"id": task["document_id"], **intake_task.get("document", {})}
    # The document's files come with intake's task, for those who may read the document (Đ5.2a).
    document_files = list(intake_task.get("document", {}).get("files", []))
    who = context.person()
    page = render_template(
        "task_detail.html",
        task=task,
        document=document,
        document_files=document_files,
        attaching_actions=ATTACHING_ACTIONS,
        file_accept=FILE_ACCEPT,
        intake_task=intake_task,
        history=list(reversed(task.get("history", []))),
        contributions=[h for h in task.get("history", []) if h["action"] == "contribute"],
        actions=[(a, forms.action_label(a), forms.action_fields(a)) for a in task["actions"]],
        can_correct=bool(
            who and who.is_office and task["status"] not in ("completed", "withdrawn")
        ),
        unit_list=[u for u in found["unit_list"] if u.active],
        units={u.code: u.name for u in found["unit_list"]},
        open_action=open_action,
        errors=errors or {},
        values=values or {},
        message=message,
        diagram=found["diagram"],
        case_paths=diagrams.CASE_PATHS,
    )
    # htmx swaps only what it is given; an answer it must show is sent as 200 (see base.html).
    return page, (200 if request.headers.get("HX-Request") else status)


@bp.post("/tasks/<task_id>/actions/<action>")
@context.signed_in
def perform(task_id: str, action: str) -> Any:
    if action not in forms.ACTION_FIELDS:
        abort(404)
    body = forms.action_body(action, request.form)
    missing = forms.missing_required(action, body)
    if missing:
        return _render_detail(task_id, open_action=action, errors=missing, values=body, status=422)
    api = context.api()
    try:
        attachments = _upload_files(api, task_id) if action in ATTACHING_ACTIONS else []
    except ApiError as exc:
        if exc.status not in (403, 413, 422):
            raise
        errors = {"file": [exc.message]}
        return _render_detail(
            task_id, open_action=action, errors=errors, values=body, status=exc.status
        )
    if attachments:
        body["attachments"] = attachments
    try:
        api.post("workflow", f"/tasks/{task_id}/actions/{action}", body)
    except ApiError as exc:
        if exc.status == 409:
            # The task moved on (someone else acted): show why and what it offers now.
            return _render_detail(task_id, message=exc.message, status=409)
        if exc.status == 422:
            return _render_detail(
                task_id,
                open_action=action,
                errors=exc.field_errors(),
                values=body,
                message=exc.message,
                status=422,
            )
        raise
    flash(f"Đã thực hiện: {forms.action_label(action)}.", "success")
    return redirect(url_for("tasks.task_detail", task_id=task_id), code=303)


def _upload_files(api: ApiClient, task_id: str) -> list[str]:
    """Upload the form's files to the task (the workflow checks each); their ids."""
    ids = []
    for part in request.files.getlist("file"):
        if not part or not part.filename:
            continue
        data = part.read()
        uploaded = api.post_file(
            "workflow", f"/tasks/{task_id}/files", part.filename, data, part.mimetype
        )
        ids.append(uploaded["id"])
    return ids


@bp.get("/tasks/<task_id>/files/<file_id>")
@context.signed_in
def task_file(task_id: str, file_id: str) -> Any:
    """A file sent with the task's history, downloaded with the person's own rights."""
    return passed_on(context.api().download("workflow", f"/tasks/{task_id}/files/{file_id}"))


def passed_on(answer: Any) -> Response:
    """A service's file answer as the page's: always a download, never sniffed."""
    response = Response(answer.content, status=200)
    for name in DOWNLOAD_HEADERS:
        if name in answer.headers:
            response.headers[name] = answer.headers[name]
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    if not response.headers.get("Content-Disposition", "").startswith("attachment"):
        response.headers["Content-Disposition"] = "attachment"
    return response


CORRECTIONS = {
    "transfer": ("Chuyển đơn vị chủ trì", ("lead_unit", "reason")),
    "withdraw": ("Thu hồi nhiệm vụ", ("reason",)),
    "amend": ("Điều chỉnh nhiệm vụ", ("content", "due_on", "cadence", "coordinating_units")),
}


@bp.post("/tasks/<task_id>/corrections/<kind>")
@context.office_only
def correct(task_id: str, kind: str) -> Any:
    if kind not in CORRECTIONS:
        abort(404)
    body = _correction_body(kind)
    open_action = "withdraw" if kind == "withdraw" else f"correct-{kind}"
    if kind == "withdraw" and not body["reason"]:
        errors = {"reason": ["Trường này là bắt buộc."]}
        return _render_detail(task_id, open_action=open_action, errors=errors, status=422)
    api = context.api()
    try:
        if kind == "amend":
            api.patch("intake", f"/tasks/{task_id}", body)
        else:
            api.post("intake", f"/tasks/{task_id}/{kind}", body)
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _render_detail(
            task_id,
            open_action=open_action,
            errors=exc.field_errors(),
            values=body,
            message=exc.message,
            status=exc.status,
        )
    flash(f"Đã gửi: {CORRECTIONS[kind][0]}.", "success")
    return redirect(url_for("tasks.task_detail", task_id=task_id), code=303)


def _correction_body(kind: str) -> dict[str, Any]:
    form = request.form
    if kind == "amend":
        body: dict[str, Any] = {}
        if form.get("content", "").strip():
            body["content"] = form["content"].strip()
        if form.get("schedule") == "cadence":
            body["due_on"], body["cadence"] = None, form.get("cadence") or None
        elif form.get("due_on"):
            body["due_on"], body["cadence"] = form["due_on"], None
        if form.get("coordinating_units_sent"):
            body["coordinating_units"] = form.getlist("coordinating_units")
        return body
    return {name: form.get(name, "").strip() for name in CORRECTIONS[kind][1]}


def _is_date(text: str) -> bool:
    try:
        date.fromisoformat(text)
    except ValueError:
        return False
    return True
