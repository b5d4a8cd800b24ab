"""Files sent with a task's progress, results and contributions (Đ6.2a: results are reported
with their documents).

A unit uploads a file first (`POST /api/workflow/tasks/<id>/files`, kept in the file store,
shared/files.py) and names it in the action's `attachments`; the action links it to the history
entry it writes, and the task's history shows it. Whoever reads the task downloads the files of
its history; a file not sent yet is its uploader unit's (and the Office's) alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.workflow import store
from shared.auth import UNIT_ROLES, Principal
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.files import StoredFile
from shared.platform import UnitOfWork

PREFIX = "/api/workflow"
# The actions that carry files: what a unit reports (Đ6.2a) and a coordinating unit's part (Đ8.2b).
ATTACHING_ACTIONS = ("report_progress", "submit_result", "contribute")
MAX_ATTACHMENTS = 20


def file_url(task_id: str, file_id: str) -> str:
    return f"{PREFIX}/tasks/{task_id}/files/{file_id}"


def _unit_of(principal: Principal) -> str | None:
    return principal.unit if principal.has_role(*UNIT_ROLES) else None


def require_upload(principal: Principal, task: dict[str, Any]) -> None:
    """The staff of the task's lead and coordinating units send files with their actions; so
    does the Office."""
    if principal.is_office:
        return
    unit = _unit_of(principal)
    if unit is not None and (unit == task["lead_unit"] or unit in task["coordinating_units"]):
        return
    raise Forbidden("Chỉ đơn vị chủ trì, đơn vị phối hợp và Văn phòng gửi tệp cho nhiệm vụ này.")


def add(uow: UnitOfWork, principal: Principal, task_id: str, stored: StoredFile) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4().hex,
        "task_id": task_id,
        "name": stored.name,
        "size": stored.size,
        "media_type": stored.media_type,
        "sha256": stored.sha256,
        "uploaded_at": uow.now,
        "uploaded_by": principal.to_actor(),
        "unit": principal.unit,
        "history_id": None,
    }
    uow.conn.execute(insert(store.task_files), row)
    uow.audit(
        principal.to_actor(),
        "task.file_uploaded",
        "task",
        task_id,
        {"file": {k: row[k] for k in ("id", "name", "size", "media_type", "sha256")}},
    )
    return row


def pending(
    conn: Connection, principal: Principal, task_id: str, action: str, ids: list[str]
) -> list[str]:
    """The files an action names, checked: uploaded to this task by the caller's unit and not
    sent yet (422 naming `attachments` otherwise)."""
    if not ids:
        return []
    if action not in ATTACHING_ACTIONS:
        raise ValidationFailed(
            "Thao tác này không kèm tệp.", {"attachments": ["Thao tác này không nhận tệp kèm."]}
        )
    wanted = list(dict.fromkeys(ids))
    f = store.task_files
    rows = {
        row["id"]: dict(row)
        for row in conn.execute(
            select(f).where(f.c.task_id == task_id, f.c.id.in_(wanted))
        ).mappings()
    }
    problems: list[str] = []
    for file_id in wanted:
        row = rows.get(file_id)
        if row is None:
            problems.append(f"{file_id}: không phải tệp đã tải lên cho nhiệm vụ này.")
        elif row["history_id"] is not None:
            problems.append(f"{row['name']}: tệp đã được gửi kèm một cập nhật khác.")
        elif row["unit"] != principal.unit:
            problems.append(f"{row['name']}: tệp do đơn vị khác tải lên.")
    if problems:
        raise ValidationFailed("Tệp kèm không hợp lệ.", {"attachments": problems})
    return wanted


def attach(uow: UnitOfWork, task_id: str, ids: list[str]) -> None:
    """Link the files to the task's newest history entry: the one the action just wrote."""
    if not ids:
        return
    h = store.task_history
    history_id = uow.conn.execute(
        select(func.max(h.c.id)).where(h.c.task_id == task_id)
    ).scalar_one()
    f = store.task_files
    uow.conn.execute(
        update(f).where(f.c.task_id == task_id, f.c.id.in_(ids)).values(history_id=history_id)
    )


def with_attachments(conn: Connection, history: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """The history entries, each with the files its action sent (`attachments`)."""
    entries = [dict(entry) for entry in history]
    ids = [entry["id"] for entry in entries if entry.get("id") is not None]
    by_entry: dict[int, list[dict[str, Any]]] = {}
    if ids:
        f = store.task_files
        rows = conn.execute(
            select(f).where(f.c.history_id.in_(ids)).order_by(f.c.uploaded_at, f.c.id)
        ).mappings()
        for row in rows:
            by_entry.setdefault(row["history_id"], []).append(view(dict(row)))
    for entry in entries:
        entry["attachments"] = by_entry.get(entry.get("id") or -1, [])
    return entries


def file_for_reader(
    conn: Connection, principal: Principal, task_id: str, file_id: str
) -> dict[str, Any]:
    """A task's file for a caller who reads the task (checked before): one sent with an action,
    or one not sent yet to its uploader's unit and the Office."""
    f = store.task_files
    row = (
        conn.execute(select(f).where(f.c.task_id == task_id, f.c.id == file_id)).mappings().first()
    )
    if row is None:
        raise NotFound("Không tìm thấy tệp của nhiệm vụ.", file_id=file_id)
    if row["history_id"] is None and not principal.is_office and row["unit"] != principal.unit:
        raise Forbidden("Tệp chưa được gửi kèm cập nhật nào.")
    return dict(row)


def view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "media_type": row["media_type"],
        "sha256": row["sha256"],
        "uploaded_at": row["uploaded_at"],
        "unit": row["unit"],
        "url": file_url(row["task_id"], row["id"]),
    }
