"""Workflow routes: tasks, their actions, and process models."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request
from marshmallow import Schema

from services.workflow import dashboard, schemas, task_files
from services.workflow.domain import ACTION_LABELS, RETURN_REASONS, STATUS_LABELS
from services.workflow.exchanges import OPENER_LABELS
from services.workflow.instances import migration, runner
from services.workflow.instances import preview as deploy_preview
from services.workflow.kinds.task import TASK, require_read
from services.workflow.models import audit_model, model_listing, model_view
from services.workflow.routes import attachments, diagrams, queues, task_cases, working_group
from services.workflow.routes.cases import register_case_routes
from services.workflow.views import task_view
from shared.auth import (
    PROCESS_OWNER,
    Principal,
    require_roles,
)
from shared.calendar import local_date
from shared.errors import NotFound, ValidationFailed
from shared.http import ApiRouter, json_body, page, query_args, require_content_type
from shared.openapi import also_answers, refuses_with
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"
BPMN_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")


def build_router(service: WorkflowService) -> ApiRouter:
    def principal() -> Principal:
        return service.caller()

    # An idempotency key belongs to the token's subject: nothing to read from the directory.
    router = ApiRouter("workflow", subject_of=lambda: service.authenticate().sub)
    task_query = schemas.TaskQuery()
    platform = service.runtime.platform

    @router.route(
        f"{PREFIX}/tasks",
        query=schemas.TaskQuery,
        response=schemas.TaskPage,
        summary="Tasks the caller may see, filtered by unit, sector, status, overdue, "
        "progress_due, extension_pending, assigning leader and assignment period, q",
    )
    def get_tasks() -> Any:
        caller = principal()
        args = query_args(task_query)
        today = local_date(platform.clock.now())
        with platform.database.read() as conn:
            views, total = queues.task_views(
                service,
                conn,
                caller,
                today,
                sector=args["sector"],
                unit=args["unit"],
                status=args["status"],
                overdue=args["overdue"],
                progress_due=args["progress_due"],
                extension_pending=args["extension_pending"],
                assigned=(args["assigned_by"], args["assigned_from"], args["assigned_to"]),
                order=args["order"],
                q=fold(args["q"]) if args["q"] else None,
                limit=args["limit"],
                offset=args["offset"],
            )
        return page(views, total, args)

    @router.route(
        f"{PREFIX}/tasks/<task_id>",
        response=schemas.TaskOut,
        summary="One task: status, due date, what the caller may do now, history",
    )
    def get_task(task_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            task = TASK.find(conn, task_id)
            require_read(caller, task, conn)
            today = local_date(platform.clock.now())
            snap = runner.snapshot(
                service, conn, caller, TASK, task, today, None, task_files.history
            )
            return task_cases.detail(service, conn, caller, snap, today)

    def perform(task_id: str, action: str, schema: Schema) -> Any:
        token = service.authenticate()  # 401 before the body's 422
        payload = json_body(schema) if request.get_data() else schema.load({})
        # Files the action sends (Đ6.2a) are not the diagram's data: they join its history entry.
        sent = payload.pop("attachments", None) or []
        with platform.unit_of_work() as uow:
            # The task's row, locked, and the unit directory's version in one statement; the
            # caller's units are then read in the action's own transaction: one connection.
            row, version = TASK.table.get_with(
                uow.conn, task_id, service.units_version_column, for_update=True
            )
            if row is None:
                TASK.find(uow.conn, task_id)  # raises the kind's NotFound
            assert row is not None
            caller = service.resolve_at(token, uow.conn, version)
            if sent:
                TASK.require_access(uow.conn, caller, row)
            if sent and action not in task_files.ATTACHING_ACTIONS:
                raise ValidationFailed(
                    "Thao tác này không kèm tệp.", {"attachments": ["Thao tác này không nhận tệp."]}
                )
            files = task_files.pending(uow.conn, caller, task_id, sent)
            if not files:
                # The action's history entries are written with the answer's read of the
                # history and its files: one statement on PostgreSQL (task_files.history_after).
                snap = runner.perform(
                    service,
                    uow,
                    caller,
                    TASK,
                    task_id,
                    action,
                    payload,
                    write_history=task_files.history_after,
                    found=row,
                )
                return task_view(snap.row, snap.actions, snap.history)
            snap = runner.perform(service, uow, caller, TASK, task_id, action, payload, found=row)
            task_files.attach(uow, task_id, files)
            history = task_files.with_attachments(uow.conn, snap.history)
        return task_view(snap.row, snap.actions, history)

    def action_view(action: str, schema: Schema) -> Any:
        def view(task_id: str) -> Any:
            return perform(task_id, action, schema)

        view.__name__ = f"post_{action}"
        return view

    for action, schema_class in schemas.ACTION_SCHEMAS.items():
        router.route(
            f"{PREFIX}/tasks/<task_id>/actions/{action}",
            "POST",
            request=schema_class,
            response=schemas.TaskOut,
            summary=f"{ACTION_LABELS[action]} ({action}); 409 with the offered actions if the "
            "task does not offer it now, 403 if it is not the caller's",
        )(action_view(action, schema_class()))

    @router.route(
        f"{PREFIX}/tasks/<task_id>/actions/<action>",
        "POST",
        summary="Any other action name: 404",
    )
    def post_unknown_action(task_id: str, action: str) -> Any:
        principal()
        raise NotFound(f"Không có thao tác '{action}'.", actions=sorted(ACTION_LABELS))

    @router.route(
        f"{PREFIX}/process-models",
        response=schemas.ProcessModelList,
        summary="Deployed process model versions: where each came from, which one new instances "
        "start on (active) and how many tasks and cases not closed run on each",
    )
    def get_models() -> Any:
        principal()
        with platform.database.read() as conn:
            return {"items": model_listing(conn)}

    @router.route(
        f"{PREFIX}/process-models/<process_id>",
        "POST",
        response=schemas.ProcessModelOut,
        status=201,
        content_types=BPMN_TYPES,
        summary="Validate and deploy a new version of a BPMN diagram (201), which new instances "
        "start on from now (active; restarts keep it); the diagram deployed already (same sha256) "
        "answers 200 with its version, made active; a refused one answers 422 listing every "
        "problem, each naming its element",
    )
    @also_answers(200, "The same diagram is deployed already: its version, made active")
    @refuses_with(
        422,
        "The diagram is refused: every problem at once, each naming its element",
        schemas.DiagramRefusal,
    )
    def post_model(process_id: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        require_content_type(BPMN_TYPES)
        xml = request.get_data()
        if not xml:
            raise ValidationFailed("Thiếu sơ đồ BPMN.", {"bpmn": ["Nội dung trống."]})
        with platform.unit_of_work() as uow:
            row, created, activated = service.models.deploy(
                uow.conn, process_id, xml, uow.now, caller.sub
            )
            audit_model(uow, caller.to_actor(), row, created, activated)
        return model_view(row), 201 if created else 200

    @router.route(
        f"{PREFIX}/process-models/<process_id>/versions/<version>/activate",
        "POST",
        response=schemas.ProcessModelOut,
        summary="Make a deployed version the one new instances start on (running ones keep "
        "theirs); 404 if the process has no such version",
    )
    def post_activate_model(process_id: str, version: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        if not version.isdigit() or len(version) > 9:
            raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
        with platform.unit_of_work() as uow:
            row, activated = service.models.activate(
                uow.conn, process_id, int(version), uow.now, caller.sub
            )
            audit_model(uow, caller.to_actor(), row, False, activated)
        return model_view(row)

    migration_in = schemas.MigrationIn()

    @router.route(
        f"{PREFIX}/process-models/<process_id>/versions/<version>/migrate",
        "POST",
        request=schemas.MigrationIn,
        response=schemas.MigrationOut,
        summary="Move the running tasks and cases of `from_version` onto this version, or preview "
        "the move (`apply` false): each instance moves unless a step it reached is not in this "
        "version (refused with the reason); audited; 404 if either version does not exist",
    )
    def post_migrate(process_id: str, version: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        if not version.isdigit() or len(version) > 9:
            raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
        body = json_body(migration_in)
        with platform.unit_of_work() as uow:
            return migration.migrate(
                service,
                uow,
                process_id,
                body["from_version"],
                int(version),
                apply=body["apply"],
                actor=caller.to_actor(),
            )

    preview_query = schemas.PreviewQuery()

    @router.route(
        f"{PREFIX}/process-models/<process_id>/preview",
        "POST",
        query=schemas.PreviewQuery,
        response=schemas.PreviewOut,
        content_types=BPMN_TYPES,
        summary="Before deploying a BPMN diagram: replay the histories of the tasks of a period "
        "(`from`, `to`; default the last full quarter) on the versions they run on and on this "
        "diagram, and count which notices (reminders, urgings…) and categories would change and "
        "for how many tasks, and which tasks would meet an action the diagram no longer offers; "
        "nothing is deployed or written; a refused diagram answers 422 as a deploy does",
    )
    @refuses_with(
        422,
        "The diagram is refused: every problem at once, each naming its element",
        schemas.DiagramRefusal,
    )
    def post_preview(process_id: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        require_content_type(BPMN_TYPES)
        args = query_args(preview_query)
        xml = request.get_data()
        if not xml:
            raise ValidationFailed("Thiếu sơ đồ BPMN.", {"bpmn": ["Nội dung trống."]})
        now = platform.clock.now()
        return deploy_preview.run(service, process_id, xml, args["from_"], args["to"], now)

    dashboard_query = dashboard.DashboardQuery()

    @router.route(
        f"{PREFIX}/dashboard",
        query=dashboard.DashboardQuery,
        response=dashboard.DashboardOut,
        summary="A unit's tasks by status, overdue, awaiting extension or progress, and its open "
        "cases by kind (Đ7.2a, Đ7.2c); for the Office and leaders, every unit, by unit and leader",
    )
    def get_dashboard() -> Any:
        caller = principal()
        args = query_args(dashboard_query)
        unit = dashboard.unit_for(caller, args["unit"])
        today = local_date(platform.clock.now())
        with platform.database.read() as conn:
            return dashboard.summary(conn, today, unit, args["leader"])

    @router.route(
        f"{PREFIX}/vocabulary",
        response=schemas.VocabularyOut,
        summary="The Vietnamese labels of the codes this API takes and answers (task statuses, "
        "task actions, reasons for a return, kinds of case)",
    )
    def get_vocabulary() -> Any:
        principal()
        return {
            "task_statuses": STATUS_LABELS,
            "task_actions": {**ACTION_LABELS, **OPENER_LABELS},
            "return_reasons": RETURN_REASONS,
            "case_kinds": {name: kind.label for name, kind in service.kinds.items()},
        }

    diagrams.register_routes(router, service)
    task_cases.register_routes(router, service)
    attachments.register_routes(router, service)
    working_group.register_routes(router, service)
    queues.register_routes(router, service)
    register_case_routes(router, service)
    return router
