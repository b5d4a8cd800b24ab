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
    for role in ("office", "office_lead", "leader", "unit_officer", "unit_head", "process_owner")
}
# The name the pages use → (service, key of its vocabulary).
VOCABULARY = {
    "DOCUMENT_TYPE_LABELS": ("intake", "document_types"),
    "ASSIGNER_LABELS": ("intake", "assigners"),
    "URGENCY_LABELS": ("intake", "urgencies"),
    "CADENCE_LABELS": ("intake", "cadences"),
    "SECTOR_LABELS": ("intake", "sectors"),  # Đ8.2a
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


def vn_percent(rate: Any) -> str:
    """0.8571 → 85,7% (a decimal comma); no rate (nothing due yet) → "—"."""
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}".replace(".", ",") + "%"


QUARTERS = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def vn_period(period: Any) -> str:
    """A report's period as people say it: 2026-Q4 → quý IV năm 2026; 2026-H1 → 6 tháng đầu năm
    2026; 2026-11 → tháng 11 năm 2026; 2026 → năm 2026; a..b → từ 01/10/2026 đến 31/12/2026."""
    text = str(period or "")
    if ".." in text:
        start, end = text.split("..", 1)
        return f"từ {vn_date(start)} đến {vn_date(end)}"
    year, _, part = text.partition("-")
    if not part:
        return f"năm {year}"
    if part[0] == "Q" and part[1:] in QUARTERS:
        return f"quý {QUARTERS[part[1:]]} năm {year}"
    if part == "H1":
        return f"6 tháng đầu năm {year}"
    if part == "H2":
        return f"6 tháng cuối năm {year}"
    return f"tháng {part} năm {year}"


def vn_number(value: Any) -> str:
    """12345 → 12.345 (a dot between thousands)."""
    return f"{int(value or 0):,}".replace(",", ".")


def filesize(value: Any) -> str:
    """A file's size as people read it: 1536 → 1,5 KB; 2097152 → 2 MB."""
    size = int(value or 0)
    for unit, scale in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= scale:
            return f"{size / scale:.1f}".replace(".0", "").replace(".", ",") + f" {unit}"
    return f"{size} byte"


FILTERS = {
    "filesize": filesize,
    "vn_date": vn_date,
    "iso_day": iso_day,
    "vn_percent": vn_percent,
    "vn_period": vn_period,
    "vn_number": vn_number,
}
