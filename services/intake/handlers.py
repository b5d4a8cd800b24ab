"""Intake commands: receive a document, release it for tracking. One function per command."""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC
from typing import Any

from services.intake import (
    document_rows,
    domain,
    edxml_status,
    status_messages,
    store,
    task_changes,
    task_store,
)
from shared import dates
from shared.auth import Principal
from shared.calendar import WorkingCalendar, local_date
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import Event
from shared.platform import UnitOfWork
from shared.text import fold, nfc

CLASSIFIED_REASON = (
    "Văn bản mật không được cập nhật lên Hệ thống theo dõi thực hiện nhiệm vụ (Điều 5 khoản 2 "
    "điểm d Quy chế ban hành kèm theo Quyết định 131/2025/QĐ-UBND)."
)


class ClassifiedDocument(ValidationFailed):
    title = "Văn bản mật không được tiếp nhận"


@dataclass(frozen=True)
class Received:
    document: dict[str, Any]
    created: bool


def refuse_classified(uow: UnitOfWork, source_id: str | None, secrecy: str) -> None:
    """Keep only who sent what kind of refusal, never a word of the document (Đ5.2d)."""
    reason = f"secrecy={secrecy}; Đ5.2d"
    store.record_refusal(uow.conn, (source_id or "")[:200] or None, uow.now, reason)


def receive_document(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    principal: Principal,
    body: dict[str, Any],
    *,
    max_due_years: int = dates.DEFAULT_MAX_DUE_YEARS,
    response_for: dict[str, Any] | None = None,
    sender: edxml_status.Sender = edxml_status.DEFAULT_SENDER,
) -> Received:
    """Receive a document; `response_for` is the EDXML message's identifiers, echoed in the
    status messages the document system gets about it (Đ3.2)."""
    origin = "qlvb" if principal.has_role("qlvb") and not principal.is_office else "office"
    content_hash = _content_hash(body)
    source_id = body.get("source_id") or f"office:{uuid.uuid4().hex}"
    # The tasks' units are read with it (one statement), checked after the number and dates.
    codes = {t["lead_unit"] for t in body["tasks"]}
    codes.update(c for t in body["tasks"] for c in t["coordinating_units"])
    existing, known = document_rows.source_and_units(uow.conn, source_id, codes)
    if existing is not None:
        if existing["content_hash"] != content_hash:
            raise Conflict(
                "Mã văn bản nguồn này đã được tiếp nhận với nội dung khác.",
                document_id=existing["id"],
            )
        return Received(existing, created=False)
    number = _validated_number(body)
    _check_issue_date(body, local_date(uow.now))
    _check_units(body["tasks"], codes - known)
    _check_due_dates(body, max_due_years)
    document_id = uuid.uuid4().hex
    task_units = [(t["lead_unit"], *t["coordinating_units"]) for t in body["tasks"]]
    row = {
        "id": document_id,
        "source_id": source_id,
        "content_hash": content_hash,
        "number": number,
        "type": body["type"],
        "assigned_by": body["assigned_by"],
        "signer": {k: nfc(v) for k, v in body["signer"].items()},
        "issued_on": body["issued_on"],
        "urgency": body["urgency"],
        "summary": nfc(body["summary"]),
        "status": "received",
        "origin": origin,
        "intake_deadline": domain.intake_deadline(
            calendar, body["issued_on"], body["urgency"], task_units
        ),
        "received_at": uow.now,
        "search_text": fold(f"{number} {body['summary']}"),
        "response_for": None,
    }
    if origin == "qlvb":
        row["response_for"] = response_for or status_messages.response_for_json(row)
    # Received and released in one request: the row is written released, as release_document
    # would leave it (one statement fewer); the events and audit records are the same, in order.
    releasing = bool(body.get("release")) and origin == "office"
    if releasing:
        _check_may_release(principal)
        _check_has_tasks(document_id, len(body["tasks"]))
        late = local_date(uow.now) > row["intake_deadline"]
        row.update(status="released", released_at=uow.now, released_late=late)
    task_rows = [
        {
            "id": uuid.uuid4().hex,
            "document_id": document_id,
            "position": position,
            "content": nfc(task["content"]),
            "lead_unit": task["lead_unit"],
            "coordinating_units": list(task["coordinating_units"]),
            "due_on": task["due_on"],
            "cadence": task["cadence"],
            # Đ8.2a: the task's own sector, else the document's.
            "sector": task.get("sector") or body.get("sector"),
        }
        for position, task in enumerate(body["tasks"])
    ]
    document_rows.insert_document(uow.conn, row, task_rows)
    # What was just written, as reading it back would give it (one to three statements fewer).
    document = document_rows.inserted_document(row, task_rows)
    uow.audit(
        principal.to_actor(),
        "document.received",
        "document",
        document_id,
        {"number": number, "source_id": source_id, "tasks": len(task_rows)},
    )
    uow.emit(
        "document.received",
        {
            "document_id": document_id,
            "source_id": source_id,
            "number": number,
            "type": body["type"],
            "assigned_by": body["assigned_by"],
            "issued_on": body["issued_on"],
            "urgency": body["urgency"],
            "summary": row["summary"],
            "task_count": len(task_rows),
            "received_at": uow.now,
        },
        subject=document_id,
    )
    # The status message of its receipt is about the document as received (one is written for
    # the document system's documents only, which are never released in the same request).
    received = (
        {**document, "status": "received", "released_at": None, "released_late": None}
        if releasing
        else document
    )
    status_messages.record(uow, sender, received, "received", principal.to_actor())
    if releasing:
        _announce_release(uow, principal, document, sender)
    return Received(document, created=True)


