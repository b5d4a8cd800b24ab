"""The layout of Nghị định 30/2020/NĐ-CP (its Phụ lục I) in python-docx, that the shipped templates
(shipped.py) are built of: A4, Times New Roman, margins 20/20/30/15 mm; the governing body and the
issuing body over the number and symbol (ô 1–3), the Quốc hiệu and Tiêu ngữ over the place and
date (ô 4), the type "BÁO CÁO" and its summary (ô 5), the body (ô 6), "Nơi nhận" (ô 9b) and the
signer's authority, title and name (ô 7).

Here are the parts every kind shares (`page`, `letterhead`, `title`, `signature`) and the pieces a
kind's body is written with: headings, paragraphs, tables, and docxtpl's tags (`tag`, `when`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

FONT = "Times New Roman"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
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
