"""Official documents of the cases whose pages are the generic case page (the Office's inspection
report, Đ15.3; a unit's own, Đ15.1; the Working Group's monthly account, Đ10.1đ) as DOCX and PDF,
and the Office's "Mẫu văn bản" page: each kind's template in force and its versions, a download
of the current one, an upload of a new one (refused in Vietnamese when it does not render, the
old one kept) and a reset to the shipped one (reporting's `/document-templates`)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for

from services.web import context, official_documents
from services.web.api_client import ApiError
from services.web.routes.unit_inspections import FORMS, RESULTS, SCOPES

bp = Blueprint("document_templates", __name__)
DOCX = official_documents.FORMATS["docx"]
# The cases shown on /cases/<kind>/<id> that are reports, their API path and document kind.
CASE_DOCUMENTS = {
    "inspection": ("inspections", "inspection_report"),
    "unit_inspection": ("unit-inspections", "inspection_report"),
    "monthly_account": ("monthly-accounts", "monthly_account"),
}


def has_document(kind: str, case: dict[str, Any]) -> bool:
    """Whether the case is a report yet: an inspection once its report is sent (Đ15.3), a
    monthly account from its draft on."""
    if kind not in CASE_DOCUMENTS:
        return False
    return kind == "monthly_account" or bool((case.get("data") or {}).get("conclusions"))


@bp.get("/cases/<kind>/<case_id>/document.<fmt>")
@context.signed_in
def case_document(kind: str, case_id: str, fmt: str) -> Any:
    path, document_kind = CASE_DOCUMENTS.get(kind) or abort(404)
    case = context.api().get("workflow", f"/{path}/{case_id}")
    if not has_document(kind, case):
        abort(404, description="Chưa có báo cáo kết quả kiểm tra.")
    data: dict[str, Any] = {"case": case}
    if document_kind == "inspection_report":
        names = context.unit_names()
        unit = ((case.get("parties") or {}).get("unit") or [""])[0]
        data.update(
            unit_names=names,
            issuer=names.get(unit, unit),
            labels={"forms": FORMS, "scopes": SCOPES, "results": RESULTS},
            on=case["data"].get("reported_on") or context.today().isoformat(),
        )
    else:
        approved = [h for h in case.get("history") or [] if h.get("action") == "approve"]
        data["on"] = str(approved[-1]["at"])[:10] if approved else context.today().isoformat()
        if approved and approved[-1].get("actor"):
            data["signer_name"] = approved[-1]["actor"].get("name")
    return official_documents.download(document_kind, fmt, data)


@bp.get("/document-templates")
@context.office_only
def template_list() -> Any:
    return _page()


def _page(errors: dict[str, list[str]] | None = None, message: str | None = None) -> Any:
    found = context.api().get("reporting", "/document-templates")
    page = render_template(
        "document_templates.html",
        items=found["items"],
        errors=errors or {},
        message=message,
    )
    return page, (422 if errors else 200)


@bp.get("/document-templates/<kind>.docx")
@context.office_only
def template_file(kind: str) -> Any:
    content, disposition = context.api().get_file("reporting", f"/document-templates/{kind}.docx")
    response = Response(content, mimetype=DOCX)
    if disposition:
        response.headers["Content-Disposition"] = disposition
    return response


@bp.post("/document-templates/<kind>")
@context.office_only
def upload(kind: str) -> Any:
    part = request.files.get("file")
    if part is None or not part.filename:
        return _page({f"file-{kind}": ["Chọn tệp mẫu (.docx) để tải lên."]}, "Chưa chọn tệp.")
    try:
        found = context.api().post_file(
            "reporting", f"/document-templates/{kind}", part.filename, part.read(), part.mimetype
        )
    except ApiError as exc:
        if exc.status not in (409, 413, 422):
            raise
        message = exc.detail or exc.title
        errors = {f"file-{kind}": [*exc.field_errors().get("file", [])] or [message]}
        return _page(errors, message)
    flash(f"Đã áp dụng mẫu mới (phiên bản {found['version']}) cho {found['label']}.", "success")
    return redirect(url_for(".template_list"), code=303)


@bp.post("/document-templates/<kind>/reset")
@context.office_only
def reset(kind: str) -> Any:
    found = context.api().post("reporting", f"/document-templates/{kind}/reset")
    flash(f"Đã dùng lại mẫu gốc của hệ thống cho {found['label']}.", "success")
    return redirect(url_for(".template_list"), code=303)
