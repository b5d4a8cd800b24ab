"""Routes for the status messages the document system gets about the documents it sent (Đ3.2):
the same EDXML messages notify delivers to its endpoint, readable by its own id or ours."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from services.intake import schemas, store, task_store
from shared.auth import LEADER, OFFICE_LEAD, QLVB, Principal, require_roles
from shared.errors import NotFound
from shared.http import ApiRouter, query_args

if TYPE_CHECKING:
    from services.intake.service import IntakeService

PREFIX = "/api/intake"
READERS = (QLVB, "office", OFFICE_LEAD, LEADER)
KIND_LABELS = {
    "received": "Đã tiếp nhận",
    "released": "Đã chuyển theo dõi",
    "task_completed": "Một nhiệm vụ đã hoàn thành",
    "completed": "Tất cả nhiệm vụ đã hoàn thành",
}


def install(router: ApiRouter, service: IntakeService) -> None:
    def principal() -> Principal:
        return service.caller()

    platform = service.runtime.platform
    by_source = schemas.StatusMessageQuery()

    @router.route(
        f"{PREFIX}/documents/<document_id>/status-messages",
        response=schemas.StatusMessageList,
        summary="The status messages (EDXML, QCVN 102 Status) sent to the document system about "
        "a document it sent, in order: the document system, the Office and leaders (Đ3.2)",
    )
    def get_status_messages(document_id: str) -> Any:
        require_roles(principal(), *READERS)
        with platform.database.read() as conn:
            document = store.document_by_id(conn, document_id)
            if document is None:
                raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
            return _answer(document, task_store.status_messages_of(conn, document_id))

    @router.route(
        f"{PREFIX}/status-messages",
        query=schemas.StatusMessageQuery,
        response=schemas.StatusMessageList,
        summary="The same, found by the document system's own identifier of the document "
        "(source_id: its DocumentId)",
    )
    def get_status_messages_by_source() -> Any:
        require_roles(principal(), *READERS)
        args = query_args(by_source)
        with platform.database.read() as conn:
            document = store.document_by_source(conn, args["source_id"])
            if document is None:
                raise NotFound("Không tìm thấy văn bản.", source_id=args["source_id"])
            return _answer(document, task_store.status_messages_of(conn, document["id"]))


def _answer(document: dict[str, Any], rows: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "document_id": document["id"],
        "source_id": document["source_id"],
        "response_for": document.get("response_for"),
        "items": [{**row, "kind_label": KIND_LABELS[row["kind"]]} for row in rows],
    }
