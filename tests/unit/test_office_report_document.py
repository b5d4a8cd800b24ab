"""The Office's evaluation report as an official document (Đ8.1a, Đ16.2, Đ18.2): the layout of
Nghị định 30/2020 — issuing body, number, Quốc hiệu and Tiêu ngữ, place and date, title, body
sections, tables of figures, "Nơi nhận", signature block — read back with python-docx."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document

from services.web.office_report_document import (
    Assembled,
    office_report_docx,
    unit_explanations,
)

ROW = {
    "completed_on_time": 1234,
    "completed_late": 5,
    "in_progress_on_time": 7,
    "in_progress_overdue": 2,
    "undated_completed": 1,
    "undated_in_progress": 1,
    "total": 1250,
    "on_time_rate": 0.9929,
}
TASK = {
    "task_id": "a" * 32,
    "content": "Rà soát vốn đầu tư công",
    "document_number": "12/UBND-KTTC",
    "lead_unit": "SO_TC",
    "lead_unit_name": "Sở Tài chính",
    "due_on": "2026-11-20",
    "category": "in_progress_overdue",
    "reasons": ["Đang thực hiện quá hạn"],
}
REPORT = {
    "id": "f" * 32,
    "period": "2026-Q4",
    "totals": ROW,
    "units": [{"unit": "SO_TC", "name": "Sở Tài chính", **ROW}],
    "leaders": [
        {"key": "chu_tich", "name": "Chủ tịch UBND tỉnh", **ROW},
        {"key": "pho_chu_tich:Trần Thị B", "name": "Phó Chủ tịch UBND tỉnh Trần Thị B", **ROW},
    ],
    "explanations": [
        TASK,
        {
            **TASK,
            "task_id": "b" * 32,
            "content": "Đề án chuyển đổi số",
            "due_on": None,
            "category": "undated_in_progress",
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
}
CASE = {
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
}
STANDING = {
    "totals": {"units": 3, "on_time": 1, "late": 1, "not_reported": 1, "pending": 0},
    "units": [
        {"unit": "SO_TC", "name": "Sở Tài chính", "standing": "on_time"},
        {"unit": "SO_XD", "name": "Sở Xây dựng", "standing": "late"},
        {"unit": "XA_A", "name": "Xã A", "standing": "not_reported"},
    ],
}
UNIT_CASES = [
    {
        "status": "accepted",
        "parties": {"reporter": ["SO_TC"]},
        "data": {"explanations": [{**TASK, "text": "Chờ ý kiến Bộ Tài chính"}]},
    },
    {
        "status": "draft",  # not sent: not the unit's word yet
        "parties": {"reporter": ["SO_XD"]},
        "data": {"explanations": [{**TASK, "text": "bản nháp"}]},
    },
]


def _read(body: bytes) -> tuple[list[str], list[list[list[str]]], Any]:
    document = Document(io.BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables, document


def _docx(number_symbol: str | None = None) -> tuple[list[str], list[list[list[str]]], Any]:
    explained = unit_explanations(UNIT_CASES, {"SO_TC": "Sở Tài chính", "SO_XD": "Sở Xây dựng"})
    assembled = Assembled(case=CASE, report=REPORT, standing=STANDING, explained=explained)
    return _read(office_report_docx(assembled, date(2026, 12, 23), number_symbol=number_symbol))


def test_the_offices_report_renders_in_the_layout_of_decree_30_2020_D16_2() -> None:
    paragraphs, tables, document = _docx()
    left, right = tables[0][0]
    assert left.splitlines() == ["VĂN PHÒNG UBND TỈNH THANH HÓA", "Số:      /BC-VP"]
    assert right.splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert right.splitlines()[-1] == "Thanh Hóa, ngày 23 tháng 12 năm 2026"
    assert "BÁO CÁO" in paragraphs
    title = next(p for p in paragraphs if p.startswith("Đánh giá tình hình"))
    assert title.endswith("giao quý IV năm 2026")
    assert "Kính gửi: Ủy ban nhân dân tỉnh; Chủ tịch Ủy ban nhân dân tỉnh." in paragraphs
    to, signer = tables[-1][0]
    assert to.splitlines()[0] == "Nơi nhận:" and to.splitlines()[-1] == "- Lưu: VT."
    assert signer.splitlines() == ["CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên, đóng dấu)"]
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_its_sections_carry_the_offices_assessment_against_the_direction_D8_1a() -> None:
    paragraphs, _, _ = _docx()
    parts = [p.split(".")[0] for p in paragraphs if p[:2] in ("I.", "II", "IV", "V.", "VI")]
    assert parts == ["I", "II", "III", "IV", "V", "VI"]
    for key in ("progress", "quality", "effectiveness", "difficulties", "proposals"):
        assert CASE["data"][key] in paragraphs
    assert any(p.startswith("3. Về hiệu quả so với yêu cầu chỉ đạo") for p in paragraphs)


def test_its_figures_by_unit_and_by_assigning_leader_and_the_overdue_list_D18_2() -> None:
    paragraphs, tables, _ = _docx()
    by_unit = next(t for t in tables if t[0][0] == "Đơn vị")
    assert by_unit[1][0] == "Sở Tài chính" and by_unit[1][1] == "1.234"
    assert by_unit[-1][0] == "Tổng cộng" and by_unit[-1][-2:] == ["1.250", "99,3%"]
    by_leader = next(t for t in tables if t[0][0] == "Người giao")
    assert [row[0] for row in by_leader[1:]] == [
        "Chủ tịch UBND tỉnh",
        "Phó Chủ tịch UBND tỉnh Trần Thị B",
        "Tổng cộng",
    ]
    tasks = [t for t in tables if t[0][:2] == ["TT", "Nhiệm vụ"]]
    assert tasks[0][1] == [
        "1",
        "12/UBND-KTTC: Rà soát vốn đầu tư công",
        "Sở Tài chính",
        "20/11/2026",
    ]
    assert tasks[1][1][3] == "Không thời hạn"  # the undated tasks still in progress
    assert "Đã hoàn thành 1 nhiệm vụ; đang thực hiện 1 nhiệm vụ." in paragraphs


def test_it_says_which_units_reported_and_what_they_explained_D18_1_D17_4() -> None:
    paragraphs, tables, _ = _docx()
    assert any("1 gửi đúng hạn, 1 gửi chậm hạn, 1 không gửi báo cáo" in p for p in paragraphs)
    late = next(t for t in tables if t[0][0] == "Đơn vị chưa gửi đúng hạn")
    assert late[1:] == [["Sở Xây dựng", "Chậm hạn"], ["Xã A", "Không gửi"]]
    explained = next(
        t for t in tables if t[0] == ["TT", "Đơn vị", "Nhiệm vụ", "Lý do", "Giải trình"]
    )
    assert explained[1:] == [
        [
            "1",
            "Sở Tài chính",
            "12/UBND-KTTC: Rà soát vốn đầu tư công",
            "Đang thực hiện quá hạn",
            "Chờ ý kiến Bộ Tài chính",
        ]
    ]  # a draft's explanation is not the unit's word yet
    assert any("10 văn bản, 9 đúng hạn (90,0%)" in p for p in paragraphs)  # Đ6.1
    assert any("trung vị 2,5 ngày làm việc" in p for p in paragraphs)


def test_a_numbered_report_shows_its_number_and_symbol_D16_2() -> None:
    _, tables, _ = _docx("125/BC-VP")
    assert tables[0][0][0].splitlines()[-1] == "Số: 125/BC-VP"
