"""The task's lifecycle as a kind (bpmn/task_lifecycle.bpmn): the task a document assigns, from
its release by intake to the Office's confirmation (Đ5, Đ6, Đ8). It runs through the same path
as every case (services/workflow/instances/runner.py); what is its own is declared here: its
table, who may act, its projection (status, due date, the unit's submission), its events.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import nullcontext
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from services.workflow import case_store, domain, store, units
from services.workflow.engine import Step
from services.workflow.exchanges import OPENER_LABELS, TaskOpener
from services.workflow.instances import runner
from services.workflow.instances.store import InstanceTable
from services.workflow.kinds import correction_requests, direction_requests
from services.workflow.models import TASK_PROCESS
from shared import dates
from shared.auth import INSPECTOR, Principal
from shared.calendar import local_date
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.events import Event
from shared.logs import correlation
from shared.platform import UnitOfWork
from shared.scoping import descendants
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


class TaskKind:
    """The task lifecycle's part of `instances.kind.Kind`."""

    name = "task"

    @property
    def table(self) -> InstanceTable:
        return store.TASKS

    def find(self, conn: Connection, key: str, *, for_update: bool = False) -> dict[str, Any]:
        row = store.TASKS.get(conn, key, for_update=for_update)
        if row is None:
            raise NotFound("Không tìm thấy nhiệm vụ.", task_id=key)
        return row

    def require_access(
        self, conn: Connection, principal: Principal, row: Mapping[str, Any]
    ) -> None:
        domain.require_task_read(principal, row)

    def may_act(self, principal: Principal, role: str, row: Mapping[str, Any]) -> bool:
        return domain.may_act_as(principal, role, row)

    def refused(
        self, action: str, mine: list[str], row: Mapping[str, Any], other: bool
    ) -> Exception:
        label = domain.ACTION_LABELS.get(action, action)  # people read the name, not the key
        if other:
            return Forbidden(
                f"Thao tác '{label}' không thuộc quyền của bạn đối với nhiệm vụ này.", actions=mine
            )
        return Conflict(
            f"Nhiệm vụ hiện không cho phép thao tác '{label}'.",
            actions=mine,
            task_status=row["status"],
        )

    def validate(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        row: Mapping[str, Any],
        step: Step,
        action: str,
        payload: dict[str, Any],
    ) -> None:
        """What an action's schema cannot check alone: a new due date against the current one
        (Đ5.2c); the unit a task is handed on to against the units under the lead unit
        (Đ8.2c)."""
        if action == "hand_on":
            problem = hand_on_problem(uow.conn, row, payload["unit"])
            if problem:
                raise ValidationFailed("Không giao được cho đơn vị này.", {"unit": [problem]})
            return
        if action not in domain.EXTENSION_ACTIONS:
            return
        problem = domain.extension_problem(
            action,
            payload,
            dict(row),
            step.data.get("requested_due_on"),
            local_date(uow.now),
            dates.max_due_years(service.runtime.env),
        )
        if problem:
            raise ValidationFailed("Hạn mới không hợp lệ.", {"new_due_on": [problem]})

    def project(self, step: Step, row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """What lists read of the state (status, due date, extension flag, next timer)."""
        values = {
            **domain.projection(step.data, dict(row)),
            "updated_at": now,
            "next_timer_at": step.next_due,
        }
        if values["status"] == "submitted" and row.get("status") != "submitted":
            # The unit's submission: what decides whether it was on time (Đ5.2b), however long
            # the Office then takes to confirm.
            values["submitted_at"] = now
            values["submitted_on"] = local_date(now)
        return values

    def note(self, action: str, payload: Mapping[str, Any]) -> str | None:
        return domain.history_note(action, dict(payload))

    def event_type(self, action: str) -> str | None:
        return domain.ACTION_EVENTS.get(action)

    def notice_action(self, notice: str) -> str:
        return domain.NOTICE_ACTIONS.get(notice, notice.removeprefix("task."))

    def event(
        self,
        row: Mapping[str, Any],
        action: str,
        actor: Any,
        note: str | None,
        details: dict[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        return {
            "task_id": row["task_id"],
            "document_id": row["document_id"],
            "status": row["status"],
            "lead_unit": row["lead_unit"],
            "coordinating_units": row["coordinating_units"],
            "due_on": row["due_on"],
            "overdue": domain.task_is_overdue(dict(row), local_date(now)),
            "assigned_on": row["assigned_on"],
            "assigned_by": row["assigned_by"],
            "content": row["content"],
            "action": action,
            "note": note,
            "actor": actor,
            "occurred_at": now,
            "submitted_at": row.get("submitted_at"),
            "officer": _officer(row),
            "sector": row.get("sector"),
            "handed_units": list(row.get("handed_units") or ()),
        }

    def effect(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        action: str,
        row: dict[str, Any],
        body: dict[str, Any],
        actor: Any,
    ) -> None:
        """A hand-on (Đ8.2c) adds the unit to the task's `handed_units` (and `task_units`), in
        `row` too, which the event and the answer then read."""
        if action != "hand_on":
            return
        handed = [*(row.get("handed_units") or ()), body["unit"]]
        store.set_handed_units(uow.conn, row["task_id"], handed)
        row["handed_units"] = handed

    def present(
        self,
        service: WorkflowService,
        conn: Connection,
        principal: Principal,
        row: dict[str, Any],
        history: list[dict[str, Any]],
        today: date,
        step: Step,
    ) -> tuple[dict[str, Any], list[str]]:
        shown = with_overdue(row, today, service.runtime.calendar)
        return shown, offered(principal, shown, history, step)


def _officer(row: Mapping[str, Any]) -> dict[str, str] | None:
    """Đ21: the officer responsible inside the lead unit, or None (the unit is)."""
    if not row.get("officer_sub"):
        return None
    return {"sub": row["officer_sub"], "name": row.get("officer_name") or row["officer_sub"]}


TASK = TaskKind()

# Cases a task offers to open as its own actions (services/workflow/routes/task_cases.py).
OPENERS: dict[str, TaskOpener] = {
    opener.action: opener for opener in (*correction_requests.OPENERS, *direction_requests.OPENERS)
}


def offered(
    principal: Principal, task: dict[str, Any], history: list[dict[str, Any]], step: Step
) -> list[str]:
    """The cases this caller may open about the task now: those the step the task waits at (or
    the end it reached) offers to the caller's role, which the opener lets this caller open and
    whose subject exists."""
    found: list[str] = []
    for offer in step.offers:
        opener = OPENERS.get(offer.action)
        if (
            offer.opens
            and opener is not None
            and offer.action not in found
            and TASK.may_act(principal, offer.role, task)
            and opener.may(principal, task, history)
            and opener.needs(task, history)
        ):
            found.append(offer.action)
    return found


def require_opening(
    service: WorkflowService,
    conn: Connection,
    principal: Principal,
    task: dict[str, Any],
    action: str,
    today: date,
) -> None:
    """409 unless the task's diagram offers to open this case now and its subject exists (with
    the actions offered to the caller), 403 unless it is the caller's to open."""
    step = runner.load(service, conn, task)
    history = store.TASKS.history(conn, task["task_id"])
    if action in offered(principal, task, history, step):
        return
    mine = runner.snapshot(service, conn, principal, TASK, task, today, step)
    label = OPENER_LABELS.get(action, action)
    opener = OPENERS[action]
    if any(o.opens and o.action == action for o in step.offers) and opener.needs(task, history):
        raise Forbidden(
            f"Thao tác '{label}' không thuộc quyền của bạn đối với nhiệm vụ này.",
            actions=mine.actions,
        )
    raise Conflict(
        f"Nhiệm vụ hiện không cho phép thao tác '{label}'.",
        actions=mine.actions,
        task_status=task["status"],
    )


def on_tasks_released(service: WorkflowService, uow: UnitOfWork, events: list[Event]) -> None:
    """Start each released task's lifecycle instance and announce its assignment; a run of a
    consumer's batch at once (`shared.applier.batched`), in its one transaction.

    The process model is read once for the run. The instances, their side rows and first history
    rows are inserted with the batch's others, a statement per table, and the audit records and
    `task.assigned` events a statement at commit (`UnitOfWork.insert_later`, `flush`); nothing
    written is read back. Each event's audit record and event carry its own correlation id.
    A release delivered twice is stopped by the inbox; a second release of one task under
    another event id by the instance's primary key, which fails the transaction (the applier
    then applies the batch's events one by one): no second instance, history row or event."""
    model = service.models.active(uow.conn, TASK_PROCESS)
    alone = len(events) == 1  # the applier runs a lone event under its correlation id already
    for event in events:
        with nullcontext() if alone else correlation(event.correlation_id):
            task = _released(event.data)
            runner.start(
                service,
                uow,
                TASK,
                model,
                task,
                domain.workflow_data(task),
                action="assign",
                event_type="task.assigned",
                audit_action="task.assigned",
                later=True,
                alike=True,
            )


def _released(data: Mapping[str, Any]) -> dict[str, Any]:
    """The fixed columns of a released task's row, from the event's body."""
    return {
        "task_id": data["task_id"],
        "document_id": data["document_id"],
        "document_number": data["document_number"],
        "assigned_by": data["assigned_by"],
        "content": data["content"],
        "search_text": fold(f"{data['document_number']} {data['content']}"),
        "lead_unit": data["lead_unit"],
        "coordinating_units": list(data["coordinating_units"]),
        "sector": data.get("sector"),
        "handed_units": [],
        "due_on": data["due_on"],
        "cadence": data["cadence"],
        "assigned_on": local_date(data["released_at"]),
        "extension_pending": False,
    }


def with_overdue(task: dict[str, Any], today: date, calendar: Any) -> dict[str, Any]:
    """The task with what depends on today: overdue, and how long its result has waited for
    the Office (working days)."""
    return {
        **task,
        "overdue": domain.task_is_overdue(task, today),
        "awaiting_confirmation_days": domain.awaiting_confirmation_days(task, today, calendar),
    }


def hand_on_problem(conn: Connection, task: Mapping[str, Any], unit: str) -> str | None:
    """Why the task cannot be handed on to `unit` (Đ8.2c): it must be an active unit under the
    lead unit, not one the task already involves. None when it can."""
    if unit not in descendants(task["lead_unit"], units.parents(conn)):
        return f"Đơn vị {unit} không phải đơn vị cấp dưới của đơn vị chủ trì."
    if units.unknown_units(conn, [unit]):
        return f"Đơn vị {unit} không còn hoạt động."
    if unit in set(task.get("handed_units") or ()) or unit in set(task["coordinating_units"]):
        return f"Nhiệm vụ đã giao cho đơn vị {unit}."
    return None


def require_read(principal: Principal, task: dict[str, Any], conn: Connection) -> None:
    """The task's units, the Office and leaders read it, and so do the units above its units,
    those it was handed on to and the departments managing its sector (Đ7.2a, Đ8.2a, Đ8.2c);
    so does an inspector while a running inspection naming them inspects its lead unit (Đ11,
    Đ13)."""
    try:
        domain.require_task_read(principal, task)
    except Forbidden:
        if not (
            principal.has_role(INSPECTOR)
            and case_store.inspects(conn, principal.sub, task["lead_unit"])
        ):
            raise
