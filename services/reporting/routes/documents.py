"""Routes of the official documents (docs/documents.md): a report rendered from its kind's
template as DOCX or PDF (Nghị định 30/2020's layout), and the Office's templates — list, download,
upload a new version (checked against the kind's sample), reset to the shipped one."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from flask import Response
from sqlalchemy.exc import IntegrityError

from services.reporting import document_schemas
from services.reporting.documents import pdf, registry, versions
from services.reporting.documents.render import render
from shared.auth import OFFICE_ROLES, Principal, require_roles
from shared.calendar import local_date
from shared.errors import Conflict, ValidationFailed
from shared.files import DOCX, PDF
from shared.http import (
    UPLOAD_TYPES,
    ApiRouter,
    attachment,
    json_body,
    upload_limit,
    uploaded_content,
)

if TYPE_CHECKING:
    from services.reporting.service import ReportingService

PREFIX = "/api/reporting"


def add_routes(
    router: ApiRouter, service: ReportingService, principal: Callable[[], Principal]
) -> None:
    platform = service.runtime.platform
    files = service.runtime.files
    document_in = document_schemas.DocumentIn()

    def office() -> Principal:
        caller = principal()
        require_roles(caller, *OFFICE_ROLES)
        return caller

    def document(kind: str, as_pdf: bool) -> Response:
        principal()
        found = registry.kind_of(kind)
        data = json_body(document_in)["data"]
        with platform.database.read() as conn:
            template = versions.template(conn, files, kind)
        try:
            context = found.context(data, local_date(platform.clock.now()))
            name = found.filename(data)
        except (AttributeError, TypeError, ValueError, KeyError, IndexError) as exc:
            raise ValidationFailed(
                "Dữ liệu của văn bản không đúng dạng của loại văn bản này.",
                {"data": [f"Không đọc được dữ liệu ({type(exc).__name__})."]},
            ) from exc
        body = render(template, context)
        if as_pdf:
            return attachment(
                pdf.to_pdf(body, program=pdf.soffice(service.runtime.env)), f"{name}.pdf", PDF
            )
        return attachment(body, f"{name}.docx", DOCX)

    @router.route(
        f"{PREFIX}/documents/<kind>.docx",
        "POST",
        request=document_schemas.DocumentIn,
        summary="A report as an official document (DOCX) from its kind's template in force: "
        "unit_report (Đ18.1), office_report (Đ16.2, Đ18.2), inspection_report (Đ15.3), "
        "monthly_account (Đ10.1đ), annual_report (Đ20.1); the body's `data` is what it presents",
    )
    def post_document_docx(kind: str) -> Any:
        return document(kind, as_pdf=False)

    @router.route(
        f"{PREFIX}/documents/<kind>.pdf",
        "POST",
        request=document_schemas.DocumentIn,
        summary="The same document as PDF (LibreOffice headless); 503 when it is not installed",
    )
    def post_document_pdf(kind: str) -> Any:
        return document(kind, as_pdf=True)

    @router.route(
        f"{PREFIX}/document-templates",
        response=document_schemas.DocumentTemplateList,
        summary="Each kind of document with its template in force and its versions (the Office)",
    )
    def list_document_templates() -> Any:
        office()
        with platform.database.read() as conn:
            return {"items": versions.listing(conn)}

    @router.route(
        f"{PREFIX}/document-templates/<kind>",
        response=document_schemas.DocumentTemplateOut,
        summary="One kind's template in force and its versions (the Office)",
    )
    def get_document_template(kind: str) -> Any:
        office()
        with platform.database.read() as conn:
            return versions.versions_of(conn, kind)

    @router.route(
        f"{PREFIX}/document-templates/<kind>.docx",
        summary="Download the template in force of a kind (the Office)",
    )
    def get_document_template_file(kind: str) -> Any:
        office()
        with platform.database.read() as conn:
            template = versions.template(conn, files, kind)
        return attachment(template, f"mau-{kind}.docx", DOCX)

    @router.route(
        f"{PREFIX}/document-templates/<kind>",
        "POST",
        request=document_schemas.TemplateUploadIn,
        response=document_schemas.DocumentTemplateOut,
        status=201,
        content_types=UPLOAD_TYPES,
        max_body=lambda: upload_limit(files),
        summary="Upload a new version of a kind's template (the Office): multipart/form-data "
        "with the part `file`, or JSON {name, content_base64}; a DOCX that renders with the "
        "kind's sample, else 422 and the template in force stays",
    )
    def post_document_template(kind: str) -> Any:
        caller = office()
        registry.kind_of(kind)
        upload = uploaded_content(files)
        try:
            with platform.unit_of_work() as uow:
                return versions.upload(uow, files, caller, kind, upload), 201
        except IntegrityError as exc:
            raise _changed_meanwhile() from exc

    @router.route(
        f"{PREFIX}/document-templates/<kind>/reset",
        "POST",
        response=document_schemas.DocumentTemplateOut,
        summary="Put the template shipped with the system back in force for a kind (the Office)",
    )
    def reset_document_template(kind: str) -> Any:
        caller = office()
        try:
            with platform.unit_of_work() as uow:
                return versions.reset(uow, caller, kind)
        except IntegrityError as exc:
            raise _changed_meanwhile() from exc


def _changed_meanwhile() -> Conflict:
    """Two changes of one kind's template at once: the second took the same version number."""
    return Conflict("Mẫu văn bản vừa được người khác thay đổi; hãy tải lại trang và thử lại.")
