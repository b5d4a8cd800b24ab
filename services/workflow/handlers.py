"""The workflow service's event handlers: what it does with each event its consumer takes."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from services.workflow import corrections
from services.workflow.kinds.task import on_tasks_released
from services.workflow.units import on_unit_updated
from shared.applier import batched

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


def event_handlers(service: WorkflowService) -> dict[str, Any]:
    return {
        "unit.updated": on_unit_updated,  # unit names for the texts people read
        # A run of releases at once: one statement per table for the run (kinds/task.py).
        "task.released": batched(partial(on_tasks_released, service)),
        "task.amended": partial(corrections.on_task_amended, service),
        "task.transferred": partial(corrections.on_task_transferred, service),
        "task.withdrawn_by_office": partial(corrections.on_task_withdrawn_by_office, service),
    }
