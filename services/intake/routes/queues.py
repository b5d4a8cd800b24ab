"""`GET /api/intake/queues`: the Office's intake queues in one answer — the documents received and
not yet released (Đ6.1), and units' open reports of a missing or wrong task (Đ5.2a) — each with
its total and its first items, as their lists answer them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate

from services.intake import files, schemas, store
from services.intake.views import document_view
from shared.auth import OFFICE_LEAD, authenticate_request, require_roles
from shared.http import ApiRouter, query_args

if TYPE_CHECKING:
    from services.intake.service import IntakeService

PREFIX = "/api/intake"


class QueuesQuery(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class DocumentQueueOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(schemas.DocumentOut))


class TaskReportQueueOut(Schema):
    total = fields.Integer()
    items = fields.List(fields.Nested(schemas.TaskReportOut))


class QueuesOut(Schema):
    # As GET /api/intake/documents?status=received&tasks=count answers them.
    documents = fields.Nested(DocumentQueueOut)
    # As GET /api/intake/task-reports?status=open answers them.
    task_reports = fields.Nested(TaskReportQueueOut)


def install(router: ApiRouter, service: IntakeService) -> None:
    platform = service.runtime.platform
    query = QueuesQuery()

    @router.route(
        f"{PREFIX}/queues",
        query=QueuesQuery,
        response=QueuesOut,
        summary="The Office's intake queues at once, each with its total and first `limit` "
        "items: documents received and not yet released (Đ6.1), units' open reports of a "
        "missing or wrong task (Đ5.2a)",
    )
    def get_queues() -> Any:
        caller = authenticate_request(service.runtime.verifier)
        require_roles(caller, "office", OFFICE_LEAD)
        limit = query_args(query)["limit"]
        with platform.database.read() as conn:
            documents, documents_total = store.list_documents(
                conn, status="received", q=None, limit=limit, offset=0, with_tasks=False
            )
            reports, reports_total = files.list_reports(
                conn, status="open", unit=None, document_id=None, limit=limit, offset=0
            )
        return {
            "documents": {
                "total": documents_total,
                "items": [document_view(d) for d in documents],
            },
            "task_reports": {
                "total": reports_total,
                "items": [files.report_view(r) for r in reports],
            },
        }
