"""A periodic report as an XLSX workbook in the layout the Office sends up: the figures (title,
period, one row per unit, a totals row, on-time rate as a percentage, header frozen while
scrolling), the tasks units must explain (Đ17.4), and the Office's own figures (Đ6.1 intake,
the time results wait for its confirmation)."""

from __future__ import annotations

from datetime import date, datetime
from io import BytesIO
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter

from shared.calendar import local_date
from shared.periods import period_label

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
    title = "BÁO CÁO KẾT QUẢ THỰC HIỆN NHIỆM VỤ DO UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO"
    _put(sheet, 1, 1, title).font = Font(bold=True, size=13)
    sheet.merge_cells(f"A1:{last_column}1")
    dates = f"từ ngày {_vn(report['from'])} đến ngày {_vn(report['to'])}"
    label = period_label(report["period"])
    _put(
        sheet,
        2,
        1,
        f"Kỳ báo cáo: {f'{label} ({dates})' if label else dates}; "
        f"số liệu tính đến {_vn(report['as_of'])}",
    )
    sheet.merge_cells(f"A2:{last_column}2")
    for column, heading in enumerate(HEADINGS, start=1):
        cell = _put(sheet, HEADER_ROW, column, heading)
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
    _explanations_sheet(book, report)
    _office_sheet(book, report)
    out = BytesIO()
    book.save(out)
    return out.getvalue()


def _write(
    sheet: Any, row: int, index: int | None, name: str, counts: dict[str, Any], *, bold: bool
) -> None:
    values = [index, name, *[counts[key] for key in COUNTS], counts["on_time_rate"]]
    for column, value in enumerate(values, start=1):
        cell = _put(sheet, row, column, value)
        cell.border = _BOX
        if bold:
            cell.font = Font(bold=True)
    sheet.cell(row=row, column=len(values)).number_format = "0.0%"


# What a spreadsheet would read as the start of a formula (OWASP "CSV injection"): such text is
# stored as text, with Excel's quote prefix so that editing the cell keeps it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def _put(sheet: Any, row: int, column: int, value: Any) -> Any:
    """Every cell of the workbook is written here: text is always text, never a formula."""
    cell = sheet.cell(row=row, column=column)
    cell.value = value
    if isinstance(value, str):
        cell.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            cell.quotePrefix = True
    return cell


def _vn(value: date | datetime) -> str:
    day = local_date(value) if isinstance(value, datetime) else value
    return day.strftime("%d/%m/%Y")


EXPLANATION_HEADINGS = (
    "STT",
    "Nội dung nhiệm vụ",
    "Số văn bản",
    "Ngày văn bản",
    "Đơn vị chủ trì",
    "Thời hạn",
    "Lý do phải giải trình",
)
EXPLANATION_WIDTHS = (6, 60, 16, 12, 36, 12, 40)


def _explanations_sheet(book: Workbook, report: dict[str, Any]) -> None:
    """Đ17.4: each task with its content, document, lead unit and why it is listed."""
    sheet = book.create_sheet("Giải trình (Đ17.4)")
    title = "NHIỆM VỤ CÁC CƠ QUAN, ĐƠN VỊ PHẢI GIẢI TRÌNH (Điều 17 khoản 4)"
    _put(sheet, 1, 1, title).font = Font(bold=True, size=13)
    _headings(sheet, 3, EXPLANATION_HEADINGS, EXPLANATION_WIDTHS)
    for index, task in enumerate(report.get("explanations") or [], start=1):
        values = [
            index,
            task.get("content") or "",
            task.get("document_number") or "",
            _vn_text(task.get("document_issued_on")),
            task.get("lead_unit_name") or task["lead_unit"],
            _vn_text(task.get("due_on")) or "Không thời hạn",
            "; ".join(task.get("reasons") or []),
        ]
        _row(sheet, 3 + index, values, wrap=True)
    sheet.freeze_panes = "A4"


