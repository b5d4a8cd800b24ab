"""Documents: list and search, entry with its tasks, EDXML upload, release ("chuyển theo dõi",
Đ5.1a), adding a missing task (Đ5.2a), the document's files; for a unit of its tasks, the
document itself and its report of a missing or wrong task (Đ5.2a: "giao thiếu / chưa chính
xác"), which the Office closes from its queue."""

from __future__ import annotations

import re
import uuid
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError
from services.web.routes.tasks import passed_on

bp = Blueprint("documents", __name__)
PAGE_SIZE = 20
FILTERS = ("q", "type", "status", "assigned_by", "unit", "issued_from", "issued_to")
TASK_KEY = re.compile(r"^tasks-(\d+)-")
EMPTY_TASK: dict[str, Any] = {
    "content": "",
    "lead_unit": "",
    "coordinating_units": [],
    "schedule": "due",
    "due_on": "",
    "cadence": "",
}


@bp.get("/documents")
@context.office_only
def document_list() -> Any:
    args = {k: request.args.get(k, "").strip() for k in FILTERS}
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "intake",
        "/documents",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        tasks="count",
        **args,
    )
    return render_template(
        "document_list.html",
        documents=answer["items"],
        total=answer["total"],
        page=page,
        pages=max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        args=args,
        unit_list=context.directory().all(context.api()),
    )


@bp.get("/documents/new")
@context.office_only
def new_document() -> Any:
    values = {"urgency": "thuong", "idempotency_key": uuid.uuid4().hex}
    return _entry_page(values, [dict(EMPTY_TASK)], {})


def _entry_page(
    values: dict[str, Any],
    tasks: list[dict[str, Any]],
    errors: dict[str, list[str]],
    message: str | None = None,
    status: int = 200,
) -> Any:
    page = render_template(
        "document_new.html",
        values=values,
        tasks=tasks,
        errors=errors,
        message=message,
        unit_list=context.directory().active(context.api()),
    )
    return page, status


@bp.post("/documents/new")
@context.office_only
def create_document() -> Any:
    form = request.form
    values = {k: form.get(k, "").strip() for k in _DOCUMENT_FIELDS}
    tasks = _tasks_from_form(form)
    op = form.get("op", "save")
    if op == "add_task":
        return _entry_page(values, [*tasks, dict(EMPTY_TASK)], {})
    if op.startswith("remove_task-"):
        index = int(op.rsplit("-", 1)[1]) if op.rsplit("-", 1)[1].isdigit() else -1
        return _entry_page(values, [t for i, t in enumerate(tasks) if i != index], {})
    body = _document_body(values, tasks, release=op == "release")
    try:
        created = context.api().post(
            "intake",
            "/documents",
            body,
            headers={"Idempotency-Key": values["idempotency_key"] or uuid.uuid4().hex},
        )
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _entry_page(values, tasks, exc.field_errors(), exc.message, exc.status)
    released = created.get("status") == "released"
    flash("Đã lưu văn bản và chuyển theo dõi." if released else "Đã lưu văn bản.", "success")
    return redirect(url_for("documents.document_detail", document_id=created["id"]), code=303)


_DOCUMENT_FIELDS = (
    "source_id",
    "number",
    "type",
    "assigned_by",
    "signer-name",
    "signer-position",
    "issued_on",
    "urgency",
    "sector",
    "summary",
    "idempotency_key",
)


def _tasks_from_form(form: Any) -> list[dict[str, Any]]:
    indices = sorted({int(m.group(1)) for key in form if (m := TASK_KEY.match(key))})
    tasks = []
    for i in indices:
        prefix = f"tasks-{i}-"
        tasks.append(
            {
                "content": form.get(prefix + "content", "").strip(),
                "lead_unit": form.get(prefix + "lead_unit", "").strip(),
                "coordinating_units": form.getlist(prefix + "coordinating_units"),
                "schedule": form.get(prefix + "schedule", "due"),
                "due_on": form.get(prefix + "due_on", "").strip(),
                "cadence": form.get(prefix + "cadence", "").strip(),
            }
        )
    return tasks


