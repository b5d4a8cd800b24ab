"""Vietnamese labels and formats for the pages. The vocabularies are the services' own (their
domain modules), so a label never drifts from what the API answers."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from services.intake.domain import ASSIGNERS, CADENCES, DOCUMENT_STATUSES, DOCUMENT_TYPES, URGENCIES
from services.workflow.domain import ACTION_LABELS, RETURN_REASONS, STATUS_LABELS
from shared.auth import ROLE_LABELS
from shared.calendar import TZ

DOCUMENT_TYPE_LABELS = {slug: label for slug, (label, _abbr) in DOCUMENT_TYPES.items()}
ASSIGNER_LABELS = ASSIGNERS
URGENCY_LABELS = URGENCIES
CADENCE_LABELS = CADENCES
DOCUMENT_STATUS_LABELS = DOCUMENT_STATUSES
TASK_STATUS_LABELS = STATUS_LABELS
TASK_ACTION_LABELS = ACTION_LABELS
RETURN_REASON_LABELS = RETURN_REASONS
SIGN_IN_ROLES = {
    role: ROLE_LABELS[role]
    for role in ("office", "office_lead", "leader", "unit_officer", "unit_head")
}
CASE_KIND_LABELS = {
    "feedback": "Phản hồi về đơn vị khác",
    "direction_request": "Khó khăn, xin ý kiến chỉ đạo",
    "info_request": "Đề nghị cung cấp thông tin",
    "correction_request": "Đề nghị điều chỉnh thông tin báo cáo",
}


def vn_date(value: Any) -> str:
    """2026-12-06 → 06/12/2026 (how dates are written in Vietnamese administrative documents)."""
    if not value:
        return ""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError:
            return str(value)
    if isinstance(value, datetime):
        return value.astimezone(TZ).strftime("%d/%m/%Y %H:%M")
    return str(value.strftime("%d/%m/%Y")) if isinstance(value, date) else str(value)


def iso_day(value: Any) -> str:
    if isinstance(value, str) and "T" in value:
        return datetime.fromisoformat(value).astimezone(TZ).date().isoformat()
    return str(value or "")


FILTERS = {"vn_date": vn_date, "iso_day": iso_day}
