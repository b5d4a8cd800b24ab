"""The Office's annual report on implementing the regulation (Đ20.1) as an official document,
issued by the Office to the People's Committee and its Chairman: I the year's tasks in the
national categories by unit and by assigning leader, and the Office's own intake (Đ6.1) and
confirmation of results; II the inspections held and their conclusions (Đ10–Đ15, Đ15.3); III the
feedback handled (Đ16.6, Đ17); IV–VII the Office's sections (assessment, guidance and training,
difficulties, proposals).

Data, as the annual report's page assembles it: `case` (the annual_report case: `data.year` and
the sections `assessment`, `training`, `difficulties`, `proposals`), `report` (reporting's stored
report of the year, `POST /api/reporting/annual`: `totals`, `units`, `leaders`, `office`,
`inspections`, `feedback`), `on` (the day it was approved; today for a draft), `number` (its
number and symbol once the Office gave one).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from services.reporting.documents.kinds import (
    Context,
    DocumentKind,
    lines,
    number,
    reviewed_report,
    vn_date,
)

SUMMARY = (
    "Kết quả triển khai thực hiện Quy chế theo dõi, đôn đốc, kiểm tra việc thực hiện nhiệm vụ "
    "do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao năm {year}"
)
RECIPIENTS = (
    "- Như trên;",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Sở Nội vụ;",
    "- Các sở, ban, ngành, UBND các xã, phường;",
    "- Lưu: VT.",
)
# The Office's written sections (services/workflow/kinds/annual_reports.py), IV–VII.
SECTIONS = ("assessment", "training", "difficulties", "proposals")


def context(data: Mapping[str, Any], today: date) -> Context:
    sections = (data.get("case") or {}).get("data") or {}
    report = data.get("report") or {}
    year = sections.get("year") or report.get("year") or report.get("period") or today.year
    inspections = report.get("inspections") or {}
    return {
        **reviewed_report(data, today, summary=SUMMARY.format(year=year), recipients=RECIPIENTS),
        "year": str(year),
        "inspections_text": _inspections_text(inspections),
        "inspections": [
            {
                "index": index,
                "units": ", ".join(item.get("unit_names") or item.get("units") or []),
                "kind": " — ".join(
                    found for found in (item.get("kind_label"), item.get("form_label")) if found
                ),
                "ended": vn_date(item.get("ended_on")),
                "conclusion": "; ".join(
                    f"{c.get('name') or c.get('unit')}: {c.get('result_label') or c.get('result')}"
                    for c in item.get("conclusions") or []
                )
                or "Chưa có báo cáo kết quả",
            }
            for index, item in enumerate(inspections.get("items") or [], start=1)
        ],
        "feedback": _feedback(report.get("feedback") or {}),
        **{key: lines(sections.get(key)) for key in SECTIONS},
    }


def _inspections_text(inspections: Mapping[str, Any]) -> list[str]:
    held = inspections.get("totals") or {}
    results = inspections.get("results") or {}
    return [
        f"Kế hoạch kiểm tra năm được phê duyệt: {number(held.get('planned'))} cuộc. Đã kết thúc "
        f"{number(held.get('held'))} cuộc kiểm tra ({number(held.get('working_group'))} của Tổ "
        f"công tác, {number(held.get('unit_own'))} do đơn vị tự kiểm tra; "
        f"{number(held.get('regular'))} thường xuyên, {number(held.get('ad_hoc'))} đột xuất) tại "
        f"{number(held.get('units_inspected'))} đơn vị; {number(held.get('reported'))} cuộc đã "
        f"có báo cáo kết quả, {number(held.get('presented'))} cuộc đã báo cáo tại phiên họp UBND "
        f"tỉnh; {number(held.get('running'))} cuộc đang thực hiện.",
        f"Kết luận đối với đơn vị được kiểm tra (Điều 15 khoản 3): {number(results.get('done'))} "
        f"đã thực hiện đúng nhiệm vụ được giao, {number(results.get('not_done'))} chưa thực "
        f"hiện, {number(results.get('done_wrongly'))} thực hiện không đúng, không đầy đủ.",
    ]


def _feedback(feedback: Mapping[str, Any]) -> list[str]:
    outcomes = feedback.get("outcomes") or {}
    return [
        f"Văn phòng tiếp nhận {number(feedback.get('received'))} phản hồi của các đơn vị; đã xử "
        f"lý {number(feedback.get('handled'))} ({number(outcomes.get('urged'))} đôn đốc đơn vị, "
        f"{number(outcomes.get('directed'))} có ý kiến chỉ đạo, "
        f"{number(outcomes.get('dismissed'))} không có cơ sở), trong đó "
        f"{number(feedback.get('handled_late'))} xử lý quá hạn; còn "
        f"{number(feedback.get('outstanding'))} phản hồi đang xử lý."
    ]


def filename(data: Mapping[str, Any]) -> str:
    year = ((data.get("case") or {}).get("data") or {}).get("year")
    return f"bao-cao-thuc-hien-quy-che-{year or 'nam'}"


def _row(on_time: int, late: int, running: int, overdue: int, done: int, open_: int) -> Any:
    total = on_time + late + running + overdue + done + open_
    return {
        "completed_on_time": on_time,
        "completed_late": late,
        "in_progress_on_time": running,
        "in_progress_overdue": overdue,
        "undated_completed": done,
        "undated_in_progress": open_,
        "total": total,
        "on_time_rate": round(on_time / (on_time + late + overdue), 4),
    }


SAMPLE: dict[str, Any] = {
    "on": "2027-01-15",
    "number": None,
    "case": {
        "id": "a" * 32,
        "status": "approved",
        "data": {
            "year": 2026,
            "report_id": "f" * 32,
            "assessment": "Quy chế được triển khai nghiêm túc trên toàn tỉnh.\n"
            "Tỷ lệ hoàn thành đúng hạn tăng so với năm trước.",
            "training": "Tổ chức 3 lớp tập huấn sử dụng Hệ thống cho 450 cán bộ.",
            "difficulties": "Một số xã chưa bố trí cán bộ theo dõi, đôn đốc.",
            "proposals": "Đề nghị UBND tỉnh biểu dương các đơn vị hoàn thành 100% nhiệm vụ "
            "đúng hạn.",
        },
    },
    "report": {
        "id": "f" * 32,
        "period": "2026",
        "year": 2026,
        "totals": _row(4810, 120, 210, 35, 64, 22),
        "units": [
            {"unit": "SO_TC", "name": "Sở Tài chính", **_row(2810, 70, 120, 20, 40, 12)},
            {"unit": "SO_XD", "name": "Sở Xây dựng", **_row(1200, 30, 60, 10, 14, 6)},
            {"unit": "XA_A", "name": "Xã A", **_row(800, 20, 30, 5, 10, 4)},
        ],
        "leaders": [
            {"key": "ubnd", "name": "UBND tỉnh", **_row(1810, 40, 70, 10, 20, 7)},
            {"key": "chu_tich", "name": "Chủ tịch UBND tỉnh", **_row(1500, 40, 70, 10, 24, 8)},
            {
                "key": "pho_chu_tich:Trần Thị B",
                "name": "Phó Chủ tịch UBND tỉnh Trần Thị B",
                **_row(1500, 40, 70, 15, 20, 7),
            },
        ],
        "office": {
            "intake": [
                {"month": "2026-01", "released": 700, "on_time": 690, "late": 10},
                {"month": "2026-02", "released": 720, "on_time": 701, "late": 19},
            ],
            "confirmation_lag": {
                "wait_days": 5,
                "totals": {"decided": 4870, "confirmed": 4702, "rework": 168, "median_days": 1.5},
                "waiting": [],
            },
        },
        "inspections": {
            "totals": {
                "held": 2,
                "working_group": 1,
                "unit_own": 1,
                "regular": 1,
                "ad_hoc": 1,
                "reported": 1,
                "presented": 1,
                "running": 0,
                "units_inspected": 2,
                "planned": 3,
            },
            "results": {"done": 1, "not_done": 1, "done_wrongly": 0},
            "items": [
                {
                    "units": ["SO_TC", "XA_A"],
                    "unit_names": ["Sở Tài chính", "Xã A"],
                    "kind_label": "Tổ công tác kiểm tra",
                    "form_label": "Thường xuyên, định kỳ theo kế hoạch",
                    "ended_on": "2026-06-10",
                    "conclusions": [
                        {
                            "unit": "SO_TC",
                            "name": "Sở Tài chính",
                            "result": "done",
                            "result_label": "Đã thực hiện đúng nhiệm vụ được giao",
                        },
                        {
                            "unit": "XA_A",
                            "name": "Xã A",
                            "result": "not_done",
                            "result_label": "Chưa thực hiện nhiệm vụ được giao",
                        },
                    ],
                },
                {
                    "units": ["SO_XD"],
                    "unit_names": ["Sở Xây dựng"],
                    "kind_label": "Đơn vị tự kiểm tra",
                    "form_label": "Đột xuất",
                    "ended_on": "2026-11-27",
                    "conclusions": [],
                },
            ],
        },
        "feedback": {
            "received": 57,
            "handled": 55,
            "handled_late": 1,
            "outstanding": 2,
            "outcomes": {"urged": 40, "directed": 10, "dismissed": 5},
        },
    },
}

KIND = DocumentKind(
    name="annual_report",
    label="Báo cáo kết quả thực hiện Quy chế hằng năm",
    articles="Đ20.1",
    context=context,
    sample=SAMPLE,
    filename=filename,
)
