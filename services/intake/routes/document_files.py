"""Routes for a document's files and units' reports of a missing or wrong task (Đ5.2a)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request

from services.intake import files, schemas, store
from shared.auth import LEADER, OFFICE_LEAD, QLVB, Principal, require_roles
from shared.errors import NotFound
from shared.http import (
    UPLOAD_TYPES,
    ApiRouter,
    download,
    json_body,
    page,
    query_args,
    upload_limit,
    uploaded_file,
)

if TYPE_CHECKING:
    from services.intake.service import IntakeService

PREFIX = "/api/intake"


def file_url(document_id: str, file_id: str) -> str:
    return f"{PREFIX}/documents/{document_id}/files/{file_id}"


def install(router: ApiRouter, service: IntakeService) -> None:
    def principal() -> Principal:
        return service.caller()

    platform = service.runtime.platform
    report_in = schemas.TaskReportIn()
    close_in = schemas.TaskReportCloseIn()
    report_query = schemas.TaskReportQuery()

    @router.route(
        f"{PREFIX}/documents/<document_id>/files",
        "POST",
        request=schemas.FileUploadIn,
        response=schemas.FileOut,
        status=201,
        content_types=UPLOAD_TYPES,
        max_body=lambda: upload_limit(service.runtime.files),
        summary="Add a file to a document (the Office, the document system): multipart/form-data "
        "with the part `file`, or JSON {name, content_base64}; kept once by its SHA-256, at most "
        "MAX_FILE_BYTES (413), PDF, DOC, DOCX, XLS, XLSX, ODT, PNG or JPEG by content (422)",
    )
    def post_document_file(document_id: str) -> Any:
        caller = principal()
        require_roles(caller, "office", OFFICE_LEAD, QLVB)
        with platform.database.read() as conn:
            if store.document_by_id(conn, document_id) is None:
                raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
        stored = uploaded_file(service.runtime.files)
        with platform.unit_of_work() as uow:
            row = files.add_file(uow, document_id, stored, origin="upload", actor=caller.to_actor())
        return files.file_view(row, file_url(document_id, row["id"])), 201

    @router.route(
        f"{PREFIX}/documents/<document_id>/files/<file_id>",
        summary="Download a document's file (Content-Disposition: attachment), for those who "
        "may read the document: the Office, leaders, the units of its tasks (Đ5.2a)",
    )
    def get_document_file(document_id: str, file_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            document = store.document_by_id(conn, document_id)
            if document is None:
                raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
            files.require_read(caller, document)
            row = files.file_of(conn, document_id, file_id)
        return download(service.runtime.files, row["sha256"], row["name"], row["media_type"])

    @router.route(
        f"{PREFIX}/documents/<document_id>/task-reports",
        "POST",
        request=schemas.TaskReportIn,
        response=schemas.TaskReportOut,
        status=201,
        summary="A unit reports that the document gave it a task wrongly or not at all (Đ5.2a: "
        "giao thiếu / chưa chính xác); it waits in the Office's queue",
    )
    def post_task_report(document_id: str) -> Any:
        caller = principal()
        if files.unit_of(caller) is None:  # refused before the body is read
            require_roles(caller, "unit_officer", "unit_head")
        body = json_body(report_in)
        with platform.unit_of_work() as uow:
            row = files.report_task(uow, caller, document_id, body)
        return files.report_view(row), 201

    by_number_in = schemas.TaskReportByNumberIn()

    @router.route(
        f"{PREFIX}/task-reports",
        "POST",
        request=schemas.TaskReportByNumberIn,
        response=schemas.TaskReportOut,
        status=201,
        summary="A unit given no task in a released document reports it (Đ5.2a: giao thiếu), "
        "naming the document by its number and symbol; it waits in the Office's queue",
    )
    def post_task_report_by_number() -> Any:
        caller = principal()
        if files.unit_of(caller) is None:  # refused before the body is read
            require_roles(caller, "unit_officer", "unit_head")
        body = json_body(by_number_in)
        with platform.unit_of_work() as uow:
            document_id = files.released_by_number(uow.conn, body["document_number"])
            row = files.report_task(uow, caller, document_id, {**body, "task_id": None})
        return files.report_view(row), 201

    @router.route(
        f"{PREFIX}/task-reports",
        query=schemas.TaskReportQuery,
        response=schemas.TaskReportPage,
        summary="Units' reports of a missing or wrong task (Đ5.2a), oldest first: every one for "
        "the Office and leaders, a unit's own for its staff",
    )
    def get_task_reports() -> Any:
        caller = principal()
        args = query_args(report_query)
        unit = args["unit"]
        if not caller.has_role("office", OFFICE_LEAD, LEADER):
            own = files.unit_of(caller)
            if own is None:
                require_roles(caller, "office", OFFICE_LEAD, LEADER, "unit_officer", "unit_head")
            unit = own
        with platform.database.read() as conn:
            items, total = files.list_reports(
                conn,
                status=args["status"],
                unit=unit,
                document_id=args["document_id"],
                limit=args["limit"],
                offset=args["offset"],
            )
        return page([files.report_view(r) for r in items], total, args)

    @router.route(
        f"{PREFIX}/task-reports/<report_id>/close",
        "POST",
        request=schemas.TaskReportCloseIn,
        response=schemas.TaskReportOut,
        summary="The Office closes a unit's report of a missing or wrong task, with a note "
        "(after adding, amending or transferring the task, or not)",
    )
    def post_close_task_report(report_id: str) -> Any:
        caller = principal()
        require_roles(caller, "office", OFFICE_LEAD)
        body = json_body(close_in) if request.get_data() else close_in.load({})
        with platform.unit_of_work() as uow:
            row = files.close_report(uow, caller, report_id, body["note"])
        return files.report_view(row)
