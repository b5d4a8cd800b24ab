"""How tasks read to people: statuses and actions with their Vietnamese labels."""

from __future__ import annotations

from typing import Any

from services.workflow.domain import ACTION_LABELS, NOTICE_LABELS, STATUS_LABELS
from services.workflow.exchanges import HISTORY_LABELS


def task_view(
    task: dict[str, Any],
    actions: list[str] | None = None,
    history: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    view = {
        "id": task["task_id"],
        "document_id": task["document_id"],
        "document_number": task["document_number"],
        "assigned_by": task["assigned_by"],
        "content": task["content"],
        "lead_unit": task["lead_unit"],
        "coordinating_units": task["coordinating_units"],
        "sector": task.get("sector"),
        "handed_units": list(task.get("handed_units") or ()),
        "assigned_on": task["assigned_on"],
        "due_on": task["due_on"],
        "cadence": task["cadence"],
        "status": task["status"],
        "status_label": STATUS_LABELS[task["status"]],
        "overdue": task["overdue"],
        "extension_pending": task["extension_pending"],
        "progress_due": bool(task.get("progress_due", False)),
        "submitted_on": task.get("submitted_on"),
        # The unit's latest submission and, while it waits, the Office's delay in working days.
        "submitted_at": task.get("submitted_at"),
        "awaiting_confirmation_days": task.get("awaiting_confirmation_days"),
        # Đ21: the officer responsible inside the lead unit; None keeps the unit responsible.
        "officer": (
            {"sub": task["officer_sub"], "name": task.get("officer_name")}
            if task.get("officer_sub")
            else None
        ),
    }
    if actions is not None:
        view["actions"] = actions
    if history is not None:
        view["history"] = [history_view(h) for h in history]
    return view


def history_view(entry: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": entry.get("id"),  # what a correction request names (Đ7.1)
        "at": entry["at"],
        "action": entry["action"],
        "action_label": ACTION_LABELS.get(entry["action"])
        or HISTORY_LABELS.get(entry["action"])
        or NOTICE_LABELS.get(entry["action"], "Giao nhiệm vụ"),
        "status_from": entry["status_from"],
        "status_to": entry["status_to"],
        "actor": entry["actor"],
        "note": entry["note"],
        # Files the action sent (Đ6.2a), when the reader asked for them (task_files.py).
        "attachments": entry.get("attachments", []),
    }