LAG_HEADINGS = (
    "Tháng",
    "Số kết quả đã xử lý",
    "Xác nhận hoàn thành",
    "Trả lại thực hiện lại",
    "Trung vị (ngày làm việc)",
    "Phân vị 90 (ngày làm việc)",
)
INTAKE_HEADINGS = ("Tháng", "Văn bản chuyển theo dõi", "Đúng hạn", "Quá hạn", "Tỷ lệ đúng hạn")
WAITING_HEADINGS = (
    "STT",
    "Nội dung nhiệm vụ",
    "Số văn bản",
    "Đơn vị chủ trì",
    "Ngày gửi kết quả",
    "Số ngày làm việc chờ",
)


def _office_sheet(book: Workbook, report: dict[str, Any]) -> None:
    """The Office's own figures: its intake (Đ6.1) and how long results waited for it."""
    office = report.get("office")
    if not office:
        return  # a report stored before these figures existed
    sheet = book.create_sheet("Văn phòng UBND tỉnh")
    _put(sheet, 1, 1, "KẾT QUẢ THỰC HIỆN CỦA VĂN PHÒNG UBND TỈNH").font = Font(bold=True, size=13)
    for column, width in enumerate((14, 50, 20, 30, 20, 20), start=1):
        sheet.column_dimensions[get_column_letter(column)].width = width
    row = 3
    _put(sheet, row, 1, "1. Cập nhật, chuyển theo dõi văn bản (Điều 6 khoản 1)")
    row = _table(
        sheet,
        row + 1,
        INTAKE_HEADINGS,
        [
            [_month(m["month"]), m["released"], m["on_time"], m["late"], m["on_time_rate"]]
            for m in office["intake"]
        ],
        percent_column=5,
    )
    lag = office["confirmation_lag"]
    _put(sheet, row + 1, 1, "2. Thời gian xác nhận kết quả của các cơ quan, đơn vị (ngày làm việc)")
    months = [*lag["months"], {**lag["totals"], "month": "Cả kỳ"}]
    row = _table(
        sheet,
        row + 2,
        LAG_HEADINGS,
        [
            [
                _month(m["month"]),
                m["decided"],
                m["confirmed"],
                m["rework"],
                m["median_days"],
                m["p90_days"],
            ]
            for m in months
        ],
    )
    _put(sheet, row + 1, 1, f"3. Kết quả chờ xác nhận quá {lag['wait_days']} ngày làm việc")
    _table(
        sheet,
        row + 2,
        WAITING_HEADINGS,
        [
            [
                index,
                w.get("content") or "",
                w.get("document_number") or "",
                w.get("lead_unit_name") or w["lead_unit"],
                _vn_text(w["submitted_at"]),
                w["waiting_days"],
            ]
            for index, w in enumerate(lag["waiting"], start=1)
        ],
    )


def _table(
    sheet: Any,
    first_row: int,
    headings: tuple[str, ...],
    rows: list[list[Any]],
    *,
    percent_column: int | None = None,
) -> int:
    """Headings and rows from `first_row`; returns the last row written."""
    _headings(sheet, first_row, headings, None)
    row = first_row
    for values in rows:
        row += 1
        _row(sheet, row, values, wrap=False)
        if percent_column is not None:
            sheet.cell(row=row, column=percent_column).number_format = "0.0%"
    return row


def _headings(
    sheet: Any, row: int, headings: tuple[str, ...], widths: tuple[int, ...] | None
) -> None:
    for column, heading in enumerate(headings, start=1):
        cell = _put(sheet, row, column, heading)
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.border = _BOX
        if widths:
            sheet.column_dimensions[get_column_letter(column)].width = widths[column - 1]


def _row(sheet: Any, row: int, values: list[Any], *, wrap: bool) -> None:
    for column, value in enumerate(values, start=1):
        cell = _put(sheet, row, column, value)
        cell.border = _BOX
        if wrap:
            cell.alignment = Alignment(vertical="top", wrap_text=True)


def _month(key: str) -> str:
    """`2026-10` as "tháng 10 năm 2026"; other labels ("Cả kỳ") as they are."""
    return period_label(key) or key if key[:4].isdigit() else key


def _vn_text(value: Any) -> str:
    """A stored ISO date or date-time (JSON text) as dd/mm/yyyy, local time; '' for none."""
    if not value:
        return ""
    text = str(value)
    if len(text) > 10:
        return _vn(datetime.fromisoformat(text))
    return _vn(date.fromisoformat(text))
