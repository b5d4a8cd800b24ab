"""Intake routes: schema in → command → handler → status code."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request

from services.intake import domain, edxml, files, handlers, schemas, store, unit_store
from services.intake.routes import corrections as correction_routes
from services.intake.routes import document_files as file_routes
from services.intake.routes import queues as queue_routes
from services.intake.routes import status_messages as status_routes
from services.intake.sectors import SECTORS
from services.intake.views import document_view
from shared import dates
from shared.auth import QLVB, Principal, require_roles
from shared.errors import NotFound, ValidationFailed
from shared.http import ApiRouter, page, query_args, request_json, require_content_type
from shared.json_input import check_text
from shared.text import fold

if TYPE_CHECKING:
    from services.intake.service import IntakeService

PREFIX = "/api/intake"
CLASSIFIED = ("mat", "toi_mat", "tuyet_mat")


def build_router(service: IntakeService) -> ApiRouter:
    def principal() -> Principal:
        return service.caller()

    router = ApiRouter("intake", subject_of=lambda: principal().sub)
    document_in = schemas.DocumentIn()
    max_due_years = dates.max_due_years(service.runtime.env)
    document_query = schemas.DocumentQuery()
    unit_query = schemas.UnitQuery()

    @router.route(
        f"{PREFIX}/documents",
        "POST",
        request=schemas.DocumentIn,
        response=schemas.DocumentOut,
        status=201,
        content_types=("application/json", *edxml.XML_TYPES),
        summary="Receive a document (JSON, or EDXML per QCVN 102:2016) and its tasks; "
        "release at once if asked",
    )
    def post_document() -> Any:
        caller = principal()
        require_roles(caller, QLVB, "office", "office_lead")
        is_edxml = require_content_type(("application/json", *edxml.XML_TYPES)) in edxml.XML_TYPES
        if is_edxml:
            # An EDXML message carries its files in base64: room for about two of the largest.
            request.max_content_length = (
                service.runtime.settings.max_body_bytes + 3 * service.runtime.files.max_bytes
            )
        # The JSON body is read and checked once (400, 422), as `json_body` reads it.
        raw: Any = _edxml_body() if is_edxml else request_json()
        if is_edxml:
            check_text(raw)  # JSON bodies are checked at the edge; EDXML text here
        if isinstance(raw, dict) and raw.get("secrecy") in CLASSIFIED:
            # Refused before validation so that nothing of the content is parsed further.
            with service.runtime.platform.unit_of_work() as uow:
                handlers.refuse_classified(uow, _source_id(raw), raw["secrecy"])
            raise handlers.ClassifiedDocument(
                handlers.CLASSIFIED_REASON,
                {"secrecy": [handlers.CLASSIFIED_REASON]},
                article="Đ5.2d",
            )
        if not isinstance(raw, dict):
            raise ValidationFailed(
                "Nội dung phải là một đối tượng JSON.", {"_schema": ["Cần một đối tượng JSON."]}
            )
        body = document_in.load(raw)
        # The EDXML message's attached files, checked before anything is stored (413, 422).
        attached = _edxml_files(service) if is_edxml else []
        response_for = _edxml_response_for() if is_edxml else None
        with service.runtime.platform.unit_of_work() as uow:
            received = handlers.receive_document(
                uow,
                service.runtime.calendar,
                caller,
                body,
                max_due_years=max_due_years,
                response_for=response_for,
                sender=service.sender,
            )
            if received.created:
                actor = caller.to_actor()
                document_id = received.document["id"]
                for attachment in attached:
                    stored = service.runtime.files.put(attachment.data, attachment.name)
                    files.add_file(uow, document_id, stored, origin="edxml", actor=actor)
            # A document created just now has the files it came with, none otherwise.
            new_without_files = received.created and not attached
            kept = [] if new_without_files else files.files_of(uow.conn, received.document["id"])
        return _with_files(received.document, kept), 201 if received.created else 200

    @router.route(
        f"{PREFIX}/documents",
        query=schemas.DocumentQuery,
        response=schemas.DocumentPage,
        summary="List documents: q= ignores diacritics and case; filter by type, status, "
        "assigned_by, unit (leads or coordinates a task), issued_from and issued_to",
    )
    def get_documents() -> Any:
        caller = principal()
        require_roles(caller, "office", "office_lead", "leader", QLVB)
        args = query_args(document_query)
        with service.runtime.platform.database.read() as conn:
            items, total = store.list_documents(
                conn,
                status=args["status"],
                q=fold(args["q"]) if args["q"] else None,
                limit=args["limit"],
                offset=args["offset"],
                type=args["type"],
                assigned_by=args["assigned_by"],
                unit=args["unit"],
                issued_from=args["issued_from"],
                issued_to=args["issued_to"],
                with_tasks=args["tasks"] == "full",
            )
        return page([document_view(d) for d in items], total, args)

    @router.route(
        f"{PREFIX}/documents/<document_id>",
        response=schemas.DocumentOut,
        summary="One document with its tasks and files: for the Office, leaders, the document "
        "system and the units that lead or coordinate one of its tasks (Đ5.2a)",
    )
    def get_document(document_id: str) -> Any:
        caller = principal()
        if not caller.has_role(*files.READ_ALL_ROLES) and files.unit_of(caller) is None:
            require_roles(caller, *files.READ_ALL_ROLES)
        with service.runtime.platform.database.read() as conn:
            document = store.document_by_id(conn, document_id)
            if document is None:
                raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
            files.require_read(caller, document)
            kept = files.files_of(conn, document_id)
        return _with_files(document, kept)

    @router.route(
        f"{PREFIX}/documents/<document_id>/release",
        "POST",
        response=schemas.DocumentOut,
        summary="Release a received document for tracking (chuyển theo dõi)",
    )
    def post_release(document_id: str) -> Any:
        caller = principal()
        with service.runtime.platform.unit_of_work() as uow:
            document = handlers.release_document(uow, caller, document_id, sender=service.sender)
        return document_view(document)

    @router.route(
        f"{PREFIX}/units",
        query=schemas.UnitQuery,
        response=schemas.UnitPage,
        summary="Units: the Office, departments, communes and wards",
    )
    def get_units() -> Any:
        principal()
        args = query_args(unit_query)
        with service.runtime.platform.database.read() as conn:
            items, total = unit_store.list_units(
                conn,
                kind=args["kind"],
                q=fold(args["q"]) if args["q"] else None,
                active=args["active"],
                limit=args["limit"],
                offset=args["offset"],
            )
        return page(items, total, args)

    @router.route(
        f"{PREFIX}/vocabulary",
        response=schemas.VocabularyOut,
        summary="The Vietnamese labels of the codes this API takes and answers (document types, "
        "assigners, urgencies, cadences, document statuses, sectors)",
    )
    def get_vocabulary() -> Any:
        principal()
        return {
            "document_types": {slug: label for slug, (label, _) in domain.DOCUMENT_TYPES.items()},
            "assigners": domain.ASSIGNERS,
            "urgencies": domain.URGENCIES,
            "cadences": domain.CADENCES,
            "document_statuses": domain.DOCUMENT_STATUSES,
            "sectors": SECTORS,
        }

    correction_routes.install(router, service)
    file_routes.install(router, service)
    status_routes.install(router, service)
    queue_routes.install(router, service)
    return router


def _with_files(document: dict[str, Any], kept: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        **document_view(document),
        "files": [files.file_view(f, file_routes.file_url(document["id"], f["id"])) for f in kept],
    }


def _edxml_files(service: IntakeService) -> list[edxml.EncodedAttachment]:
    """The files the EDXML message carries (AttachmentEncoded), each checked as the file store
    checks an upload (413, 422) before anything of the document is stored."""
    try:
        encoded = edxml.encoded_attachments(request.get_data(cache=True))
    except edxml.EdxmlError as exc:
        raise ValidationFailed("Thông điệp EDXML không hợp lệ.", {"edxml": [str(exc)]}) from exc
    for position, attachment in enumerate(encoded):
        service.runtime.files.check(attachment.data, attachment.name, f"attachments[{position}]")
    return encoded


def _source_id(raw: dict[str, Any]) -> str | None:
    value = raw.get("source_id")
    return value if isinstance(value, str) else None


def _edxml_response_for() -> dict[str, Any]:
    """The message's identifiers for the status messages about it (Đ3.2)."""
    try:
        return edxml.response_for(request.get_data(cache=True))
    except edxml.EdxmlError as exc:
        raise ValidationFailed("Thông điệp EDXML không hợp lệ.", {"edxml": [str(exc)]}) from exc


def _edxml_body() -> dict[str, Any]:
    """The EDXML message as a JSON-shaped body; a classified one carries only source id, secrecy."""
    try:
        return edxml.parse(request.get_data(cache=True))
    except edxml.EdxmlError as exc:
        raise ValidationFailed("Thông điệp EDXML không hợp lệ.", {"edxml": [str(exc)]}) from exc