def task_body(task: dict[str, Any]) -> dict[str, Any]:
    undated = task.get("schedule") == "cadence"
    return {
        "content": task["content"],
        "lead_unit": task["lead_unit"],
        "coordinating_units": [u for u in task["coordinating_units"] if u != task["lead_unit"]],
        "due_on": None if undated else (task["due_on"] or None),
        "cadence": (task["cadence"] or None) if undated else None,
    }


def _document_body(values: dict[str, Any], tasks: list[dict[str, Any]], release: bool) -> Any:
    body: dict[str, Any] = {
        "number": values["number"],
        "type": values["type"],
        "assigned_by": values["assigned_by"],
        "signer": {"name": values["signer-name"], "position": values["signer-position"]},
        "issued_on": values["issued_on"] or None,
        "urgency": values["urgency"] or "thuong",
        "secrecy": None,
        "summary": values["summary"],
        "release": release,
        "tasks": [task_body(t) for t in tasks],
    }
    if values["source_id"]:
        body["source_id"] = values["source_id"]
    if values.get("sector"):  # Đ8.2a: the document's tasks take its sector
        body["sector"] = values["sector"]
    return body


@bp.post("/documents/upload")
@context.office_only
def upload_edxml() -> Any:
    upload = request.files.get("edxml")
    if upload is None or not upload.filename:
        flash("Chọn một tệp EDXML để tải lên.", "error")
        return redirect(url_for("documents.document_list"), code=303)
    try:
        created = context.api().post_raw("intake", "/documents", upload.read(), "application/xml")
    except ApiError as exc:
        if exc.status not in (409, 422, 415, 400):
            raise
        details = "; ".join(f"{k}: {' '.join(v)}" for k, v in exc.field_errors().items())
        flash(f"{exc.message}{' — ' + details if details else ''}", "error")
        return redirect(url_for("documents.document_list"), code=303)
    flash("Đã tiếp nhận văn bản từ tệp EDXML.", "success")
    return redirect(url_for("documents.document_detail", document_id=created["id"]), code=303)


@bp.get("/documents/<document_id>")
@context.signed_in
def document_detail(document_id: str) -> Any:
    """The Office's page of a document; a unit of its tasks reads it too (the API decides)."""
    return _detail_page(document_id)


def _detail_page(
    document_id: str,
    errors: dict[str, list[str]] | None = None,
    new_task: dict[str, Any] | None = None,
    message: str | None = None,
    status: int = 200,
    report: dict[str, Any] | None = None,
) -> Any:
    api = context.api()
    document = api.get("intake", f"/documents/{document_id}")
    who = context.person()
    reports = api.get("intake", "/task-reports", document_id=document_id, limit=100)["items"]
    # What the document system was told about its document (Đ3.2): the Office and leaders.
    statuses: list[dict[str, Any]] = []
    if who and (who.is_office or who.is_leader):
        statuses = api.get("intake", f"/documents/{document_id}/status-messages")["items"]
    page = render_template(
        "document_detail.html",
        document=document,
        units=context.unit_names(),
        unit_list=context.directory().active(api) if who and who.is_office else [],
        errors=errors or {},
        new_task=new_task or dict(EMPTY_TASK),
        message=message,
        reports=reports,
        statuses=statuses,
        problems=PROBLEMS,
        report=report or {},
    )
    return page, status


PROBLEMS = {"missing": "Giao thiếu nhiệm vụ", "incorrect": "Giao nhiệm vụ chưa chính xác"}


@bp.get("/documents/<document_id>/files/<file_id>")
@context.signed_in
def document_file(document_id: str, file_id: str) -> Any:
    """A document's file, downloaded with the person's own rights (Đ5.2a)."""
    answer = context.api().download("intake", f"/documents/{document_id}/files/{file_id}")
    return passed_on(answer)


@bp.post("/documents/<document_id>/files")
@context.office_only
def add_file(document_id: str) -> Any:
    """The Office adds a file to a document (the intake API checks its type and size)."""
    part = request.files.get("file")
    if part is None or not part.filename:
        errors = {"file": ["Chọn một tệp để tải lên."]}
        return _detail_page(document_id, errors, status=422)
    try:
        context.api().post_file(
            "intake", f"/documents/{document_id}/files", part.filename, part.read(), part.mimetype
        )
    except ApiError as exc:
        if exc.status not in (413, 415, 422):
            raise
        return _detail_page(document_id, {"file": [exc.message]}, status=exc.status)
    flash("Đã thêm tệp vào văn bản.", "success")
    return redirect(url_for("documents.document_detail", document_id=document_id), code=303)


