"""The Office's annual report on this regulation as an official document (Đ20.1): the layout of
Nghị định 30/2020 — issuing body, number, Quốc hiệu and Tiêu ngữ, place and date, title, body
sections, tables of figures, "Nơi nhận", signature block — from one function of the report's
data, read back with python-docx."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document

from services.web.annual_report_document import annual_report_docx

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
FIGURES = {
    "id": "f" * 32,
    "period": "2026",
    "totals": ROW,
    "units": [{"unit": "SO_TC", "name": "Sở Tài chính", **ROW}],
    "leaders": [{"key": "chu_tich", "name": "Chủ tịch UBND tỉnh", **ROW}],
    "office": {
        "intake": [{"month": "2026-10", "released": 10, "on_time": 9, "late": 1}],
        "confirmation_lag": {
            "totals": {"decided": 4, "confirmed": 3, "rework": 1, "median_days": 2.5}
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
                "units": ["SO_TC", "SO_XD"],
                "unit_names": ["Sở Tài chính", "Sở Xây dựng"],
                "kind_label": "Tổ công tác kiểm tra",
                "ended_on": "2026-06-10",
                "conclusions": [
                    {
                        "name": "Sở Tài chính",
                        "result_label": "Đã thực hiện đúng nhiệm vụ được giao",
                    },
                    {"name": "Sở Xây dựng", "result_label": "Chưa thực hiện nhiệm vụ được giao"},
                ],
            },
            {
                "units": ["SO_XD"],
                "unit_names": ["Sở Xây dựng"],
                "kind_label": "Đơn vị tự kiểm tra",
                "ended_on": "2026-11-27",
                "conclusions": [],
            },
        ],
    },
    "feedback": {
        "received": 4,
        "handled": 3,
        "handled_late": 1,
        "outstanding": 1,
        "outcomes": {"urged": 1, "directed": 1, "dismissed": 1},
    },
}
SECTIONS = {
    "assessment": "Các đơn vị thực hiện nghiêm Quy chế.",
    "training": "Ba lớp tập huấn cho 450 cán bộ.",
    "difficulties": "Một số xã chưa bố trí cán bộ.",
    "proposals": "Đề nghị biểu dương 5 đơn vị.",
}


def _docx(number: str | None = None) -> tuple[list[str], list[list[list[str]]], Any]:
    data = {
        "year": 2026,
        "on": date(2027, 1, 12),
        "number": number,
        "figures": FIGURES,
        "sections": SECTIONS,
    }
    document = Document(io.BytesIO(annual_report_docx(data)))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables, document


def test_the_annual_report_renders_in_the_layout_of_decree_30_2020_D20_1() -> None:
    paragraphs, tables, document = _docx()
    assert document.styles["Normal"].font.name == "Times New Roman"
    left, right = tables[0][0]
    assert left.splitlines() == ["VĂN PHÒNG UBND TỈNH THANH HÓA", "Số:      /BC-VP"]
    assert right.splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert right.splitlines()[-1] == "Thanh Hóa, ngày 12 tháng 01 năm 2027"
    assert "BÁO CÁO" in paragraphs
    title = next(p for p in paragraphs if p.startswith("Kết quả triển khai thực hiện Quy chế"))
    assert title.endswith("năm 2026")
    assert "Kính gửi: Ủy ban nhân dân tỉnh; Chủ tịch Ủy ban nhân dân tỉnh." in paragraphs
    to, signer = tables[-1][0]
    assert to.splitlines()[0] == "Nơi nhận:" and "- Sở Nội vụ;" in to.splitlines()
    assert signer.splitlines() == ["CHÁNH VĂN PHÒNG", "(Ký, ghi rõ họ tên, đóng dấu)"]
    _, numbered, _ = _docx("15/BC-VP")
    assert numbered[0][0][0].splitlines()[-1] == "Số: 15/BC-VP"


def test_the_annual_report_counts_the_year_s_inspections_and_their_conclusions_D20_1() -> None:
    paragraphs, tables, _ = _docx()
    assert "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)" in paragraphs
    assert any(
        p.startswith("Kế hoạch kiểm tra năm được phê duyệt: 3 cuộc. Đã kết thúc 2")
        for p in paragraphs
    )
    assert any(
        "1 đã thực hiện đúng nhiệm vụ được giao, 1 chưa thực hiện, 0 thực hiện không đúng" in p
        for p in paragraphs
    )
    held = next(t for t in tables if t[0][:2] == ["TT", "Đơn vị được kiểm tra"])
    assert held[1] == [
        "1",
        "Sở Tài chính, Sở Xây dựng",
        "Tổ công tác kiểm tra",
        "10/06/2026",
        "Sở Tài chính: Đã thực hiện đúng nhiệm vụ được giao; Sở Xây dựng: Chưa thực hiện "
        "nhiệm vụ được giao",
    ]
    assert held[2][-1] == "Chưa có báo cáo kết quả"


def test_the_annual_report_carries_the_year_s_figures_feedback_and_the_offices_sections_D20_1() -> (
    None
):
    paragraphs, tables, _ = _docx()
    by_unit = next(t for t in tables if t[0][0] == "Đơn vị")
    assert by_unit[1][:2] == ["Sở Tài chính", "1.234"]
    assert by_unit[-1][0] == "Tổng cộng" and by_unit[-1][-2:] == ["1.250", "99,3%"]
    assert next(t for t in tables if t[0][0] == "Người giao")[1][0] == "Chủ tịch UBND tỉnh"
    assert any("10 văn bản, 9 đúng hạn (90,0%)" in p for p in paragraphs)  # Đ6.1
    assert any("trung vị 2,5 ngày làm việc" in p for p in paragraphs)
    assert any(
        p.startswith("Văn phòng tiếp nhận 4 phản hồi của các đơn vị; đã xử lý 3")
        and "1 xử lý quá hạn; còn 1" in p
        for p in paragraphs
    )
    headings = [p for p in paragraphs if p[:3] in ("IV.", "V. ", "VI.", "VII")]
    assert [h.split(".")[0] for h in headings] == ["IV", "V", "VI", "VII"]
    for value in SECTIONS.values():
        assert value in paragraphs
