"""How intake's records read to people: slugs with their Vietnamese labels beside them."""

from __future__ import annotations

from typing import Any

from services.intake import domain
from services.intake.sectors import SECTORS


def document_view(document: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": document["id"],
        "source_id": document["source_id"],
        "number": document["number"],
        "type": document["type"],
        "type_label": domain.DOCUMENT_TYPES[document["type"]][0],
        "assigned_by": document["assigned_by"],
        "assigned_by_label": domain.ASSIGNERS[document["assigned_by"]],
        "signer": document["signer"],
        "issued_on": document["issued_on"],
        "urgency": document["urgency"],
        "urgency_label": domain.URGENCIES[document["urgency"]],
        "summary": document["summary"],
        "status": document["status"],
        "status_label": domain.DOCUMENT_STATUSES[document["status"]],
        "intake_deadline": document["intake_deadline"],
        "received_at": document["received_at"],
        "released_at": document["released_at"],
        "released_late": document["released_late"],
        **(
            {"tasks": [task_view(task) for task in document["tasks"]]}
            if "tasks" in document
            else {}
        ),
        "task_count": document.get("task_count", len(document.get("tasks", ()))),
    }


def task_view(task: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": task["id"],
        "content": task["content"],
        "lead_unit": task["lead_unit"],
        "coordinating_units": task["coordinating_units"],
        "due_on": task["due_on"],
        "cadence": task["cadence"],
        "cadence_label": domain.CADENCES.get(task["cadence"] or ""),
        "sector": task.get("sector"),
        "sector_label": SECTORS.get(task.get("sector") or ""),
        "status": task["status"],
    }