@bp.post("/documents/<document_id>/task-reports")
@context.signed_in
def report_task(document_id: str) -> Any:
    """A unit reports a missing or wrong task on the document (Đ5.2a)."""
    form = request.form
    body: dict[str, Any] = {
        "problem": form.get("problem", ""),
        "reason": form.get("reason", "").strip(),
    }
    if form.get("task_id"):
        body["task_id"] = form["task_id"]
    errors: dict[str, list[str]] = {}
    if body["problem"] not in PROBLEMS:
        errors["problem"] = ["Chọn giao thiếu hoặc chưa chính xác."]
    if not body["reason"]:
        errors["reason"] = ["Trường này là bắt buộc."]
    if not errors:
        try:
            context.api().post("intake", f"/documents/{document_id}/task-reports", body)
        except ApiError as exc:
            if exc.status not in (403, 404, 422):
                raise
            errors = exc.field_errors() or {"reason": [exc.message]}
    if errors:
        return _detail_page(document_id, errors, status=422, report=body)
    flash("Đã gửi báo cáo đến Văn phòng UBND tỉnh.", "success")
    return redirect(url_for("documents.document_detail", document_id=document_id), code=303)


@bp.post("/task-reports")
@context.signed_in
def report_missing_task() -> Any:
    """From the unit's home: a document it received gave it no task (Đ5.2a, giao thiếu); the unit
    cannot open that document's page, so it names the document by its number."""
    body = {
        "document_number": request.form.get("document_number", "").strip(),
        "reason": request.form.get("reason", "").strip(),
    }
    back = url_for("home.unit") + "#u-report"
    if not body["document_number"] or not body["reason"]:
        flash("Nhập số, ký hiệu văn bản và nội dung cần bổ sung.", "error")
        return redirect(back, code=303)
    try:
        context.api().post("intake", "/task-reports", body)
    except ApiError as exc:
        if exc.status not in (403, 422):
            raise
        details = " ".join(m for messages in exc.field_errors().values() for m in messages)
        flash(details or exc.message, "error")
        return redirect(back, code=303)
    flash("Đã gửi báo cáo giao thiếu nhiệm vụ đến Văn phòng UBND tỉnh.", "success")
    return redirect(back, code=303)


@bp.post("/task-reports/<report_id>/close")
@context.office_only
def close_report(report_id: str) -> Any:
    note = request.form.get("note", "").strip()
    try:
        context.api().post("intake", f"/task-reports/{report_id}/close", {"note": note or None})
    except ApiError as exc:
        if exc.status not in (404, 409, 422):
            raise
        flash(exc.message, "error")
        return redirect(url_for("home.office") + "#q-task-reports", code=303)
    flash("Đã xử lý báo cáo giao nhiệm vụ.", "success")
    return redirect(url_for("home.office") + "#q-task-reports", code=303)


@bp.post("/documents/<document_id>/release")
@context.office_only
def release(document_id: str) -> Any:
    try:
        context.api().post("intake", f"/documents/{document_id}/release")
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        return _detail_page(document_id, message=exc.message, status=exc.status)
    flash("Đã chuyển theo dõi: các nhiệm vụ đã được giao cho đơn vị.", "success")
    return redirect(url_for("documents.document_detail", document_id=document_id), code=303)


@bp.post("/documents/<document_id>/tasks")
@context.office_only
def add_task(document_id: str) -> Any:
    tasks = _tasks_from_form(request.form)
    task = tasks[0] if tasks else dict(EMPTY_TASK)
    try:
        context.api().post("intake", f"/documents/{document_id}/tasks", task_body(task))
    except ApiError as exc:
        if exc.status not in (409, 422):
            raise
        errors = {f"tasks-0-{k}": v for k, v in exc.field_errors().items()}
        return _detail_page(document_id, errors, task, exc.message, exc.status)
    flash("Đã bổ sung nhiệm vụ (Đ5.2a).", "success")
    return redirect(url_for("documents.document_detail", document_id=document_id), code=303)
