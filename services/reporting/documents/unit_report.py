"""A unit's periodic report (Đ18.1, Đ17.4) as an official document: its figures in the national
categories, its narrative sections and one explanation per Đ17.4 task, issued by the unit to the
Office.

Data: `case` (the unit_report case as workflow's `/unit-reports/<id>` answers it), `unit_name`,
`on` (the day it was sent; today for a draft).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    Context,
    DocumentKind,
    day,
    figures,
    head,
    lines,
    task_line,
)

SUMMARY = (
    "Tình hình, kết quả thực hiện nhiệm vụ do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân "
    "tỉnh giao {period}"
)


def context(data: Mapping[str, Any], today: date) -> Context:
    case = data.get("case") or {}
    sections = case.get("data") or {}
    unit = ((case.get("parties") or {}).get("reporter") or [""])[0]
    explanations = [
        {
            "index": index,
            "task": task_line(item),
            "reasons": "; ".join(item.get("reasons") or []),
            "text": item.get("text") or "",
        }
        for index, item in enumerate(sections.get("explanations") or [], start=1)
    ]
    return {
        **head(
            issuer=str(data.get("unit_name") or unit),
            symbol="BC-",
            on=day(data, "on", today),
            summary=SUMMARY.format(period=str(sections.get("period_label") or "")),
            recipients=("- Văn phòng UBND tỉnh;", "- Lưu: VT."),
            signer_titles=("THỦ TRƯỞNG CƠ QUAN",),
        ),
        "figures": figures(sections.get("figures") or {}),
        "results": lines(sections.get("results")),
        "difficulties": lines(sections.get("difficulties")),
        "explanations": explanations,
        "proposals": lines(sections.get("proposals")),
    }


def filename(data: Mapping[str, Any]) -> str:
    case = data.get("case") or {}
    unit = ((case.get("parties") or {}).get("reporter") or ["don-vi"])[0]
    return f"bao-cao-{(case.get('data') or {}).get('period', 'dinh-ky')}-{unit}"


SAMPLE: dict[str, Any] = {
    "unit_name": "Sở Tài chính",
    "on": "2026-12-18",
    "case": {
        "id": "c" * 32,
        "parties": {"reporter": ["SO_TC"]},
        "data": {
            "period": "2026-Q4",
            "period_label": "quý IV năm 2026",
            "results": "Hoàn thành 1.234 nhiệm vụ\nĐang triển khai các nhiệm vụ còn lại",
            "difficulties": "Thiếu nhân lực",
            "proposals": "Bổ sung biên chế",
            "figures": {
                "completed_on_time": 1234,
                "completed_late": 5,
                "in_progress_on_time": 7,
                "in_progress_overdue": 2,
                "undated_completed": 0,
                "undated_in_progress": 1,
                "total": 1249,
                "on_time_rate": 0.9929,
            },
            "explanations": [
                {
                    "task_id": "a" * 32,
                    "content": "Rà soát vốn đầu tư công",
                    "document_number": "12/UBND-KTTC",
                    "reasons": ["Đang thực hiện quá hạn"],
                    "text": "Chờ ý kiến Bộ Tài chính",
                }
            ],
        },
    },
}

KIND = DocumentKind(
    name="unit_report",
    label="Báo cáo định kỳ của đơn vị",
    articles="Đ18.1, Đ17.4",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
