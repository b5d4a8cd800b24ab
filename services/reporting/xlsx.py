"""A periodic report as an XLSX sheet in the layout the Office sends up: title, period, one row
per unit, a totals row, on-time rate as a percentage, header frozen while scrolling."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from shared.calendar import local_date

HEADINGS = (
    "STT",
    "Đơn vị",
    "Tổng số",
    "Hoàn thành đúng hạn",
    "Hoàn thành quá hạn",
    "Đang thực hiện trong hạn",
    "Đang thực hiện quá hạn",
    "Không thời hạn — đã hoàn thành",
    "Không thời hạn — đang thực hiện",
    "Tỷ lệ đúng hạn",
)
COUNTS = (
    "total",
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)
HEADER_ROW = 4
WIDTHS = (6, 42, 10, 14, 14, 16, 16, 18, 18, 12)
_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)


def report_workbook(report: dict[str, Any]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "Báo cáo"
    last_column = get_column_letter(len(HEADINGS))
    sheet["A1"] = "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ DO UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO"
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.merge_cells(f"A1:{last_column}1")
    sheet["A2"] = (
        f"Kỳ báo cáo: {report['period']} (từ ngày {_vn(report['from'])} đến ngày "
        f"{_vn(report['to'])}); số liệu tính đến {_vn(report['as_of'])}"
    )
    sheet.merge_cells(f"A2:{last_column}2")
    for column, heading in enumerate(HEADINGS, start=1):
        cell = sheet.cell(row=HEADER_ROW, column=column, value=heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
        sheet.column_dimensions[get_column_letter(column)].width = WIDTHS[column - 1]
    row_number = HEADER_ROW
    for index, unit in enumerate(report["units"], start=1):
        row_number += 1
        _write(sheet, row_number, index, unit["name"], unit, bold=False)
    _write(sheet, row_number + 1, None, "Tổng cộng", report["totals"], bold=True)
    sheet.freeze_panes = sheet.cell(row=HEADER_ROW + 1, column=3)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write(
    sheet: Any, row: int, index: int | None, name: str, counts: dict[str, Any], *, bold: bool
) -> None:
    values = [index, name, *[counts[key] for key in COUNTS], counts["on_time_rate"]]
    for column, value in enumerate(values, start=1):
        cell = sheet.cell(row=row, column=column, value=value)
        cell.border = _BOX
        if bold:
            cell.font = Font(bold=True)
    sheet.cell(row=row, column=len(values)).number_format = "0.0%"


def _vn(value: date | datetime) -> str:
    day = local_date(value) if isinstance(value, datetime) else value
    return day.strftime("%d/%m/%Y")
