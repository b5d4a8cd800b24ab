"""`GET /api/workflow/queues`: every queue of the caller's home page in one answer (the Office's
tasks and cases awaiting it, a unit's tasks by where they stand), each with its total and its
first items, read in one transaction instead of one request per queue."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from services.workflow import case_store, schemas, store, task_queries
from services.workflow.kinds.task import with_overdue
from services.workflow.routes.cases import case_view, scope
from services.workflow.views import task_view
from shared.auth import (
    INSPECTOR,
    UNIT_ROLES,
    Principal,
    authenticate_request,
    sector_scope,
    unit_scope,
)
from shared.calendar import local_date
from shared.http import ApiRouter, query_args

if TYPE_CHECKING:
    from sqlalchemy import Connection

    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"

# The Office's task queues (Đ5.2a returned tasks with their reasons, results awaiting its
# confirmation, extension requests awaiting its decision, Đ5.2c) and a unit's (its own tasks:
# to accept, to rework, overdue, in progress), as filters of GET /api/workflow/tasks.
OFFICE_TASKS: dict[str, dict[str, Any]] = {
    "returned": {"status": "returned"},
    "submitted": {"status": "submitted", "order": "submitted"},
    "extensions": {"extension_pending": True},
}
UNIT_TASKS: dict[str, dict[str, Any]] = {
    "assigned": {"status": "assigned"},
    "rework": {"status": "rework"},
    "overdue": {"overdue": True},
    "in_progress": {"status": "in_progress"},
}
# Cases whose next step is the Office's, by the statuses that mean so.
OFFICE_CASES: dict[str, tuple[str, ...]] = {
    "feedback": ("received",),
    "direction_request": ("reported", "consulting"),
    "info_request": ("answered",),
    "correction_request": ("requested", "corrected", "explained"),
    "unit_report": ("submitted", "submitted_late"),
    "inspection_plan": ("draft", "returned"),
    "overdue_summary": ("drafting",),  # Đ16.4: measures to propose
    # The Office's evaluation (Đ16.2): to write, to approve (its leader), to publish.
    "office_report": ("draft", "returned", "submitted", "approved"),
    # The Office's annual report on this regulation (Đ20.1), the same steps.
    "annual_report": ("draft", "returned", "submitted", "approved"),
    # Đ21: proposals to draft and send, results to record once Sở Nội vụ answered.
    "commendation": ("draft", "answered"),
}


class QueuesQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class TaskQueueOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(schemas.TaskSummaryOut))


class CaseQueueOut(Schema):
    kind = fields.String()
    statuses = fields.List(fields.String())
    total = fields.Integer()
    # Each as GET /api/workflow/<kind path> lists it.
    items = fields.List(fields.Dict())


class QueuesOut(Schema):
    tasks = fields.Dict(keys=fields.String(), values=fields.Nested(TaskQueueOut))
    cases = fields.List(fields.Nested(CaseQueueOut))


def task_views(
    service: WorkflowService,
    conn: Connection,
    caller: Principal,
    today: Any,
    *,
    limit: int,
    offset: int = 0,
    unit: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    **filters: Any,
) -> tuple[list[dict[str, Any]], int]:
    """The tasks the caller may see under `filters` (task_queries.list_instances's), as the task
    list answers them, and their total."""
    items, total = task_queries.list_instances(
        conn,
        units=unit_scope(caller),
        # Đ11, Đ13: an inspector also lists the tasks of the units a running inspection naming
        # them inspects.
        led_by=case_store.inspected_by(caller.sub) if caller.has_role(INSPECTOR) else None,
        # Đ8.2a: a department also lists the tasks of the sectors it manages.
        sectors=sector_scope(caller),
        unit=unit,
        status=status,
        overdue=overdue,
        today=today,
        q=q,
        limit=limit,
        offset=offset,
        **filters,
    )
    return _views(service, conn, items, today), total


def _views(
    service: WorkflowService, conn: Connection, items: list[dict[str, Any]], today: Any
) -> list[dict[str, Any]]:
    # Đ5.2a: a returned task's reason, so that the Office's queue needs no second read.
    returned = [t["task_id"] for t in items if t["status"] == "returned"]
    reasons = store.latest_notes(conn, returned, "return")
    calendar = service.runtime.calendar
    return [
        {**task_view(with_overdue(t, today, calendar)), "return_reason": reasons.get(t["task_id"])}
        for t in items
    ]


def task_queues(
    service: WorkflowService,
    conn: Connection,
    caller: Principal,
    today: Any,
    queues: dict[str, dict[str, Any]],
    limit: int,
) -> dict[str, dict[str, Any]]:
    """Each queue (name -> its filters) as task_views would answer it: the totals of all of
    them in one statement, then the first page of each one that has any (an empty queue's page
    is empty: no statement reads it)."""
    units = unit_scope(caller)
    led_by = case_store.inspected_by(caller.sub) if caller.has_role(INSPECTOR) else None
    totals = task_queries.count_instances(conn, queues, units=units, today=today, led_by=led_by)
    found = {}
    for name, filters in queues.items():
        items = (
            task_queries.page_instances(
                conn, units=units, led_by=led_by, today=today, limit=limit, **filters
            )
            if totals[name]
            else []
        )
        found[name] = {"total": totals[name], "items": _views(service, conn, items, today)}
    return found


def caller_queues(
    caller: Principal,
) -> tuple[dict[str, dict[str, Any]], Mapping[str, tuple[str, ...]]]:
    """The task queues (name -> filters) and case queues (kind -> statuses) the caller has."""
    if caller.is_office:
        return OFFICE_TASKS, OFFICE_CASES
    if caller.unit and caller.has_role(*UNIT_ROLES):
        # The unit's own tasks, those it leads or coordinates: what its staff act on. What they
        # also read — the units they inspect (Đ11), the units under them (Đ7.2a), the sectors
        # they manage (Đ8.2a) — has its own pages.
        return {name: {**f, "unit": caller.unit} for name, f in UNIT_TASKS.items()}, {}
    return {}, {}


def register_routes(router: ApiRouter, service: WorkflowService) -> None:
    platform = service.runtime.platform
    query = QueuesQuery()

    @router.route(
        f"{PREFIX}/queues",
        query=QueuesQuery,
        response=QueuesOut,
        summary="Every queue of the caller's home page at once, each with its total and first "
        "`limit` items: for the Office, returned tasks with their reasons (Đ5.2a), results to "
        "confirm, extension requests (Đ5.2c) and the open cases awaiting it; for a unit's "
        "staff, its tasks to accept, to rework, overdue and in progress",
    )
    def get_queues() -> Any:
        caller = authenticate_request(service.runtime.verifier)
        limit = query_args(query)["limit"]
        queues_of_tasks, case_queues = caller_queues(caller)
        today = local_date(platform.clock.now())
        wanted = {k: s for k, s in case_queues.items() if k in service.kinds}
        with platform.database.read() as conn:
            tasks = task_queues(service, conn, caller, today, queues_of_tasks, limit)
            found, totals = case_store.queued_cases(conn, wanted, units=scope(caller), limit=limit)
        cases = [
            {
                "kind": kind,
                "statuses": list(statuses),
                "total": totals.get(kind, 0),
                "items": [
                    case_view(service.kinds[kind], c, today) for c in found if c["kind"] == kind
                ],
            }
            for kind, statuses in wanted.items()
        ]
        return {"tasks": tasks, "cases": cases}
