"""The Office's annual report on implementing the regulation (Đ20.1) as an official document, to
the People's Committee and its Chairman: the year's figures in the national categories, the
Office's own intake (Đ6.1) and confirmation compliance, the inspections and their conclusions
(Đ15.3), the feedback handled, the assessment and the proposals.

The annual_report case kind is not wired yet: its page sends the case's data as this dict, every
key optional —

    year: 2026; on: "2027-01-15" (the day it was approved); number: "12/BC-VP" (once numbered)
    figures: {completed_on_time, completed_late, in_progress_on_time, in_progress_overdue,
              undated_completed, undated_in_progress, total, on_time_rate}
    intake: {released, on_time}                       # documents entered in time (Đ6.1)
    confirmation: {decided, confirmed, rework, median_days, waiting}
    inspections: [{title, units: [names], conclusion}]  # with their conclusions (Đ15.3)
    feedback: {received, handled, text}
    assessment: "…"; proposals: "…"               # the Office's sections, narrative
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    OFFICE,
    TO_THE_COMMITTEE,
    Context,
    DocumentKind,
    day,
    decimal,
    figures,
    head,
    lines,
    number,
    percent,
)

SUMMARY = (
    "Kết quả triển khai thực hiện Quy chế theo dõi, đôn đốc, kiểm tra việc thực hiện nhiệm vụ "
    "do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao năm {year}"
)
RECIPIENTS = (
    "- Như trên;",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Các sở, ban, ngành, UBND các xã, phường;",
    "- Lưu: VT.",
)


def context(data: Mapping[str, Any], today: date) -> Context:
    intake = data.get("intake") or {}
    released, on_time = int(intake.get("released") or 0), int(intake.get("on_time") or 0)
    confirmation = data.get("confirmation") or {}
    inspections = data.get("inspections") or []
    feedback = data.get("feedback") or {}
    return {
        **head(
            issuer=OFFICE,
            symbol="BC-VP",
            number=data.get("number"),
            on=day(data, "on", today),
            governing_body=None,
            summary=SUMMARY.format(year=data.get("year") or today.year),
            addressees=TO_THE_COMMITTEE,
            recipients=RECIPIENTS,
            signer_titles=("CHÁNH VĂN PHÒNG",),
        ),
        "figures": figures(data.get("figures") or {}),
        "compliance": [
            f"Chuyển văn bản giao nhiệm vụ vào Hệ thống (Điều 6 khoản 1): {number(released)} văn "
            f"bản, {number(on_time)} đúng hạn "
            f"({percent(on_time / released if released else None)}).",
            f"Xác nhận kết quả thực hiện của đơn vị: {number(confirmation.get('decided'))} kết "
            f"quả đã xử lý ({number(confirmation.get('confirmed'))} xác nhận, "
            f"{number(confirmation.get('rework'))} trả lại); thời gian chờ trung vị "
            f"{decimal(confirmation.get('median_days'))} ngày làm việc; "
            f"{number(confirmation.get('waiting'))} kết quả đang chờ xác nhận.",
        ],
        "inspections_text": [
            f"Trong năm, đã thực hiện {number(len(inspections))} cuộc kiểm tra (Điều 10 – Điều 15)."
        ],
        "inspections": [
            {
                "index": index,
                "title": item.get("title") or "",
                "units": "; ".join(item.get("units") or []),
                "conclusion": item.get("conclusion") or "",
            }
            for index, item in enumerate(inspections, start=1)
        ],
        "feedback": [
            f"Tiếp nhận {number(feedback.get('received'))} phản ánh, kiến nghị; đã xử lý "
            f"{number(feedback.get('handled'))}.",
            *lines(feedback.get("text")),
        ],
        "assessment": lines(data.get("assessment")),
        "proposals": lines(data.get("proposals")),
    }


def filename(data: Mapping[str, Any]) -> str:
    return f"bao-cao-thuc-hien-quy-che-{data.get('year') or 'nam'}"


SAMPLE: dict[str, Any] = {
    "year": 2026,
    "on": "2027-01-15",
    "number": None,
    "figures": {
        "completed_on_time": 4810,
        "completed_late": 120,
        "in_progress_on_time": 210,
        "in_progress_overdue": 35,
        "undated_completed": 64,
        "undated_in_progress": 22,
        "total": 5261,
        "on_time_rate": 0.9757,
    },
    "intake": {"released": 1420, "on_time": 1391},
    "confirmation": {"decided": 4870, "confirmed": 4702, "rework": 168, "median_days": 1.5},
    "inspections": [
        {
            "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV năm 2026",
            "units": ["Sở Tài chính", "Xã A"],
            "conclusion": "Sở Tài chính hoàn thành; Xã A còn 3 nhiệm vụ chưa thực hiện.",
        }
    ],
    "feedback": {"received": 57, "handled": 55, "text": "Phần lớn phản ánh về tiến độ."},
    "assessment": "Quy chế được triển khai nghiêm túc trên toàn tỉnh.",
    "proposals": "Đề nghị UBND tỉnh khen thưởng các đơn vị hoàn thành 100% nhiệm vụ đúng hạn.",
}

KIND = DocumentKind(
    name="annual_report",
    label="Báo cáo kết quả thực hiện Quy chế hằng năm",
    articles="Đ20.1",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
