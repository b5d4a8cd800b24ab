"""Cases a task offers as its own actions, and the task's open cases in its detail.

`request_correction`, `correct_report` and `report_difficulty` are not steps of the task's
diagram: each opens a case linked to the task (services/workflow/exchanges.py), at the steps where
the diagram offers it (`opens.<role>`). The task detail lists them in `actions` when the caller
may take them now (the task kind's `present` asks `offered`), and
POST /api/workflow/tasks/<id>/actions/<action> opens the case: 409 with the offered actions when
the task does not allow it now, 403 when it is not the caller's (`require_opening`). The task
detail also lists the task's open cases and whether a direction is awaited.
"""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from flask import request
from sqlalchemy import Connection

from services.workflow import case_store, cases, domain, schemas
from services.workflow.exchanges import OPENER_LABELS, TaskOpener
from services.workflow.instances import runner
from services.workflow.kinds.task import OPENERS, TASK, require_opening
from services.workflow.views import task_view
from shared.auth import Principal
from shared.calendar import local_date
from shared.http import ApiRouter, json_body

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"


def task_cases(
    service: WorkflowService, conn: Connection, principal: Principal, task_id: str, today: Any
) -> dict[str, Any]:
    """The task's open cases the caller may read, and whether a direction is awaited (Đ8.1c)."""
    items, _total = case_store.list_cases(
        conn, kind=None, units=None, task_id=task_id, open_only=True, limit=100
    )
    return {
        "open_cases": [_summary(service, c, today) for c in items if cases.may_read(principal, c)],
        "awaiting_direction": any(c["status"] == "awaiting_direction" for c in items),
    }


def _summary(service: WorkflowService, case: dict[str, Any], today: Any) -> dict[str, Any]:
    kind = service.kinds.get(case["kind"])
    since = case["data"].get("awaiting_since") if case["status"] == "awaiting_direction" else None
    waiting_since = local_date(case["updated_at"]) if since is None else date.fromisoformat(since)
    return {
        "id": case["case_id"],
        "kind": case["kind"],
        "kind_label": kind.label if kind else case["kind"],
        "status": case["status"],
        "status_label": kind.statuses.get(case["status"], case["status"]) if kind else "",
        "waiting_since": waiting_since,
        "waiting_days": (today - waiting_since).days,
    }


def detail(
    service: WorkflowService, conn: Connection, principal: Principal, snap: Any, today: Any
) -> dict[str, Any]:
    """The task detail: the task's view with its open cases."""
    view = task_view(snap.row, snap.actions, snap.history)
    return {**view, **task_cases(service, conn, principal, snap.row["task_id"], today)}


def register_routes(router: ApiRouter, service: WorkflowService) -> None:
    for opener in OPENERS.values():
        router.route(
            f"{PREFIX}/tasks/<task_id>/actions/{opener.action}",
            "POST",
            request=opener.schema,
            response=schemas.TaskOut,
            summary=f"{OPENER_LABELS[opener.action]} ({opener.action}): opens a case about the "
            "task; 409 with the offered actions if not offered now, 403 if not the caller's",
        )(_view(service, opener))


def _view(service: WorkflowService, opener: TaskOpener) -> Any:
    platform = service.runtime.platform
    schema = opener.schema()
    kind = service.kinds[opener.kind]

    def view(task_id: str) -> Any:
        caller = service.caller()
        payload = json_body(schema) if request.get_data() else schema.load({})
        with platform.unit_of_work() as uow:
            today = local_date(uow.now)
            task = _task(uow.conn, caller, task_id)
            require_opening(service, uow.conn, caller, task, opener.action, today)
            assert kind.opening is not None
            openings = kind.opening(uow.conn, caller, {**payload, "task_id": task_id}, uow.now)
            cases.open_cases(service, uow, kind, openings, caller.to_actor())
            task = TASK.find(uow.conn, task_id)  # the opening may have noted a fact in it
            snap = runner.snapshot(service, uow.conn, caller, TASK, task, today)
            return detail(service, uow.conn, caller, snap, today)

    view.__name__ = f"post_{opener.action}"
    return view


def _task(conn: Connection, principal: Principal, task_id: str) -> dict[str, Any]:
    task = TASK.find(conn, task_id, for_update=True)
    domain.require_task_read(principal, task)
    return task
