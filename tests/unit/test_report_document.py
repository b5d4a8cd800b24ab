"""A unit's periodic report as an official document (Đ18.1, Đ17.4): the layout of Nghị định
30/2020 — issuing body, number, Quốc hiệu and Tiêu ngữ, place and date, title, body, "Nơi nhận",
signature block — read back with python-docx."""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from docx import Document

from services.web.report_document import unit_report_docx

CASE = {
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
}


def _read(body: bytes) -> tuple[list[str], list[list[list[str]]], Any]:
    document = Document(io.BytesIO(body))
    paragraphs = [p.text for p in document.paragraphs]
    tables = [[[cell.text for cell in row.cells] for row in t.rows] for t in document.tables]
    return paragraphs, tables, document


def test_a_unit_s_report_renders_in_the_layout_of_decree_30_2020_D18_1() -> None:
    paragraphs, tables, document = _read(unit_report_docx(CASE, "Sở Tài chính", date(2026, 12, 18)))
    heading, figures, explained, signature = tables
    left, right = heading[0]
    assert left.splitlines() == ["UBND TỈNH THANH HÓA", "SỞ TÀI CHÍNH", "Số:      /BC-"]
    assert right.splitlines()[:2] == [
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "Độc lập - Tự do - Hạnh phúc",
    ]
    assert right.splitlines()[-1] == "Thanh Hóa, ngày 18 tháng 12 năm 2026"
    assert "BÁO CÁO" in paragraphs
    title = next(p for p in paragraphs if p.startswith("Tình hình, kết quả"))
    assert title.endswith("giao quý IV năm 2026")
    parts = [p for p in paragraphs if p[:3] in ("I. ", "II.", "III", "IV.")]
    assert [p.split(".")[0] for p in parts] == ["I", "II", "III", "IV"]
    assert "Hoàn thành 1.234 nhiệm vụ" in paragraphs  # the narrative, a paragraph per line
    assert ["Hoàn thành đúng hạn", "1.234"] in figures
    assert ["Tổng số nhiệm vụ", "1.249"] in figures
    assert ["Tỷ lệ hoàn thành đúng hạn", "99,3%"] in figures
    assert explained[1] == [
        "1",
        "12/UBND-KTTC: Rà soát vốn đầu tư công",
        "Đang thực hiện quá hạn",
        "Chờ ý kiến Bộ Tài chính",
    ]
    to, signer = signature[0]
    assert to.splitlines() == ["Nơi nhận:", "- Văn phòng UBND tỉnh;", "- Lưu: VT."]
    assert signer.splitlines() == ["THỦ TRƯỞNG CƠ QUAN", "(Ký, ghi rõ họ tên, đóng dấu)"]
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    assert round(section.left_margin.mm) == 30  # Nghị định 30/2020: left 30–35 mm
    assert document.styles["Normal"].font.name == "Times New Roman"


def test_a_report_without_listed_tasks_says_so_D17_4() -> None:
    case = {**CASE, "data": {**CASE["data"], "explanations": []}}
    paragraphs, tables, _ = _read(unit_report_docx(case, "Xã A", date(2026, 12, 1)))
    assert "Đơn vị không có nhiệm vụ phải giải trình trong kỳ." in paragraphs
    assert len(tables) == 3
