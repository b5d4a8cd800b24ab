"""Workflow commands and event handlers; the diagrams decide, these functions carry it out."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any

from services.workflow import case_store, domain, store
from services.workflow.engine import ActionNotOffered
from services.workflow.models import TASK_PROCESS
from shared import dates
from shared.auth import INSPECTOR, Principal, require_unit_access
from shared.calendar import local_date
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import Event
from shared.platform import UnitOfWork
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


@dataclass(frozen=True)
class TaskSnapshot:
    task: dict[str, Any]
    actions: list[str]
    history: list[dict[str, Any]]


def on_task_released(service: WorkflowService, uow: UnitOfWork, event: Event) -> None:
    """Start the task's lifecycle instance and announce the assignment.

    The instance and its first history row are inserted with the batch's others (see
    `UnitOfWork.insert_later`). A release delivered twice is stopped by the inbox; a second
    release of one task under another event id by the instance's primary key, which fails the
    transaction: no second instance, history row or event."""
    data = event.data
    model = service.models.newest(uow.conn, TASK_PROCESS)
    task = {
        "task_id": data["task_id"],
        "document_id": data["document_id"],
        "document_number": data["document_number"],
        "assigned_by": data["assigned_by"],
        "content": data["content"],
        "search_text": fold(f"{data['document_number']} {data['content']}"),
        "lead_unit": data["lead_unit"],
        "coordinating_units": list(data["coordinating_units"]),
        "due_on": data["due_on"],
        "cadence": data["cadence"],
        "assigned_on": local_date(data["released_at"]),
        "extension_pending": False,
    }
    state = service.engine.start(model, domain.workflow_data(task))
    status = service.engine.data(model, state)["status"]
    uow.insert_later(
        store.task_instances,
        {
            **task,
            "status": status,
            "process_id": model.process_id,
            "process_version": model.version,
            "state": state,
            "revision": 0,
            "created_at": uow.now,
            "updated_at": uow.now,
            "next_timer_at": service.engine.next_due(model, state),
        },
    )
    for row in store.task_unit_rows(task["task_id"], task["lead_unit"], task["coordinating_units"]):
        uow.insert_later(store.task_units, row)
    uow.insert_later(
        store.task_history,
        {
            "task_id": task["task_id"],
            "at": uow.now,
            "action": "assign",
            "status_from": None,
            "status_to": status,
            "actor": None,
            "note": None,
        },
    )
    uow.audit(None, "task.assigned", "task", task["task_id"], {"status": status})
    emit(uow, "task.assigned", {**task, "status": status}, action="assign", actor=None)
    # A task released close to (or past) its due date is reminded at once.
    notices = service.engine.notices(model, None, state)
    if notices:
        uow.flush_inserts()  # its history follows the "assign" row
    for notice in notices:
        _announce(uow, {**task, "status": status}, notice, status)


def perform_action(
    service: WorkflowService,
    uow: UnitOfWork,
    principal: Principal,
    task_id: str,
    action: str,
    payload: dict[str, Any],
) -> TaskSnapshot:
    task = store.instance_for_update(uow.conn, task_id)
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.", task_id=task_id)
    require_unit_access(principal, task["lead_unit"], task["coordinating_units"])
    model = service.models.get(uow.conn, task["process_id"], task["process_version"])
    offers = service.engine.offers(model, task["state"])
    mine = [o.action for o in offers if _may(principal, o.role, task)]
    if action not in mine:
        label = domain.ACTION_LABELS.get(action, action)  # people read the name, not the key
        if any(o.action == action for o in offers):
            raise Forbidden(
                f"Thao tác '{label}' không thuộc quyền của bạn đối với nhiệm vụ này.", actions=mine
            )
        raise Conflict(
            f"Nhiệm vụ hiện không cho phép thao tác '{label}'.",
            actions=mine,
            task_status=task["status"],
        )
    _check_dates(service, uow, model, task, action, payload)
    try:
        state = service.engine.perform(model, task["state"], action, domain.engine_payload(payload))
    except ActionNotOffered as exc:
        raise Conflict(str(exc), actions=mine) from exc
    after = save_projection(service, uow, model, task, state)
    status = after["status"]
    actor = principal.to_actor()
    note = domain.history_note(action, payload)
    store.add_history(
        uow.conn,
        {
            "task_id": task_id,
            "at": uow.now,
            "action": action,
            "status_from": task["status"],
            "status_to": status,
            "actor": actor,
            "note": note,
        },
    )
    uow.audit(
        actor, f"task.{action}", "task", task_id, {"status": [task["status"], status], "note": note}
    )
    event_type = domain.ACTION_EVENTS.get(action)
    if event_type:
        emit(uow, event_type, after, action=action, actor=actor, note=note)
    for notice in service.engine.notices(model, task["state"], state):
        _announce(uow, after, notice, status)
    return snapshot(
        service,
        uow.conn,
        principal,
        store.instance(uow.conn, task_id) or task,
        today=local_date(uow.now),
    )


def _check_dates(
    service: WorkflowService,
    uow: UnitOfWork,
    model: Any,
    task: dict[str, Any],
    action: str,
    payload: dict[str, Any],
) -> None:
    """What an action's schema cannot check alone: a new due date against the current one."""
    if action not in domain.EXTENSION_ACTIONS:
        return
    problem = domain.extension_problem(
        action,
        payload,
        task,
        service.engine.data(model, task["state"]).get("requested_due_on"),
        local_date(uow.now),
        dates.max_due_years(service.runtime.env),
    )
    if problem:
        raise ValidationFailed("Hạn mới không hợp lệ.", {"new_due_on": [problem]})


