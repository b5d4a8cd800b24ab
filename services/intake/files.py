"""A document's files and who may read them; units' reports of a missing or wrong task (Đ5.2a).

The bytes are in the file store (shared/files.py); intake keeps each file's name, size, type and
hash in `document_files`. The Office, the Working Group's leader, leaders and the document system
read every document; a unit's staff read a released document on which their unit leads,
coordinates or was handed on (Đ8.2c) a task that is not withdrawn (Đ5.2a: a unit checks its tasks
against the assigning document).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.intake import store
from shared.auth import LEADER, OFFICE_LEAD, QLVB, UNIT_ROLES, Principal, reaches
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.files import StoredFile
from shared.platform import UnitOfWork
from shared.text import nfc

READ_ALL_ROLES = ("office", OFFICE_LEAD, LEADER, QLVB)
PROBLEMS = {"missing": "Giao thiếu nhiệm vụ", "incorrect": "Giao nhiệm vụ chưa chính xác"}
REPORT_STATUSES = {"open": "Chờ Văn phòng xử lý", "closed": "Đã xử lý"}


def unit_of(principal: Principal) -> str | None:
    """The unit whose staff the caller is, if any."""
    return principal.unit if principal.has_role(*UNIT_ROLES) else None


def units_with_tasks(document: dict[str, Any]) -> set[str]:
    """The units that lead or coordinate a task of the document that is not withdrawn."""
    found: set[str] = set()
    for task in document.get("tasks", []):
        if task.get("status", "active") != "withdrawn":
            found.add(task["lead_unit"])
            found.update(task["coordinating_units"])
    return found


def may_read(principal: Principal, document: dict[str, Any]) -> bool:
    """The Office, leaders and the document system read every document; a unit's staff read a
    released one (its tasks are theirs from the release, Đ5.1a) on which their unit leads or
    coordinates a task that is not withdrawn, or which such a task is handed on to their unit or
    gives a unit under theirs (Đ7.2a, Đ8.2c) or a sector their unit manages (Đ8.2a); the units a
    task was handed on to are the workflow's latest (store.task_handed_units)."""
    if principal.has_role(*READ_ALL_ROLES):
        return True
    unit = unit_of(principal)
    if unit is None or document["status"] != "released":
        return False
    if unit in units_with_tasks(document):
        return True
    live = [t for t in document.get("tasks", []) if t.get("status", "active") != "withdrawn"]
    return any(
        reaches(
            principal,
            t["lead_unit"],
            t["coordinating_units"],
            t.get("sector"),
            t.get("handed_units") or (),
        )
        for t in live
    )


def require_read(principal: Principal, document: dict[str, Any]) -> None:
    if not may_read(principal, document):
        raise Forbidden(
            "Chỉ Văn phòng UBND tỉnh, lãnh đạo và đơn vị được giao nhiệm vụ trong văn bản này "
            "được xem văn bản."
        )


def add_file(
    uow: UnitOfWork,
    document_id: str,
    stored: StoredFile,
    *,
    origin: str,
    actor: dict[str, Any] | None,
) -> dict[str, Any]:
    """Record a kept file as one of the document's, audited with the document."""
    row = {
        "id": uuid.uuid4().hex,
        "document_id": document_id,
        "name": stored.name,
        "size": stored.size,
        "media_type": stored.media_type,
        "sha256": stored.sha256,
        "origin": origin,
        "added_at": uow.now,
        "added_by": (actor or {}).get("sub"),
    }
    uow.conn.execute(insert(store.document_files), row)
    uow.audit(
        actor,
        "document.file_added",
        "document",
        document_id,
        {"file": {k: row[k] for k in ("id", "name", "size", "media_type", "sha256", "origin")}},
    )
    return row


def files_of(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    f = store.document_files
    rows = conn.execute(
        select(f).where(f.c.document_id == document_id).order_by(f.c.added_at, f.c.id)
    ).mappings()
    return [dict(row) for row in rows]


def file_of(conn: Connection, document_id: str, file_id: str) -> dict[str, Any]:
    f = store.document_files
    row = (
        conn.execute(select(f).where(f.c.document_id == document_id, f.c.id == file_id))
        .mappings()
        .first()
    )
    if row is None:
        raise NotFound("Không tìm thấy tệp của văn bản.", file_id=file_id)
    return dict(row)


def file_view(row: dict[str, Any], url: str) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "media_type": row["media_type"],
        "sha256": row["sha256"],
        "origin": row["origin"],
        "added_at": row["added_at"],
        "url": url,
    }


