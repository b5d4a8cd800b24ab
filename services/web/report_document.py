"""Reports as official documents (DOCX), in the layout of Nghị định 30/2020/NĐ-CP (its Phụ lục
I): A4, Times New Roman; the issuing body (under its governing body, if any), the number and
symbol (left for the clerk until one is given), the Quốc hiệu and Tiêu ngữ, the place and date,
the title "BÁO CÁO" with its summary, the body, "Nơi nhận" and the signature block.

`official_document` lays out any report from a `Letterhead`, its summary, a function writing its
body (with `part`, `text`, `table`) and a `Signature`. Two reports use it:

- a unit's periodic report (Đ18.1, Đ17.4), `unit_report_docx`, from the case's data (figures,
  sections, explanations); the web serves it at `/unit-reports/<case_id>/document.docx`;
- the Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2), `office_report_docx`
  (services/web/office_report_document.py), at `/office-reports/<case_id>/document.docx`.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from docx import Document
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt
from docx.table import _Cell

FONT = "Times New Roman"
GOVERNING_BODY = "UBND TỈNH THANH HÓA"
PLACE = "Thanh Hóa"
NATIONAL_TITLE = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
SUBJECT = (
    "Tình hình, kết quả thực hiện nhiệm vụ do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân "
    "tỉnh giao {period}"
)
FIGURE_ROWS = (
    ("completed_on_time", "Hoàn thành đúng hạn"),
    ("completed_late", "Hoàn thành quá hạn"),
    ("in_progress_on_time", "Đang thực hiện trong hạn"),
    ("in_progress_overdue", "Đang thực hiện quá hạn"),
    ("undated_completed", "Không thời hạn — đã hoàn thành"),
    ("undated_in_progress", "Không thời hạn — đang thực hiện"),
)


@dataclass(frozen=True)
class Letterhead:
    """Ô số 1–4 of the layout: who issues the document, its number and symbol, where and when."""

    issuer: str  # "SỞ TÀI CHÍNH", "VĂN PHÒNG UBND TỈNH THANH HÓA"
    number: str  # "Số:      /BC-" while the clerk has not numbered it
    on: date
    governing_body: str | None = GOVERNING_BODY  # above the issuer; None when it has none


@dataclass(frozen=True)
class Signature:
    """Ô số 7 and 9: "Nơi nhận" and the signer's block (authority, title, name)."""

    recipients: tuple[str, ...]
    titles: tuple[str, ...]  # ("KT. CHÁNH VĂN PHÒNG", "PHÓ CHÁNH VĂN PHÒNG") or one line
    note: str = "(Ký, ghi rõ họ tên, đóng dấu)"
    name: str | None = None


def official_document(
    letterhead: Letterhead,
    summary: str,
    body: Callable[[Any], None],
    signature: Signature,
    *,
    addressees: Sequence[str] = (),
) -> bytes:
    """A report in the layout: the letterhead, "BÁO CÁO" and `summary`, "Kính gửi" the
    `addressees` if any, what `body(document)` writes, and the signature block."""
    document = Document()
    _page(document)
    _letterhead(document, letterhead)
    _title(document, summary)
    if addressees:
        _line(document, "Kính gửi: " + "; ".join(addressees) + ".", size=14)
    body(document)
    _signature(document, signature)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def unit_report_docx(case: Mapping[str, Any], unit_name: str, on: date) -> bytes:
    """The report of `case` (a unit_report case as the workflow API answers it) by `unit_name`,
    dated `on` (the day it was sent, or today for a draft)."""
    data = case.get("data") or {}
    return official_document(
        Letterhead(issuer=unit_name.upper(), number="Số:      /BC-", on=on),
        SUBJECT.format(period=str(data.get("period_label") or "")),
        lambda document: _body(document, data),
        Signature(
            recipients=("- Văn phòng UBND tỉnh;", "- Lưu: VT."), titles=("THỦ TRƯỞNG CƠ QUAN",)
        ),
    )


def _page(document: Any) -> None:
    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(20), Mm(20)
    section.left_margin, section.right_margin = Mm(30), Mm(15)
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = Pt(14)
    style.paragraph_format.space_after = Pt(6)


def _line(
    cell_or_doc: Any,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    size: int = 13,
    underline: bool = False,
    align: Any = WD_ALIGN_PARAGRAPH.CENTER,
    first: bool = False,
) -> Any:
    paragraph = cell_or_doc.paragraphs[0] if first else cell_or_doc.add_paragraph()
    paragraph.alignment = align
    paragraph.paragraph_format.space_after = Pt(0)
    run = paragraph.add_run(text)
    run.bold, run.italic, run.underline = bold, italic, underline
    run.font.size = Pt(size)
    run.font.name = FONT
    return paragraph


def _letterhead(document: Any, head: Letterhead) -> None:
    """Ô số 1–4 of the layout: the bodies, the number, Quốc hiệu and Tiêu ngữ, place and date."""
    table = document.add_table(rows=1, cols=2)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    left, right = table.rows[0].cells
    _widths(left, right, Mm(70), Mm(95))
    if head.governing_body:
        _line(left, head.governing_body, size=13, first=True)
        _line(left, head.issuer, bold=True, size=13)
    else:
        _line(left, head.issuer, bold=True, size=13, first=True)
    _line(left, head.number, size=13)
    on = head.on
    _line(right, NATIONAL_TITLE, bold=True, size=13, first=True)
    _line(right, MOTTO, bold=True, size=14, underline=True)
    _line(right, "")
    _line(
        right,
        f"{PLACE}, ngày {on.day:02d} tháng {on.month:02d} năm {on.year}",
        italic=True,
        size=14,
    )