def save_projection(
    service: WorkflowService,
    uow: UnitOfWork,
    model: Any,
    task: dict[str, Any],
    state: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Store a new state with what lists read of it (status, due date, extension flag, next
    timer, and `extra` columns) in the same transaction; returns the task as it now is."""
    values = {
        **(extra or {}),
        **domain.projection(service.engine.data(model, state), task),
        "state": state,
        "updated_at": uow.now,
        "next_timer_at": service.engine.next_due(model, state),
    }
    if values["status"] == "submitted" and task["status"] != "submitted":
        # The unit's submission: what decides whether it was on time (Đ5.2b), however long the
        # Office then takes to confirm.
        values["submitted_at"] = uow.now
        values["submitted_on"] = local_date(uow.now)
    store.save_instance(uow.conn, task["task_id"], task["revision"], values)
    return {**task, **values, "revision": task["revision"] + 1}


def fire_timers(service: WorkflowService, uow: UnitOfWork, task: dict[str, Any]) -> int:
    """Fire an instance's due timers (the caller holds its row lock); returns the notices sent."""
    model = service.models.get(uow.conn, task["process_id"], task["process_version"])
    state = service.engine.fire_due(model, task["state"])
    after = save_projection(service, uow, model, task, state)
    status = after["status"]
    notices = service.engine.notices(model, task["state"], state)
    for notice in notices:
        _announce(uow, after, notice, task["status"])
    if status != task["status"] and not notices:
        history(uow, task["task_id"], "timer", task["status"], status)
    return len(notices)


def _announce(uow: UnitOfWork, task: dict[str, Any], notice: str, status_from: str) -> None:
    """Publish an event a diagram announced (`notice = "task.due_soon"`) and record it."""
    action = domain.NOTICE_ACTIONS.get(notice, notice.removeprefix("task."))
    history(uow, task["task_id"], action, status_from, task["status"])
    uow.audit(None, notice, "task", task["task_id"], {"status": [status_from, task["status"]]})
    emit(uow, notice, task, action=action, actor=None)


def history(
    uow: UnitOfWork,
    task_id: str,
    action: str,
    status_from: str,
    status_to: str,
    *,
    actor: dict[str, Any] | None = None,
    note: str | None = None,
) -> None:
    store.add_history(
        uow.conn,
        {
            "task_id": task_id,
            "at": uow.now,
            "action": action,
            "status_from": status_from,
            "status_to": status_to,
            "actor": actor,
            "note": note,
        },
    )


def snapshot(
    service: WorkflowService, conn: Any, principal: Principal, task: dict[str, Any], today: Any
) -> TaskSnapshot:
    model = service.models.get(conn, task["process_id"], task["process_version"])
    offers = service.engine.offers(model, task["state"])
    actions = [o.action for o in offers if _may(principal, o.role, task)]
    task = with_overdue(task, today, service.runtime.calendar)
    history = store.history(conn, task["task_id"])
    from services.workflow import task_openers  # imports this module

    actions += task_openers.offered(conn, principal, task, history)  # cases opened from the task
    return TaskSnapshot(task=task, actions=actions, history=history)


def with_overdue(task: dict[str, Any], today: Any, calendar: Any) -> dict[str, Any]:
    """The task with what depends on today: overdue, and how long its result has waited for
    the Office (working days)."""
    return {
        **task,
        "overdue": domain.task_is_overdue(task, today),
        "awaiting_confirmation_days": domain.awaiting_confirmation_days(task, today, calendar),
    }


def require_read(principal: Principal, task: dict[str, Any], conn: Any) -> None:
    """The task's units, the Office and leaders read it; so does an inspector while a running
    inspection naming them inspects its lead unit (Đ11, Đ13)."""
    try:
        require_unit_access(principal, task["lead_unit"], task["coordinating_units"])
    except Forbidden:
        if not (
            principal.has_role(INSPECTOR)
            and case_store.inspects(conn, principal.sub, task["lead_unit"])
        ):
            raise


def _may(principal: Principal, role: str, task: dict[str, Any]) -> bool:
    return domain.may_act_as(principal, role, task["lead_unit"], task["coordinating_units"])


def emit(
    uow: UnitOfWork,
    event_type: str,
    task: dict[str, Any],
    *,
    action: str,
    actor: dict[str, Any] | None,
    note: str | None = None,
) -> None:
    today = local_date(uow.now)
    uow.emit(
        event_type,
        {
            "task_id": task["task_id"],
            "document_id": task["document_id"],
            "status": task["status"],
            "lead_unit": task["lead_unit"],
            "coordinating_units": task["coordinating_units"],
            "due_on": task["due_on"],
            "overdue": domain.task_is_overdue(task, today),
            "assigned_on": task["assigned_on"],
            "assigned_by": task["assigned_by"],
            "content": task["content"],
            "action": action,
            "note": note,
            "actor": actor,
            "occurred_at": uow.now,
            "submitted_at": task.get("submitted_at"),
        },
        subject=task["task_id"],
    )


def event_handlers(service: WorkflowService) -> dict[str, Any]:
    from services.workflow import corrections  # imports this module
    from services.workflow.units import on_unit_updated

    return {
        "unit.updated": on_unit_updated,  # unit names for the texts people read
        "task.released": partial(on_task_released, service),
        "task.amended": partial(corrections.on_task_amended, service),
        "task.transferred": partial(corrections.on_task_transferred, service),
        "task.withdrawn_by_office": partial(corrections.on_task_withdrawn_by_office, service),
    }