def release_document(
    uow: UnitOfWork,
    principal: Principal,
    document_id: str,
    *,
    sender: edxml_status.Sender = edxml_status.DEFAULT_SENDER,
) -> dict[str, Any]:
    """ "Chuyển theo dõi": assign the document's tasks; late if after the Đ6.1 deadline."""
    _check_may_release(principal)
    document = store.document_by_id(uow.conn, document_id)
    if document is None:
        raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
    if document["status"] == "released":
        raise Conflict("Văn bản đã được chuyển theo dõi.", document_id=document_id)
    # A task the Office withdrew before release (Đ5.2a) is never assigned.
    live = [task for task in document["tasks"] if task["status"] != "withdrawn"]
    _check_has_tasks(document_id, len(live))
    late = local_date(uow.now) > document["intake_deadline"]
    store.mark_released(uow.conn, document_id, uow.now, late)
    # What mark_released changed, as reading the row back would give it (UTC).
    released = {
        **document,
        "status": "released",
        "released_at": uow.now.astimezone(UTC),
        "released_late": late,
    }
    _announce_release(uow, principal, released, sender)
    return released


def _check_may_release(principal: Principal) -> None:
    """Only the Office releases a document for tracking (Đ5.1a)."""
    if not principal.is_office:
        raise Forbidden("Chỉ Văn phòng UBND tỉnh được chuyển văn bản sang theo dõi.")


def _check_has_tasks(document_id: str, live_tasks: int) -> None:
    if not live_tasks:
        raise Conflict("Văn bản chưa có nhiệm vụ nào để chuyển theo dõi.", document_id=document_id)


def _announce_release(
    uow: UnitOfWork, principal: Principal, released: dict[str, Any], sender: edxml_status.Sender
) -> None:
    """The events, audit record and status message of a release; `released` is the document as
    stored after it. A task the Office withdrew before release (Đ5.2a) is never assigned."""
    live = [task for task in released["tasks"] if task["status"] != "withdrawn"]
    released_at = released["released_at"]
    for task in live:
        uow.emit(
            "task.released",
            task_changes.release_payload(released, task, uow.now),
            subject=task["id"],
        )
    uow.emit(
        "document.released",
        {
            "document_id": released["id"],
            "number": released["number"],
            "issued_on": released["issued_on"],
            "released_at": released_at,
            "intake_deadline": released["intake_deadline"],
            "released_late": released["released_late"],
            "task_ids": [task["id"] for task in live],
            "signer_name": released["signer"]["name"],
            "signer_position": released["signer"]["position"],
        },
        subject=released["id"],
    )
    uow.audit(
        principal.to_actor(),
        "document.released",
        "document",
        released["id"],
        {"released_late": released["released_late"]},
    )
    status_messages.record(
        uow, sender, released, "released", principal.to_actor(), "Văn phòng UBND tỉnh"
    )


