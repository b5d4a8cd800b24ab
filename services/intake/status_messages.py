"""Status back to the document system (Đ2.2, Đ3.2): what happened to a document it sent.

A document that came from the document system (origin "qlvb") gets a status message when it is
received, when it is released for tracking (chuyển theo dõi), when each of its tasks is
completed and when all of them are. Each message is a QCVN 102 `Status` in EDXML, matched to the
document by the identifiers its message carried (`documents.response_for`), kept in
`status_messages` (read by the document system through the API) and announced in the same
transaction as `document.status_changed`, which notify delivers to the document system's
endpoint, signed and retried (docs/architecture.md, "Status back to the document system").
"""

from __future__ import annotations

import uuid
from typing import Any

from services.intake import edxml_status, store, task_store, unit_store
from shared.events import Event
from shared.platform import UnitOfWork

DESCRIPTIONS = {
    # An EDXML document arrives without tasks: the Office enters them before release (Đ5.1a).
    "received": "Hệ thống theo dõi nhiệm vụ đã tiếp nhận văn bản {number}{counted}.",
    "released": "Văn phòng UBND tỉnh đã chuyển theo dõi {tasks} nhiệm vụ của văn bản {number}.",
    "task_completed": (
        "Nhiệm vụ {position} của văn bản {number} đã hoàn thành ({done}/{tasks} nhiệm vụ): "
        "{content}"
    ),
    "completed": "Tất cả {tasks} nhiệm vụ của văn bản {number} đã hoàn thành.",
}


def response_for_json(document: dict[str, Any]) -> dict[str, Any]:
    """The identifiers of a document the document system posted as JSON (no OrganId)."""
    issued = document["issued_on"]
    return {
        "organ_id": None,
        "code": document["number"],
        "promulgation_date": issued.strftime("%Y/%m/%d") if hasattr(issued, "strftime") else None,
        "document_id": document["source_id"],
    }


# Who acted when the workflow's task.completed carries no actor.
SYSTEM_ACTOR = {"sub": "system:intake", "name": "Hệ thống theo dõi nhiệm vụ", "role": None}


def record(
    uow: UnitOfWork,
    sender: edxml_status.Sender,
    document: dict[str, Any],
    kind: str,
    actor: dict[str, Any] | None,
    department: str | None = None,
    *,
    task: dict[str, Any] | None = None,
) -> dict[str, Any] | None:
    """Write one status message about `document` and announce it, with its audit record; none
    for a document that did not come from the document system. `actor` and `department` are the
    message's StaffInfo: who acted, in which unit."""
    response_for = document.get("response_for")
    if document["origin"] != "qlvb" or not response_for:
        return None
    live = [t for t in document["tasks"] if t["status"] != "withdrawn"]
    done = sum(1 for t in live if t.get("completed_at") is not None)
    description = DESCRIPTIONS[kind].format(
        number=document["number"],
        counted=f" ({len(live)} nhiệm vụ)" if live else "",
        tasks=len(live),
        done=done,
        position=(task["position"] + 1) if task else "",
        content=(task["content"][:300] if task else ""),
    )
    code = edxml_status.STATUS_CODES[kind]
    actor = actor or SYSTEM_ACTOR
    staff = {"staff": actor.get("name") or actor.get("sub"), "department": department}
    body = edxml_status.status_message(response_for, sender, code, description, uow.now, staff)
    row = {
        "id": uuid.uuid4().hex,
        "document_id": document["id"],
        "kind": kind,
        "status_code": code,
        "task_id": task["id"] if task else None,
        "description": description,
        "edxml": body,
        "created_at": uow.now,
    }
    task_store.add_status_message(uow.conn, row)
    uow.audit(
        actor,
        "document.status_sent",
        "document",
        document["id"],
        {"kind": kind, "status_code": code, "task_id": row["task_id"]},
    )
    uow.emit(
        "document.status_changed",
        {
            "message_id": row["id"],
            "document_id": document["id"],
            "source_id": document["source_id"],
            "kind": kind,
            "status_code": code,
            "task_id": row["task_id"],
            "description": description,
            "response_for": {k: response_for.get(k) for k in edxml_status.RESPONSE_FOR_KEYS},
            "edxml": body,
            "occurred_at": uow.now,
        },
        subject=document["id"],
    )
    return row


def task_completed_handler(sender: edxml_status.Sender) -> Any:
    """Intake's handler of the workflow's `task.completed`: the task's status message, and the
    document's "hoàn thành" once every live task is completed."""

    def on_task_completed(uow: UnitOfWork, event: Event) -> None:
        task_id = event.data["task_id"]
        # The task's and its document's rows are held until commit: two workers completing the
        # last two tasks of one document one after the other, so that one of them sees both.
        task = store.task_by_id(uow.conn, task_id, lock=True)
        if task is None or task["completed_at"] is not None:
            return  # unknown here, or already recorded
        task_store.mark_task_completed(uow.conn, task_id, uow.now)
        document = store.document_by_id(uow.conn, task["document_id"])
        assert document is not None
        actor = event.data.get("actor")
        unit = unit_store.unit_by_code(uow.conn, task["lead_unit"])
        department = unit["name"] if unit else task["lead_unit"]
        record(uow, sender, document, "task_completed", actor, department, task=task)
        live = [t for t in document["tasks"] if t["status"] != "withdrawn"]
        if live and all(t.get("completed_at") is not None for t in live):
            record(uow, sender, document, "completed", actor)

    return on_task_completed
