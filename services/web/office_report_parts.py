"""What the Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2) presents, as its page assembles it
(`Assembled`): the stored report of the period's figures (reporting: by unit, by assigning
leader, the Đ17.4 list, the Office's intake and confirmation figures), which units reported
(reporting's `/unit-reports`), the units' own explanations of their Đ17.4 tasks (their reports,
workflow's `/unit-reports`) and the Office's assessment sections (the office_report case's data).
The page shows it; reporting renders it as the official document (services/web/
official_documents.py)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

# The Office's sections (services/workflow/kinds/office_reports.py) and their headings.
ASSESSMENT = (
    ("progress", "1. Về tiến độ"),
    ("quality", "2. Về chất lượng"),
    ("effectiveness", "3. Về hiệu quả so với yêu cầu chỉ đạo của UBND tỉnh, Chủ tịch UBND tỉnh"),
)


@dataclass(frozen=True)
class Assembled:
    """Everything the Office's report presents for its period."""

    case: Mapping[str, Any]  # the office_report case
    report: Mapping[str, Any]  # reporting's stored report of the period
    standing: Mapping[str, Any] | None = None  # reporting's /unit-reports?period=
    explained: Sequence[Mapping[str, Any]] = field(default_factory=list)  # units' explanations


def overdue(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The period's tasks still in progress past their due date (from the Đ17.4 list)."""
    tasks = report.get("explanations") or []
    return [t for t in tasks if t.get("category") == "in_progress_overdue"]


def undated(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The period's tasks without a due date still in progress (Đ17.4)."""
    tasks = report.get("explanations") or []
    return [t for t in tasks if t.get("category") == "undated_in_progress"]


def unit_explanations(cases: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[Any]:
    """The units' explanations of their Đ17.4 tasks, from their submitted periodic reports
    (drafts are the unit's own until sent), by unit name then as the unit listed them."""
    found = []
    for case in cases:
        if case.get("status") == "draft":
            continue
        unit = ((case.get("parties") or {}).get("reporter") or [""])[0]
        for item in (case.get("data") or {}).get("explanations") or []:
            found.append({**item, "unit": unit, "unit_name": names.get(unit, unit)})
    return sorted(found, key=lambda item: item["unit_name"])
