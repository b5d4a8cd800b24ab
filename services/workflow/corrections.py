"""Following intake's corrections of a released task (Đ5.2a): transfer, amendment, withdrawal.

A transfer keeps the task id and changes its lead unit in the projection and in the diagram's
data; an amendment changes content, due date and coordinating units (a new due date re-arms the
deadline timers); a withdrawal is the diagram's own `withdraw` action, taken when the diagram
offers it. A transfer or an amendment of a task the workflow has never started, or whose
lifecycle has finished, raises, so that the consumer retries it and then dead-letters it for
the operators (nothing is queued inside a finished instance); a withdrawal of a finished task
asks for nothing that is not already so, and is ignored.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.workflow import domain, store
from services.workflow.instances import runner
from services.workflow.kinds.task import TASK
from services.workflow.units import unit_names
from shared.events import Event
from shared.platform import UnitOfWork
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

CORRECTED = "task.corrected"


class UnknownInstance(LookupError):
    """A correction for a task whose lifecycle the workflow has not started."""


class FinishedInstance(LookupError):
    """A transfer or amendment for a task whose lifecycle has finished."""


def _open_instance(uow: UnitOfWork, task_id: str) -> dict[str, Any] | None:
    task = store.TASKS.get(uow.conn, task_id, for_update=True)
    if task is None:
        raise UnknownInstance(f"không có quy trình cho nhiệm vụ {task_id}")
    return None if task["status"] in domain.CLOSED else task


def _running_instance(uow: UnitOfWork, task_id: str) -> dict[str, Any]:
    task = _open_instance(uow, task_id)
    if task is None:
        raise FinishedInstance(f"quy trình của nhiệm vụ {task_id} đã kết thúc")
    return task


def on_task_transferred(service: WorkflowService, uow: UnitOfWork, event: Event) -> None:
    data = event.data
    task = _running_instance(uow, data["task_id"])
    if task["lead_unit"] == data["to_unit"]:
        return
    coordinating = [u for u in task["coordinating_units"] if u != data["to_unit"]]
    changes = {"lead_unit": data["to_unit"], "coordinating_units": coordinating}
    names = unit_names(uow.conn, [data["from_unit"], data["to_unit"]])
    note = f"{names[data['from_unit']]} → {names[data['to_unit']]}: {data['reason']}"
    # Đ8.2c: the units the old lead unit handed it on to were under that unit, not the new one.
    columns = {**changes, "handed_units": []}
    _apply(service, uow, task, columns, changes, "transfer", data["actor"], note)


def on_task_amended(service: WorkflowService, uow: UnitOfWork, event: Event) -> None:
    data = event.data
    task = _running_instance(uow, data["task_id"])
    columns: dict[str, Any] = {
        "content": data["content"],
        "search_text": fold(f"{task['document_number']} {data['content']}"),
        "coordinating_units": list(data["coordinating_units"]),
        "cadence": data["cadence"],
    }
    due_on = data["due_on"]
    diagram = {
        "due_on": due_on.isoformat() if due_on else None,
        "cadence": data["cadence"],
    }
    if data.get("lead_unit"):
        columns["lead_unit"] = diagram["lead_unit"] = data["lead_unit"]
    if "sector" in data["changes"]:  # Đ8.2a; events from before sectors never change it
        columns["sector"] = data["sector"]
    note = ", ".join(sorted(data["changes"])) or None
    _apply(service, uow, task, columns, diagram, "amend", data["actor"], note)


def on_task_withdrawn_by_office(service: WorkflowService, uow: UnitOfWork, event: Event) -> None:
    data = event.data
    task = _open_instance(uow, data["task_id"])
    if task is None:
        return
    runner.perform_as_system(
        service,
        uow,
        TASK,
        task,
        "withdraw",
        {"reason": data["reason"]},
        actor=data["actor"],
        note=data["reason"],
        event_type="task.withdrawn",
    )


def _apply(
    service: WorkflowService,
    uow: UnitOfWork,
    task: dict[str, Any],
    columns: dict[str, Any],
    diagram: dict[str, Any],
    action: str,
    actor: dict[str, Any],
    note: str | None,
) -> None:
    # A due date moved into the reminder window is reminded at once, one moved into the past is
    # overdue at once (a reminder, never: deadlines.due_soon_at).
    runner.update(
        service,
        uow,
        TASK,
        task,
        diagram,
        columns,
        action=action,
        actor=actor,
        note=note,
        event_type=CORRECTED,
    )
