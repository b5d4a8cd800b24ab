"""The shipped templates (services/reporting/documents/templates/<kind>.docx): each kind's body,
laid out with the parts every kind shares in layout.py (Nghị định 30/2020/NĐ-CP's layout).

The templates are docxtpl (Jinja2) documents: `{{ name }}` prints a value of the kind's context,
`{%p for … %}` repeats a paragraph, `{%tr for … %}` a table row. They are written once by
`python -m services.reporting.documents.shipped` and kept in the repository; the Office edits a
copy in Word and uploads it (docs/documents.md). Each kind's body is `BODIES[kind]`, between the
shared `letterhead`, `title` and `signature`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx import Document

from services.reporting.documents.layout import (
    heading,
    letterhead,
    page,
    paragraph,
    paragraphs,
    rows,
    signature,
    tag,
    title,
    when,
)

TEMPLATES = Path(__file__).parent / "templates"


def _unit_report(document: Any) -> None:
    heading(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    rows(
        document,
        ("Nhiệm vụ", "Số lượng"),
        "figures",
        ("row.label", "row.value"),
        size=13,
        widths=(115,),
    )
    paragraphs(document, "results")
    heading(document, "II. KHÓ KHĂN, VƯỚNG MẮC")
    paragraphs(document, "difficulties")
    heading(document, "III. GIẢI TRÌNH NHIỆM VỤ CHƯA CÓ KẾT QUẢ, CHẬM HẠN, QUÁ HẠN")
    when(
        document,
        "explanations",
        lambda: rows(
            document,
            ("TT", "Nhiệm vụ", "Lý do phải giải trình", "Giải trình"),
            "explanations",
            ("row.index", "row.task", "row.reasons", "row.text"),
            widths=(12, 55, 40),
        ),
    )
    when(
        document,
        "not explanations",
        lambda: paragraph(document, "Đơn vị không có nhiệm vụ phải giải trình trong kỳ."),
    )
    heading(document, "IV. ĐỀ XUẤT, KIẾN NGHỊ")
    paragraphs(document, "proposals")


COUNT_HEADINGS = (
    "HT đúng hạn",
    "HT quá hạn",
    "Đang TH trong hạn",
    "Đang TH quá hạn",
    "Không hạn — đã HT",
    "Không hạn — đang TH",
    "Tổng số",
    "Tỷ lệ đúng hạn",
)
COUNT_CELLS = ("row.name", *(f"row.counts[{i}]" for i in range(8)))
TASK_CELLS = ("row.index", "row.task", "row.lead_unit", "row.due")


def counts_table(document: Any, first: str, name: str) -> None:
    """A table of the context's rows `name` (kinds.counts: by unit, by assigning leader) in the
    national categories, their total and on-time rate."""
    rows(document, (first, *COUNT_HEADINGS), name, COUNT_CELLS, size=10, widths=(37,))


def _office_report(document: Any) -> None:
    heading(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    paragraph(
        document,
        "Trong kỳ, Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao {{ total }} nhiệm "
        "vụ; tỷ lệ hoàn thành đúng hạn {{ on_time_rate }} (số liệu tính đến hết kỳ).",
    )
    heading(document, "1. Theo cơ quan, đơn vị, địa phương chủ trì")
    counts_table(document, "Đơn vị", "by_unit")
    heading(document, "2. Theo người giao nhiệm vụ")
    counts_table(document, "Người giao", "by_leader")
    heading(document, "3. Nhiệm vụ quá hạn")

    def tasks(name: str) -> None:
        headings = ("TT", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn")
        rows(document, headings, name, TASK_CELLS, widths=(12, 85, 40))

    when(document, "overdue", lambda: tasks("overdue"))
    when(
        document,
        "not overdue",
        lambda: paragraph(document, "Không có nhiệm vụ đang thực hiện quá hạn."),
    )
    heading(document, "4. Nhiệm vụ không có thời hạn")
    paragraph(
        document,
        "Đã hoàn thành {{ undated_completed }} nhiệm vụ; đang thực hiện "
        "{{ undated_in_progress }} nhiệm vụ.",
    )
    when(document, "undated", lambda: tasks("undated"))
    heading(document, "II. TÌNH HÌNH BÁO CÁO VÀ GIẢI TRÌNH CỦA CÁC ĐƠN VỊ")
    paragraphs(document, "standing")
    when(
        document,
        "not_on_time",
        lambda: rows(
            document,
            ("Đơn vị chưa gửi đúng hạn", "Tình hình"),
            "not_on_time",
            ("row.name", "row.standing"),
            widths=(110,),
        ),
    )
    heading(document, "Giải trình của đơn vị (Điều 17 khoản 4)")
    when(
        document,
        "explained",
        lambda: rows(
            document,
            ("TT", "Đơn vị", "Nhiệm vụ", "Lý do", "Giải trình"),
            "explained",
            ("row.index", "row.unit", "row.task", "row.reasons", "row.text"),
            size=11,
            widths=(12, 33, 45, 30),
        ),
    )
    when(
        document,
        "not explained",
        lambda: paragraph(document, "Không có giải trình của đơn vị trong kỳ."),
    )
    heading(document, "III. CÔNG TÁC THEO DÕI, ĐÔN ĐỐC CỦA VĂN PHÒNG")
    paragraphs(document, "office")
    heading(document, "IV. ĐÁNH GIÁ")
    heading(document, "1. Về tiến độ")
    paragraphs(document, "progress")
    heading(document, "2. Về chất lượng")
    paragraphs(document, "quality")
    heading(document, "3. Về hiệu quả so với yêu cầu chỉ đạo của UBND tỉnh, Chủ tịch UBND tỉnh")
    paragraphs(document, "effectiveness")
    heading(document, "V. KHÓ KHĂN, VƯỚNG MẮC")
    paragraphs(document, "difficulties")
    heading(document, "VI. ĐỀ XUẤT, KIẾN NGHỊ")
    paragraphs(document, "proposals")


def _inspection_report(document: Any) -> None:
    heading(document, "I. THÔNG TIN CUỘC KIỂM TRA")
    paragraphs(document, "facts")
    heading(document, "II. KẾT QUẢ KIỂM TRA")
    paragraphs(document, "summary_text")
    rows(
        document,
        ("TT", "Đơn vị được kiểm tra", "Kết quả thực hiện nhiệm vụ"),
        "conclusions",
        ("row.index", "row.unit", "row.result"),
        widths=(12, 60),
    )
    heading(document, "III. ĐÁNH GIÁ, KẾT LUẬN ĐỐI VỚI TỪNG ĐƠN VỊ")
    tag(document, "{%p for item in conclusions %}")
    paragraph(document, "{{ item.index }}. {{ item.unit }}", bold=True)
    paragraph(document, "a) Đánh giá: {{ item.assessment }}")
    paragraph(document, "b) Kết luận: {{ item.result }}. {{ item.conclusion }}")
    tag(document, "{%p for text in item.shortcomings %}")
    paragraph(document, "- {{ text }}")
    tag(document, "{%p endfor %}")
    tag(document, "{%p if item.recommendations %}")
    paragraph(document, "c) Kiến nghị: {{ item.recommendations }}")
    tag(document, "{%p endif %}")
    tag(document, "{%p endfor %}")
    heading(document, "IV. KIẾN NGHỊ")
    paragraphs(document, "recommendations")


def _monthly_account(document: Any) -> None:
    heading(document, "I. SỐ LIỆU TRONG THÁNG")
    rows(
        document,
        ("Nội dung", "Số lượng"),
        "figures",
        ("row.label", "row.value"),
        size=13,
        widths=(115,),
    )

    def inspections() -> None:
        paragraph(document, "Các cuộc kiểm tra trong tháng:")
        rows(
            document,
            ("TT", "Cuộc kiểm tra", "Tình trạng"),
            "inspections",
            ("row.index", "row.title", "row.status"),
            widths=(12, 95),
        )

    when(document, "inspections", inspections)
    heading(document, "II. KẾT QUẢ THEO DÕI, ĐÔN ĐỐC, KIỂM TRA")
    paragraphs(document, "text")


def _annual_report(document: Any) -> None:
    heading(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO")
    paragraph(
        document,
        "Năm {{ year }}, Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao {{ total }} "
        "nhiệm vụ; tỷ lệ hoàn thành đúng hạn {{ on_time_rate }}.",
    )
    heading(document, "1. Theo cơ quan, đơn vị, địa phương chủ trì")
    counts_table(document, "Đơn vị", "by_unit")
    heading(document, "2. Theo người giao nhiệm vụ")
    counts_table(document, "Người giao", "by_leader")
    heading(document, "3. Công tác theo dõi, đôn đốc của Văn phòng")
    paragraphs(document, "office")
    heading(document, "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)")
    paragraphs(document, "inspections_text")
    when(
        document,
        "inspections",
        lambda: rows(
            document,
            ("TT", "Đơn vị được kiểm tra", "Hình thức", "Kết thúc", "Kết luận"),
            "inspections",
            ("row.index", "row.units", "row.kind", "row.ended", "row.conclusion"),
            size=11,
            widths=(12, 40, 30, 23),
        ),
    )
    heading(document, "III. TIẾP NHẬN, XỬ LÝ PHẢN HỒI (Điều 16 khoản 6, Điều 17)")
    paragraphs(document, "feedback")
    heading(document, "IV. ĐÁNH GIÁ KẾT QUẢ TRIỂN KHAI THỰC HIỆN QUY CHẾ")
    paragraphs(document, "assessment")
    heading(document, "V. HƯỚNG DẪN VẬN HÀNH HỆ THỐNG, ĐÀO TẠO, TẬP HUẤN")
    paragraphs(document, "training")
    heading(document, "VI. KHÓ KHĂN, VƯỚNG MẮC")
    paragraphs(document, "difficulties")
    heading(document, "VII. ĐỀ XUẤT, KIẾN NGHỊ")
    paragraphs(document, "proposals")


BODIES: dict[str, Callable[[Any], None]] = {
    "unit_report": _unit_report,
    "office_report": _office_report,
    "inspection_report": _inspection_report,
    "monthly_account": _monthly_account,
    "annual_report": _annual_report,
}


def build(kind: str) -> bytes:
    """The shipped template of `kind`."""
    import io

    document = Document()
    page(document)
    letterhead(document)
    title(document)
    BODIES[kind](document)
    signature(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def main(argv: Sequence[str] = ()) -> None:
    """Write the shipped template of each kind named (all when none)."""
    for kind in argv or BODIES:
        (TEMPLATES / f"{kind}.docx").write_bytes(build(kind))


if __name__ == "__main__":
    main(sys.argv[1:])