# -- a unit's report of a missing or wrong task (Đ5.2a) -------------------------------------------
def report_task(
    uow: UnitOfWork, principal: Principal, document_id: str, body: dict[str, Any]
) -> dict[str, Any]:
    """A unit tells the Office that the document gave it no task it should have (missing) or a
    task that is not right (incorrect, naming the task)."""
    unit = unit_of(principal)
    if unit is None:
        raise Forbidden("Chỉ cán bộ của đơn vị được báo giao thiếu hoặc chưa chính xác nhiệm vụ.")
    document = store.document_by_id(uow.conn, document_id)
    if document is None:
        raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
    task_id = body.get("task_id")
    if task_id is not None and not any(t["id"] == task_id for t in document["tasks"]):
        raise NotFound("Văn bản không có nhiệm vụ này.", task_id=task_id)
    if body["problem"] == "incorrect" and task_id is None:
        raise ValidationFailed(
            "Cần chỉ rõ nhiệm vụ giao chưa chính xác.",
            {"task_id": ["Chọn nhiệm vụ giao chưa chính xác."]},
        )
    row = {
        "id": uuid.uuid4().hex,
        "document_id": document_id,
        "task_id": task_id,
        "unit": unit,
        "problem": body["problem"],
        "reason": nfc(body["reason"]),
        "status": "open",
        "reported_at": uow.now,
        "reported_by": principal.to_actor(),
    }
    uow.conn.execute(insert(store.task_reports), row)
    uow.emit(
        "document.task_reported",
        {
            "report_id": row["id"],
            "document_id": document_id,
            "document_number": document["number"],
            "unit": unit,
            "problem": row["problem"],
            "reason": row["reason"],
            "reported_at": row["reported_at"],
            "task_id": task_id,
            "actor": principal.to_actor(),
        },
        subject=document_id,
    )
    uow.audit(
        principal.to_actor(),
        "document.task_reported",
        "document",
        document_id,
        {"report": {k: row[k] for k in ("id", "task_id", "unit", "problem", "reason")}},
    )
    return {**row, "document_number": document["number"], "closed_at": None}


def released_by_number(conn: Connection, number: str) -> str:
    """The id of the released document with this number and symbol (422 naming
    `document_number` when there is none, or more than one)."""
    d = store.documents
    wanted = " ".join(nfc(number).split())
    ids = list(
        conn.execute(
            select(d.c.id).where(d.c.number == wanted, d.c.status == "released").limit(2)
        ).scalars()
    )
    if len(ids) != 1:
        why = (
            "Không có văn bản đã chuyển theo dõi với số, ký hiệu này."
            if not ids
            else "Có nhiều văn bản cùng số, ký hiệu; báo trên trang văn bản."
        )
        raise ValidationFailed("Không xác định được văn bản.", {"document_number": [why]})
    return str(ids[0])


def close_report(
    uow: UnitOfWork, principal: Principal, report_id: str, note: str | None
) -> dict[str, Any]:
    r = store.task_reports
    row = uow.conn.execute(select(r).where(r.c.id == report_id)).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy báo cáo giao nhiệm vụ.", report_id=report_id)
    if row["status"] != "open":
        raise Conflict("Báo cáo này đã được xử lý.", report_id=report_id)
    values = {
        "status": "closed",
        "closed_at": uow.now,
        "closed_by": principal.to_actor(),
        "closing_note": nfc(note) if note else None,
    }
    uow.conn.execute(update(r).where(r.c.id == report_id).values(**values))
    uow.audit(
        principal.to_actor(),
        "document.task_report_closed",
        "document",
        row["document_id"],
        {"report": report_id, "note": values["closing_note"]},
    )
    return report_by_id(uow.conn, report_id)


def report_by_id(conn: Connection, report_id: str) -> dict[str, Any]:
    query = _reports().where(store.task_reports.c.id == report_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy báo cáo giao nhiệm vụ.", report_id=report_id)
    return dict(row)


def list_reports(
    conn: Connection,
    *,
    status: str | None,
    unit: str | None,
    document_id: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    r = store.task_reports
    query = _reports()
    if status:
        query = query.where(r.c.status == status)
    if unit:
        query = query.where(r.c.unit == unit)
    if document_id:
        query = query.where(r.c.document_id == document_id)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(r.c.reported_at, r.c.id).limit(limit).offset(offset)
    ).mappings()
    return [dict(row) for row in rows], total


def _reports() -> Any:
    r = store.task_reports
    d = store.documents
    return select(r, d.c.number.label("document_number")).join(d, d.c.id == r.c.document_id)


def report_view(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "document_id": row["document_id"],
        "document_number": row.get("document_number"),
        "task_id": row["task_id"],
        "unit": row["unit"],
        "problem": row["problem"],
        "problem_label": PROBLEMS[row["problem"]],
        "reason": row["reason"],
        "status": row["status"],
        "status_label": REPORT_STATUSES[row["status"]],
        "reported_at": row["reported_at"],
        "reported_by": row["reported_by"],
        "closed_at": row.get("closed_at"),
        "closing_note": row.get("closing_note"),
    }