def _validated_number(body: dict[str, Any]) -> str:
    try:
        domain.parse_number(body["number"], body["type"], body["issued_on"])
    except domain.NumberError as exc:
        raise ValidationFailed("Số, ký hiệu văn bản không hợp lệ.", {"number": [str(exc)]}) from exc
    return nfc(body["number"].strip())


def _check_units(tasks: list[dict[str, Any]], unknown: set[str]) -> None:
    """422 naming each task's codes of `unknown`, those that name no active unit."""
    if not unknown:
        return
    errors: dict[str, Any] = {}
    for index, task in enumerate(tasks):
        task_errors: dict[str, list[str]] = {}
        if task["lead_unit"] in unknown:
            task_errors["lead_unit"] = [f"Không có đơn vị mã {task['lead_unit']}."]
        bad = [c for c in task["coordinating_units"] if c in unknown]
        if bad:
            task_errors["coordinating_units"] = [f"Không có đơn vị mã {', '.join(bad)}."]
        if task_errors:
            errors[str(index)] = task_errors
    raise ValidationFailed("Có mã đơn vị không tồn tại.", {"tasks": errors})


def _check_issue_date(body: dict[str, Any], today: Any) -> None:
    problem = dates.issue_date_problem(body["issued_on"], today)
    if problem:
        raise ValidationFailed("Ngày ban hành không hợp lệ.", {"issued_on": [problem]})


def _check_due_dates(body: dict[str, Any], max_due_years: int) -> None:
    """Each due date within the bounds of README "Dates people enter" (not before the issue date,
    at most MAX_DUE_YEARS after it), so that the workflow can arm its timers."""
    problems = {
        str(i): dates.due_date_problem(task["due_on"], body["issued_on"], max_due_years)
        for i, task in enumerate(body["tasks"])
        if task["due_on"] is not None
    }
    errors = {i: {"due_on": [problem]} for i, problem in problems.items() if problem}
    if errors:
        raise ValidationFailed("Hạn xử lý không hợp lệ.", {"tasks": errors})


def _content_hash(body: dict[str, Any]) -> str:
    content = {k: v for k, v in body.items() if k not in ("release",)}
    canonical = json.dumps(content, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(nfc(canonical).encode("utf-8")).hexdigest()


def on_task_handed_units(uow: UnitOfWork, event: Event) -> None:
    """Keep the units the task was handed on to (Đ8.2c), as its latest event names them: they read
    its document (Đ5.2a, files.may_read). `task.handed_on` adds one; a transfer's `task.corrected`
    names none, the old lead unit's hand-ons ending with it. A redelivered event is the inbox's."""
    task_id = event.data["task_id"]
    if store.task_by_id(uow.conn, task_id, lock=True) is None:
        return  # not a task of intake's
    task_store.record_handed_units(
        uow.conn, task_id, list(event.data["handed_units"]), event.data["occurred_at"]
    )


def event_handlers(sender: edxml_status.Sender = edxml_status.DEFAULT_SENDER) -> dict[str, Any]:
    """Intake is where tasks are born; it hears of their completion, to tell the document system
    (Đ3.2), and of the units they are handed on to, who read their document (Đ5.2a, Đ8.2c)."""
    completed = status_messages.task_completed_handler(sender)

    def on_task_completed(uow: UnitOfWork, event: Event) -> None:
        on_task_handed_units(uow, event)
        completed(uow, event)

    return {
        "task.completed": on_task_completed,
        "task.handed_on": on_task_handed_units,
        "task.corrected": on_task_handed_units,
    }


# The handler table with the default sender: its keys are what intake subscribes to.
EVENT_HANDLERS = event_handlers()
