"""Routes for the files units send with a task's progress, results and contributions (Đ6.2a)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.workflow import schemas, task_files
from services.workflow.kinds.task import TASK, require_read
from shared.auth import Principal
from shared.http import UPLOAD_TYPES, ApiRouter, download, upload_limit, uploaded_file

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"


def register_routes(router: ApiRouter, service: WorkflowService) -> None:
    def principal() -> Principal:
        return service.caller()

    platform = service.runtime.platform

    @router.route(
        f"{PREFIX}/tasks/<task_id>/files",
        "POST",
        request=schemas.TaskFileUploadIn,
        response=schemas.TaskFileOut,
        status=201,
        content_types=UPLOAD_TYPES,
        max_body=lambda: upload_limit(service.runtime.files),
        summary="Upload a file to send with the task's progress, result or contribution (Đ6.2a): "
        "multipart/form-data with the part `file`, or JSON {name, content_base64}; the action "
        "names its id in `attachments`. At most MAX_FILE_BYTES (413); PDF, DOC, DOCX, XLS, XLSX, "
        "ODT, PNG or JPEG by content (422); the task's units and the Office",
    )
    def post_task_file(task_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            task = TASK.find(conn, task_id)
        task_files.require_upload(caller, task)
        stored = uploaded_file(service.runtime.files)
        with platform.unit_of_work() as uow:
            row = task_files.add(uow, caller, task_id, stored)
        return task_files.view(row), 201

    @router.route(
        f"{PREFIX}/tasks/<task_id>/files/<file_id>",
        summary="Download a file sent with the task's history (Content-Disposition: attachment), "
        "for those who read the task",
    )
    def get_task_file(task_id: str, file_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            task = TASK.find(conn, task_id)
            require_read(caller, task, conn)
            row = task_files.file_for_reader(conn, caller, task_id, file_id)
        return download(service.runtime.files, row["sha256"], row["name"], row["media_type"])
