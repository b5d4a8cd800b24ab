"""The writes that every task correction shares: the row, the audit record and, once released,
the event. Used by the Office's corrections (Đ5.2a) and by unit merges (docs/architecture.md,
Units)."""

from __future__ import annotations

from typing import Any

from services.intake import store
from shared.platform import UnitOfWork


def apply_amendment(
    uow: UnitOfWork, actor: dict[str, Any], task: dict[str, Any], changes: dict[str, list[Any]]
) -> dict[str, Any]:
    """Write `changes` ({field: [old, new]}), audit them and, once released, publish them."""
    values = {field: new for field, (_old, new) in changes.items()}
    store.update_task(uow.conn, task["id"], {**values, "updated_at": uow.now})
    uow.audit(actor, "task.amended", "task", task["id"], {"changes": changes})
    amended = reload(uow, task["id"])
    if amended["document_status"] == "released":
        uow.emit(
            "task.amended",
            {
                "task_id": amended["id"],
                "document_id": amended["document_id"],
                "changes": changes,
                "content": amended["content"],
                "lead_unit": amended["lead_unit"],
                "due_on": amended["due_on"],
                "cadence": amended["cadence"],
                "coordinating_units": amended["coordinating_units"],
                "amended_at": uow.now,
                "sector": amended.get("sector"),
                "actor": actor,
            },
            subject=amended["id"],
        )
    return amended


def apply_transfer(
    uow: UnitOfWork, actor: dict[str, Any], task: dict[str, Any], to_unit: str, reason: str
) -> dict[str, Any]:
    """Same task id, new lead unit; audited and, once released, published."""
    from_unit = task["lead_unit"]
    store.update_task(uow.conn, task["id"], {"lead_unit": to_unit, "updated_at": uow.now})
    uow.audit(
        actor,
        "task.transferred",
        "task",
        task["id"],
        {"lead_unit": [from_unit, to_unit], "reason": reason},
    )
    if task["document_status"] == "released":
        uow.emit(
            "task.transferred",
            {
                "task_id": task["id"],
                "document_id": task["document_id"],
                "from_unit": from_unit,
                "to_unit": to_unit,
                "reason": reason,
                "transferred_at": uow.now,
                "actor": actor,
            },
            subject=task["id"],
        )
    return reload(uow, task["id"])


def release_payload(document: dict[str, Any], task: dict[str, Any], at: Any) -> dict[str, Any]:
    """What `task.released` carries; the same shape as handlers.release_document's."""
    return {
        "task_id": task["id"],
        "document_id": document["id"],
        "document_number": document["number"],
        "document_type": document["type"],
        "assigned_by": document["assigned_by"],
        "issued_on": document["issued_on"],
        "content": task["content"],
        "lead_unit": task["lead_unit"],
        "coordinating_units": task["coordinating_units"],
        "due_on": task["due_on"],
        "cadence": task["cadence"],
        "released_at": at,
        "sector": task.get("sector"),
    }


def reload(uow: UnitOfWork, task_id: str) -> dict[str, Any]:
    task = store.task_by_id(uow.conn, task_id)
    assert task is not None
    return task
