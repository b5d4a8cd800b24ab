"""Routes for the Office's corrections (Đ5.2a) and unit management (docs/architecture.md, Units)."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from services.intake import corrections, files, schemas, store, units
from services.intake.domain import ASSIGNERS, DOCUMENT_TYPES
from services.intake.routes.document_files import file_url
from services.intake.views import task_view
from shared import dates
from shared.auth import Principal
from shared.http import ApiRouter, json_body

if TYPE_CHECKING:
    from services.intake.service import IntakeService

PREFIX = "/api/intake"


def task_detail_view(task: dict[str, Any]) -> dict[str, Any]:
    view = {
        **task_view(task),
        "document_id": task["document_id"],
        "document_number": task["document_number"],
        "document_status": task["document_status"],
        "status": task["status"],
        "status_label": corrections.TASK_STATUSES[task["status"]],
        "updated_at": task["updated_at"],
    }
    if "document_type" in task:
        # What a unit reads about the document that assigned its task (it cannot list documents).
        view["document"] = {
            "number": task["document_number"],
            "type": task["document_type"],
            "type_label": DOCUMENT_TYPES[task["document_type"]][0],
            "assigned_by": task["document_assigned_by"],
            "assigned_by_label": ASSIGNERS[task["document_assigned_by"]],
            "signer": task["document_signer"],
            "issued_on": task["document_issued_on"],
            "summary": task["document_summary"],
        }
    return view


def install(router: ApiRouter, service: IntakeService) -> None:
    def principal() -> Principal:
        return service.caller()

    task_add_in = schemas.TaskAddIn()
    task_amend_in = schemas.TaskAmendIn()
    task_transfer_in = schemas.TaskTransferIn()
    task_withdraw_in = schemas.TaskWithdrawIn()
    unit_in = schemas.UnitIn()
    unit_patch_in = schemas.UnitPatchIn()
    unit_merge_in = schemas.UnitMergeIn()
    max_due_years = dates.max_due_years(service.runtime.env)  # README "Dates people enter"
    add_task = partial(corrections.add_task, max_due_years=max_due_years)
    amend_task = partial(corrections.amend_task, max_due_years=max_due_years)

    def correct(command: Any, key: str, schema: Any) -> Any:
        # The caller is checked before the body so that a unit's people get 403, not 422.
        caller = principal()
        corrections.require_office(caller)
        body = json_body(schema)
        with service.runtime.platform.unit_of_work() as uow:
            return command(uow, service.runtime.calendar, caller, key, body)

    @router.route(
        f"{PREFIX}/documents/<document_id>/tasks",
        "POST",
        request=schemas.TaskAddIn,
        response=schemas.TaskDetailOut,
        status=201,
        summary="Add a missing task to a document (Đ5.2a); released at once if the document is",
    )
    def post_document_task(document_id: str) -> Any:
        return task_detail_view(correct(add_task, document_id, task_add_in)), 201

    @router.route(
        f"{PREFIX}/tasks/<task_id>",
        response=schemas.TaskDetailOut,
        summary="One task with its document number and status, and for a reader of the document "
        "(the Office, leaders, the units of its tasks) the document's files (Đ5.2a)",
    )
    def get_task(task_id: str) -> Any:
        caller = principal()
        with service.runtime.platform.database.read() as conn:
            view = task_detail_view(corrections.read_task(conn, caller, task_id))
            # The document's files, for a reader of the document (Đ5.2a).
            document = store.document_by_id(conn, view["document_id"])
            if document is not None and "document" in view and files.may_read(caller, document):
                view["document"]["files"] = [
                    files.file_view(f, file_url(document["id"], f["id"]))
                    for f in files.files_of(conn, document["id"])
                ]
            return view

    @router.route(
        f"{PREFIX}/tasks/<task_id>",
        "PATCH",
        request=schemas.TaskAmendIn,
        response=schemas.TaskDetailOut,
        summary="Amend a task's content, deadline or cadence, coordinating units (Đ5.2a)",
    )
    def patch_task(task_id: str) -> Any:
        return task_detail_view(correct(amend_task, task_id, task_amend_in))

    @router.route(
        f"{PREFIX}/tasks/<task_id>/transfer",
        "POST",
        request=schemas.TaskTransferIn,
        response=schemas.TaskDetailOut,
        summary="Transfer a task to another lead unit, keeping its id (Đ5.2a)",
    )
    def post_transfer(task_id: str) -> Any:
        return task_detail_view(correct(corrections.transfer_task, task_id, task_transfer_in))

    @router.route(
        f"{PREFIX}/tasks/<task_id>/withdraw",
        "POST",
        request=schemas.TaskWithdrawIn,
        response=schemas.TaskDetailOut,
        summary="Withdraw a task (Đ5.2a)",
    )
    def post_withdraw(task_id: str) -> Any:
        return task_detail_view(correct(corrections.withdraw_task, task_id, task_withdraw_in))

    def manage(command: Any, schema: Any, *key: str) -> Any:
        caller = principal()
        corrections.require_office(caller)
        body = json_body(schema)
        with service.runtime.platform.unit_of_work() as uow:
            return command(uow, caller, *key, body)

    @router.route(
        f"{PREFIX}/units",
        "POST",
        request=schemas.UnitIn,
        response=schemas.UnitDetailOut,
        status=201,
        summary="Add a unit",
    )
    def post_unit() -> Any:
        return manage(units.add_unit, unit_in), 201

    @router.route(
        f"{PREFIX}/units/<code>",
        "PATCH",
        request=schemas.UnitPatchIn,
        response=schemas.UnitDetailOut,
        summary="Rename, deactivate or reactivate a unit",
    )
    def patch_unit(code: str) -> Any:
        return manage(units.change_unit, unit_patch_in, code)

    @router.route(
        f"{PREFIX}/units/<code>/merge",
        "POST",
        request=schemas.UnitMergeIn,
        response=schemas.UnitMergeOut,
        summary="Merge a unit into its successor; its open tasks follow",
    )
    def post_merge(code: str) -> Any:
        return manage(units.merge_unit, unit_merge_in, code)
