"""The shipped templates (services/reporting/documents/templates/<kind>.docx), laid out here in the
layout of Nghị định 30/2020/NĐ-CP (its Phụ lục I): A4, Times New Roman, margins 20/20/30/15 mm;
the governing body and the issuing body over the number and symbol (ô 1–3), the Quốc hiệu and
Tiêu ngữ over the place and date (ô 4), the type "BÁO CÁO" and its summary (ô 5), the body
(ô 6), "Nơi nhận" (ô 9b) and the signer's authority, title and name (ô 7).

The templates are docxtpl (Jinja2) documents: `{{ name }}` prints a value of the kind's context,
`{%p for … %}` repeats a paragraph, `{%tr for … %}` a table row. They are written once by
`python -m services.reporting.documents.shipped` and kept in the repository; the Office edits a
copy in Word and uploads it (docs/documents.md). Only the parts every kind shares are here
(`letterhead`, `title`, `signature`); each kind's body is `BODIES[kind]`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

FONT = "Times New Roman"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TEMPLATES = Path(__file__).parent / "templates"
LEFT = WD_ALIGN_PARAGRAPH.LEFT
TEXT_WIDTH = 165.0  # A4 less the left (30 mm) and right (15 mm) margins


def line(
    where: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 13,
    underline: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Any:
    """One paragraph of one run (so that docxtpl finds each tag whole)."""
    paragraph = where.paragraphs[0] if first else where.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT
    return paragraph


def tag(where: Any, text: str, *, first: bool = False) -> None:
    """A paragraph holding only a `{%p … %}` tag (docxtpl removes the paragraph)."""
    line(where, text, size=11, align=LEFT, first=first)


def heading(document: Any, text: str) -> None:
    """A heading of the body ("I. KẾT QUẢ …", "1. Theo đơn vị")."""
    paragraph = line(document, text, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.first_line_indent = Mm(10)


def paragraph(document: Any, text: str, *, bold: bool = False) -> None:
    """A justified paragraph of the body, its first line indented."""
    found = line(document, text, size=14, bold=bold, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    found.paragraph_format.first_line_indent = Mm(10)
    found.paragraph_format.space_after = Pt(6)


def paragraphs(document: Any, name: str) -> None:
    """Each line of the context's list `name` as a paragraph of the body."""
    tag(document, f"{{%p for text in {name} %}}")
    paragraph(document, "{{ text }}")
    tag(document, "{%p endfor %}")


def rows(
    document: Any,
    headings: Sequence[str],
    name: str,
    cells: Sequence[str],
    *,
    size: int = 12,
    widths: Sequence[float] = (),
) -> None:
    """A bordered table: bold headings, then a row per item of the context's list `name`, each
    cell an expression on `row`; `widths` in millimetres (the first columns; the last takes what
    is left of the 165 mm between the margins)."""
    table = document.add_table(rows=1, cols=len(headings))
    table.style = "Table Grid"
    for cell, text in zip(table.rows[0].cells, headings, strict=True):
        line(cell, text, bold=True, size=size, first=True)
    opening = table.add_row().cells
    line(opening[0], f"{{%tr for row in {name} %}}", size=size, first=True)
    for cell, expression in zip(table.add_row().cells, cells, strict=True):
        line(cell, f"{{{{ {expression} }}}}", size=size, align=LEFT, first=True)
    closing = table.add_row().cells
    line(closing[0], "{%tr endfor %}", size=size, first=True)
    share = (TEXT_WIDTH - sum(widths)) / (len(headings) - len(widths))
    fixed(table, [*widths, *([share] * (len(headings) - len(widths)))])


def fixed(table: Any, widths: Sequence[float]) -> None:
    """Column widths in millimetres, kept by Word and LibreOffice alike (each cell says its own)."""
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = Mm(width)


def when(document: Any, condition: str, body: Callable[[], None]) -> None:
    """`body` only when `condition` holds in the context."""
    tag(document, f"{{%p if {condition} %}}")
    body()
    tag(document, "{%p endif %}")


def page(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.paragraph_format.space_after = Pt(6)


def letterhead(document: Any) -> None:
    """Ô 1–4: governing and issuing bodies, number and symbol; Quốc hiệu, Tiêu ngữ, place, date."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    fixed(table, (62, 103))
    left, right = table.rows[0].cells
    tag(left, "{%p if governing_body %}", first=True)
    line(left, "{{ governing_body }}")
    tag(left, "{%p endif %}")
    line(left, "{{ issuer }}", bold=True)
    line(left, "{{ number }}")
    line(right, NATIONAL_TITLE, bold=True, size=12, first=True)
    line(right, MOTTO, bold=True, size=14, underline=True)
    line(right, "")
    line(right, "{{ place_date }}", italic=True, size=14)


def title(document: Any) -> None:
    """Ô 5: the type of the document and its summary; "Kính gửi" when it has addressees."""
    first = line(document, "BÁO CÁO", bold=True, size=14)
    first.paragraph_format.space_before = Pt(18)
    line(document, "{{ summary }}", bold=True, size=14)
    line(document, "_" * 12, size=14)
    tag(document, "{%p if addressees %}")
    line(document, "Kính gửi: {{ addressees }}.", size=14)
    tag(document, "{%p endif %}")


def signature(document: Any) -> None:
    """Ô 9b on the left ("Nơi nhận"), ô 7 on the right (authority, title, signer's name)."""
    document.add_paragraph()
    table = document.add_table(rows=1, cols=2)
    fixed(table, (80, 85))
    left, right = table.rows[0].cells
    line(left, "Nơi nhận:", bold=True, italic=True, size=12, align=LEFT, first=True)
    tag(left, "{%p for recipient in recipients %}")
    line(left, "{{ recipient }}", size=11, align=LEFT)
    tag(left, "{%p endfor %}")
    tag(right, "{%p for signer_title in signer_titles %}", first=True)
    line(right, "{{ signer_title }}", bold=True, size=14)
    tag(right, "{%p endfor %}")
    line(right, "(Ký, ghi rõ họ tên, đóng dấu)", italic=True, size=13)
    line(right, "")
    line(right, "")
    line(right, "{{ signer_name }}", bold=True, size=14)


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
