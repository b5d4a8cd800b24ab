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

from services.workflow import domain, handlers, store
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
    task = store.instance_for_update(uow.conn, task_id)
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
    _apply(service, uow, task, changes, changes, "transfer", data["actor"], note)


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
    note = ", ".join(sorted(data["changes"])) or None
    _apply(service, uow, task, columns, diagram, "amend", data["actor"], note)


def on_task_withdrawn_by_office(service: WorkflowService, uow: UnitOfWork, event: Event) -> None:
    data = event.data
    task = _open_instance(uow, data["task_id"])
    if task is None:
        return
    model = service.models.get(uow.conn, task["process_id"], task["process_version"])
    if not any(o.action == "withdraw" for o in service.engine.offers(model, task["state"])):
        return
    state = service.engine.perform(model, task["state"], "withdraw", {"reason": data["reason"]})
    after = handlers.save_projection(service, uow, model, task, state)
    actor = data["actor"]
    handlers.history(
        uow,
        task["task_id"],
        "withdraw",
        task["status"],
        after["status"],
        actor=actor,
        note=data["reason"],
    )
    uow.audit(actor, "task.withdraw", "task", task["task_id"], {"reason": data["reason"]})
    handlers.emit(uow, "task.withdrawn", after, action="withdraw", actor=actor, note=data["reason"])


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
    model = service.models.get(uow.conn, task["process_id"], task["process_version"])
    state = service.engine.update(model, task["state"], diagram)
    after = handlers.save_projection(service, uow, model, {**task, **columns}, state, columns)
    handlers.history(
        uow, task["task_id"], action, task["status"], after["status"], actor=actor, note=note
    )
    uow.audit(actor, f"task.{action}", "task", task["task_id"], {"changes": diagram})
    handlers.emit(uow, CORRECTED, after, action=action, actor=actor, note=note)
    # Re-entering the waiting task arms its timers for the new data, and those already due fire
    # at once: a due date moved into the reminder window is reminded now, one moved into the
    # past is overdue now (a reminder, never: deadlines.due_soon_at). They are announced after
    # the correction that caused them, not dropped.
    for notice in service.engine.notices(model, task["state"], state):
        handlers._announce(uow, after, notice, after["status"])
