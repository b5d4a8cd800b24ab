"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2) as an official document, issued by the
Office to the People's Committee and its Chairman: the period's figures by unit and by assigning
leader, the overdue and undated tasks, which units reported (Đ18.1) and what they explained
(Đ17.4), the Office's own intake and confirmation figures (Đ6.1), its assessment sections.

Data, as the report's page assembles it: `case` (the office_report case), `report` (reporting's
stored report of the period), `standing` (`/unit-reports?period=`), `explained` (the units'
explanations, each with `unit_name`), `overdue` and `undated` (the period's Đ17.4 tasks in
progress past their due date, and without one), `on` (the day it was approved; today for a
draft), `number` (its number and symbol once the clerk gave one).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    Context,
    DocumentKind,
    lines,
    number,
    reviewed_report,
    task_line,
    vn_date,
)

SUMMARY = (
    "Đánh giá tình hình thực hiện nhiệm vụ do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân "
    "tỉnh giao {period}"
)
RECIPIENTS = (
    "- Như trên;",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Các sở, ban, ngành, UBND các xã, phường;",
    "- Cổng Thông tin điện tử tỉnh;",
    "- Lưu: VT.",
)
STANDING_LABELS = {
    "on_time": "Đúng hạn",
    "late": "Chậm hạn",
    "not_reported": "Không gửi",
    "pending": "Chưa đến hạn",
}


def context(data: Mapping[str, Any], today: date) -> Context:
    case = data.get("case") or {}
    sections = case.get("data") or {}
    report = data.get("report") or {}
    totals = report.get("totals") or {}
    period = str(sections.get("period_label") or report.get("period") or "")
    return {
        **reviewed_report(
            data, today, summary=SUMMARY.format(period=period), recipients=RECIPIENTS
        ),
        "overdue": _tasks(data.get("overdue") or []),
        "undated": _tasks(data.get("undated") or []),
        "undated_completed": number(totals.get("undated_completed")),
        "undated_in_progress": number(totals.get("undated_in_progress")),
        "standing": _standing(data.get("standing")),
        "not_on_time": [
            {
                "name": row.get("name") or row.get("unit") or "",
                "standing": STANDING_LABELS.get(row.get("standing") or "", ""),
            }
            for row in (data.get("standing") or {}).get("units") or []
            if row.get("standing") != "on_time"
        ],
        "explained": [
            {
                "index": index,
                "unit": item.get("unit_name") or item.get("unit") or "",
                "task": task_line(item),
                "reasons": "; ".join(item.get("reasons") or []),
                "text": item.get("text") or "",
            }
            for index, item in enumerate(data.get("explained") or [], start=1)
        ],
        **{
            key: lines(sections.get(key))
            for key in ("progress", "quality", "effectiveness", "difficulties", "proposals")
        },
    }


def _tasks(tasks: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
    return [
        {
            "index": index,
            "task": task_line(task),
            "lead_unit": task.get("lead_unit_name") or task.get("lead_unit") or "",
            "due": vn_date(task.get("due_on")) or "Không thời hạn",
        }
        for index, task in enumerate(tasks, start=1)
    ]


def _standing(standing: Mapping[str, Any] | None) -> list[str]:
    if not standing:
        return ["Chưa có số liệu về báo cáo của các đơn vị."]
    totals = standing.get("totals") or {}
    return [
        f"{number(totals.get('units'))} đơn vị phải báo cáo: {number(totals.get('on_time'))} "
        f"gửi đúng hạn, {number(totals.get('late'))} gửi chậm hạn, "
        f"{number(totals.get('not_reported'))} không gửi báo cáo (hạn gửi trước ngày 20, "
        f"Điều 18 khoản 1)."
    ]


def filename(data: Mapping[str, Any]) -> str:
    period = ((data.get("case") or {}).get("data") or {}).get("period", "ky")
    return f"bao-cao-danh-gia-{period}"


_ROW = {
    "completed_on_time": 1234,
    "completed_late": 5,
    "in_progress_on_time": 7,
    "in_progress_overdue": 2,
    "undated_completed": 1,
    "undated_in_progress": 1,
    "total": 1250,
    "on_time_rate": 0.9929,
}
_TASK = {
    "task_id": "a" * 32,
    "content": "Rà soát vốn đầu tư công",
    "document_number": "12/UBND-KTTC",
    "lead_unit": "SO_TC",
    "lead_unit_name": "Sở Tài chính",
    "due_on": "2026-11-20",
    "category": "in_progress_overdue",
    "reasons": ["Đang thực hiện quá hạn"],
}
SAMPLE: dict[str, Any] = {
    "on": "2026-12-23",
    "number": None,
    "case": {
        "id": "c" * 32,
        "status": "approved",
        "data": {
            "period": "2026-Q4",
            "period_label": "quý IV năm 2026",
            "progress": "Tiến độ: 98,8% nhiệm vụ hoàn thành đúng hạn.",
            "quality": "Chất lượng đạt yêu cầu.",
            "effectiveness": "Hiệu quả rõ rệt so với yêu cầu chỉ đạo.",
            "difficulties": "Một số đơn vị cập nhật chậm.",
            "proposals": "Đề nghị Chủ tịch UBND tỉnh phê bình Sở Tài chính.",
        },
    },
    "report": {
        "id": "f" * 32,
        "period": "2026-Q4",
        "totals": _ROW,
        "units": [{"unit": "SO_TC", "name": "Sở Tài chính", **_ROW}],
        "leaders": [
            {"key": "chu_tich", "name": "Chủ tịch UBND tỉnh", **_ROW},
            {
                "key": "pho_chu_tich:Trần Thị B",
                "name": "Phó Chủ tịch UBND tỉnh Trần Thị B",
                **_ROW,
            },
        ],
        "office": {
            "intake": [{"month": "2026-10", "released": 10, "on_time": 9, "late": 1}],
            "confirmation_lag": {
                "wait_days": 5,
                "totals": {"decided": 4, "confirmed": 3, "rework": 1, "median_days": 2.5},
                "waiting": [],
            },
        },
    },
    "overdue": [_TASK],
    "undated": [
        {
            **_TASK,
            "task_id": "b" * 32,
            "content": "Đề án chuyển đổi số",
            "due_on": None,
            "category": "undated_in_progress",
        }
    ],
    "standing": {
        "totals": {"units": 3, "on_time": 1, "late": 1, "not_reported": 1, "pending": 0},
        "units": [
            {"unit": "SO_TC", "name": "Sở Tài chính", "standing": "on_time"},
            {"unit": "SO_XD", "name": "Sở Xây dựng", "standing": "late"},
            {"unit": "XA_A", "name": "Xã A", "standing": "not_reported"},
        ],
    },
    "explained": [
        {**_TASK, "unit": "SO_TC", "unit_name": "Sở Tài chính", "text": "Chờ ý kiến Bộ Tài chính"}
    ],
}

KIND = DocumentKind(
    name="office_report",
    label="Báo cáo đánh giá của Văn phòng",
    articles="Đ8.1a, Đ16.2, Đ18.2",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
