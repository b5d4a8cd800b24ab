"""Reports as official documents (DOCX and PDF in the layout of Nghị định 30/2020): the page of a
report assembles what its document presents from the APIs it reads and asks reporting to render
it from the kind's template in force (`POST /api/reporting/documents/<kind>.<format>`; the
kinds and their data: services/reporting/documents/). The web keeps no layout of its own."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from flask import Response, abort

from services.web import context
from shared.calendar import local_date

FORMATS = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "pdf": "application/pdf",
}


def dated(case: Mapping[str, Any]) -> date:
    """The day a report's document bears: the day the Office's leader approved it (its history's
    last `approve`, in the province's time), today while it is not approved."""
    approvals = [
        datetime.fromisoformat(entry["at"])
        for entry in case.get("history") or []
        if entry.get("action") == "approve"
    ]
    return local_date(max(approvals)) if approvals else context.today()


def download(kind: str, fmt: str, data: Mapping[str, Any]) -> Response:
    """The document of `kind` presenting `data`, as a download in `fmt` (docx or pdf). Reporting
    answers 503 in Vietnamese for a PDF when LibreOffice is not installed (the error page)."""
    if fmt not in FORMATS:
        abort(404)
    body, disposition = context.api().post_for_file(
        "reporting", f"/documents/{kind}.{fmt}", {"data": data}
    )
    response = Response(body, mimetype=FORMATS[fmt])
    response.headers["Content-Disposition"] = disposition or f'attachment; filename="{kind}.{fmt}"'
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
