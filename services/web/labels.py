"""Vietnamese labels and formats for the pages. The vocabularies are the services' own, read
from their APIs (`/api/intake/vocabulary`, `/api/workflow/vocabulary`) once per process, so a
label never drifts from what the API answers and the web imports no service's code."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from shared.auth import ROLE_LABELS
from shared.calendar import TZ

SIGN_IN_ROLES = {
    role: ROLE_LABELS[role]
    for role in ("office", "office_lead", "leader", "unit_officer", "unit_head")
}
# The name the pages use → (service, key of its vocabulary).
VOCABULARY = {
    "DOCUMENT_TYPE_LABELS": ("intake", "document_types"),
    "ASSIGNER_LABELS": ("intake", "assigners"),
    "URGENCY_LABELS": ("intake", "urgencies"),
    "CADENCE_LABELS": ("intake", "cadences"),
    "DOCUMENT_STATUS_LABELS": ("intake", "document_statuses"),
    "TASK_STATUS_LABELS": ("workflow", "task_statuses"),
    "TASK_ACTION_LABELS": ("workflow", "task_actions"),
    "RETURN_REASON_LABELS": ("workflow", "return_reasons"),
    "CASE_KIND_LABELS": ("workflow", "case_kinds"),
}


class Labels:
    """`labels.TASK_STATUS_LABELS` and the like, in templates and views. Each service's
    vocabulary is read on first use through `fetch(service)` (the signed-in person's API client)
    and kept: it changes only with a deployment of that service."""

    ROLE_LABELS = ROLE_LABELS
    SIGN_IN_ROLES = SIGN_IN_ROLES

    def __init__(self, fetch: Callable[[str], Mapping[str, Any]]) -> None:
        self._fetch = fetch
        self._lock = threading.Lock()
        self._loaded: dict[str, Mapping[str, Any]] = {}

    def __getattr__(self, name: str) -> dict[str, str]:
        if name not in VOCABULARY:
            raise AttributeError(name)
        service, key = VOCABULARY[name]
        with self._lock:
            if service not in self._loaded:
                self._loaded[service] = self._fetch(service)
            return dict(self._loaded[service][key])


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