def _title(document: Any, summary: str) -> None:
    first = _line(document, "BÁO CÁO", bold=True, size=14)
    first.paragraph_format.space_before = Pt(18)
    _line(document, summary, bold=True, size=14)
    _line(document, "_" * 12, size=14)


def _body(document: Any, data: Mapping[str, Any]) -> None:
    _part(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    _figures(document, data.get("figures") or {})
    _text(document, data.get("results"))
    _part(document, "II. KHÓ KHĂN, VƯỚNG MẮC")
    _text(document, data.get("difficulties"))
    _part(document, "III. GIẢI TRÌNH NHIỆM VỤ CHƯA CÓ KẾT QUẢ, CHẬM HẠN, QUÁ HẠN")
    _explanations(document, data.get("explanations") or [])
    _part(document, "IV. ĐỀ XUẤT, KIẾN NGHỊ")
    _text(document, data.get("proposals"))


def part(document: Any, heading: str) -> None:
    """A heading of the body ("I. KẾT QUẢ …", "1. Theo đơn vị")."""
    _part(document, heading)


def text(document: Any, value: Any) -> None:
    """Narrative text, a justified paragraph per line."""
    _text(document, value)


def table(
    document: Any, headings: Sequence[str], rows: Sequence[Sequence[Any]], *, size: int = 12
) -> Any:
    """A bordered table: bold headings, then one row per item (numbers as written)."""
    found = document.add_table(rows=1, cols=len(headings))
    found.style = "Table Grid"
    for cell, heading in zip(found.rows[0].cells, headings, strict=True):
        _line(cell, heading, bold=True, size=size, first=True)
    for row in rows:
        for cell, value in zip(found.add_row().cells, row, strict=True):
            _line(cell, str(value), size=size, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
    return found


def number(value: Any) -> str:
    """1234 as "1.234", the Vietnamese way."""
    return _number(value)


def percent(rate: Any) -> str:
    """0.9929 as "99,3%"; "—" when there is no rate."""
    return _percent(rate)


def _part(document: Any, heading: str) -> None:
    paragraph = _line(document, heading, bold=True, size=14, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
    paragraph.paragraph_format.space_before = Pt(12)
    paragraph.paragraph_format.first_line_indent = Mm(10)


def _text(document: Any, text: Any) -> None:
    for chunk in str(text or "").splitlines() or [""]:
        if not chunk.strip():
            continue
        paragraph = _line(document, chunk, size=14, align=WD_ALIGN_PARAGRAPH.JUSTIFY)
        paragraph.paragraph_format.first_line_indent = Mm(10)
        paragraph.paragraph_format.space_after = Pt(6)


def _figures(document: Any, figures: Mapping[str, Any]) -> None:
    table = document.add_table(rows=1, cols=2)
    table.style = "Table Grid"
    head = table.rows[0].cells
    _line(head[0], "Nhiệm vụ", bold=True, first=True)
    _line(head[1], "Số lượng", bold=True, first=True)
    rows = [(label, _number(figures.get(key))) for key, label in FIGURE_ROWS]
    rows.append(("Tổng số nhiệm vụ", _number(figures.get("total"))))
    rows.append(("Tỷ lệ hoàn thành đúng hạn", _percent(figures.get("on_time_rate"))))
    for label, value in rows:
        cells = table.add_row().cells
        _line(cells[0], label, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)
        _line(cells[1], value, first=True)


def _explanations(document: Any, explanations: list[Mapping[str, Any]]) -> None:
    if not explanations:
        _text(document, "Đơn vị không có nhiệm vụ phải giải trình trong kỳ.")
        return
    table = document.add_table(rows=1, cols=4)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("TT", "Nhiệm vụ", "Lý do phải giải trình", "Giải trình"), strict=True
    ):
        _line(cell, text, bold=True, first=True)
    for index, item in enumerate(explanations, start=1):
        cells = table.add_row().cells
        task = f"{item.get('document_number') or ''}: {item.get('content') or ''}".strip(": ")
        values = (str(index), task, "; ".join(item.get("reasons") or []), item.get("text") or "")
        for cell, text in zip(cells, values, strict=True):
            _line(cell, str(text), size=12, align=WD_ALIGN_PARAGRAPH.LEFT, first=True)


def _signature(document: Any, signature: Signature) -> None:
    """Ô số 9a–9b: "Nơi nhận" on the left, the signer's block on the right."""
    document.add_paragraph()
    table = document.add_table(rows=1, cols=2)
    left, right = table.rows[0].cells
    _widths(left, right, Mm(80), Mm(85))
    _line(
        left,
        "Nơi nhận:",
        bold=True,
        italic=True,
        size=12,
        align=WD_ALIGN_PARAGRAPH.LEFT,
        first=True,
    )
    for line in signature.recipients:
        _line(left, line, size=11, align=WD_ALIGN_PARAGRAPH.LEFT)
    for index, title in enumerate(signature.titles):
        _line(right, title, bold=True, size=14, first=index == 0)
    _line(right, signature.note, italic=True, size=13)
    if signature.name:
        _line(right, "")
        _line(right, "")
        _line(right, signature.name, bold=True, size=14)


def _widths(left: _Cell, right: _Cell, left_width: Any, right_width: Any) -> None:
    left.width, right.width = left_width, right_width


def _number(value: Any) -> str:
    return f"{int(value or 0):,}".replace(",", ".")


def _percent(rate: Any) -> str:
    if rate is None or rate == "":
        return "—"
    return f"{float(rate) * 100:.1f}".replace(".", ",") + "%"
