"""The kinds of official documents reporting renders, by name (services/reporting/documents/
kinds.py says what a kind is; adding one is its module and its template)."""

from __future__ import annotations

from pathlib import Path

from services.reporting.documents import (
    annual_report,
    inspection_report,
    monthly_account,
    office_report,
    unit_report,
)
from services.reporting.documents.kinds import DocumentKind
from shared.errors import NotFound

TEMPLATES = Path(__file__).parent / "templates"
KINDS: dict[str, DocumentKind] = {
    kind.name: kind
    for kind in (
        unit_report.KIND,
        office_report.KIND,
        inspection_report.KIND,
        monthly_account.KIND,
        annual_report.KIND,
    )
}


def kind_of(name: str) -> DocumentKind:
    found = KINDS.get(name)
    if found is None:
        raise NotFound("Không có loại văn bản này.", kind=name)
    return found


def shipped(name: str) -> bytes:
    """The template shipped with the system for kind `name`."""
    return (TEMPLATES / f"{kind_of(name).name}.docx").read_bytes()
