"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2) as an official document (DOCX) in the
layout of Nghị định 30/2020 (services/web/report_document.py), issued by the Office to the
People's Committee and its Chairman.

Built from what the report's page shows (`Assembled`): the stored report of the period's
figures (reporting: by unit, by assigning leader, the Đ17.4 list, the Office's intake and
confirmation figures), which units reported (reporting's `/unit-reports`), the units' own
explanations of their Đ17.4 tasks (their reports, workflow's `/unit-reports`) and the Office's
assessment sections (the office_report case's data).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from services.web.report_document import (
    Letterhead,
    Signature,
    number,
    official_document,
    part,
    percent,
    table,
    text,
)

ISSUER = "VĂN PHÒNG UBND TỈNH THANH HÓA"
SYMBOL = "BC-VP"
SUMMARY = (
    "Đánh giá tình hình thực hiện nhiệm vụ do Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân "
    "tỉnh giao {period}"
)
ADDRESSEES = ("Ủy ban nhân dân tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh")
RECIPIENTS = (
    "- Như trên;",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Các sở, ban, ngành, UBND các xã, phường;",
    "- Cổng Thông tin điện tử tỉnh;",
    "- Lưu: VT.",
)
SIGNER = ("CHÁNH VĂN PHÒNG",)
# The Office's sections (services/workflow/kinds/office_reports.py) and their headings.
ASSESSMENT = (
    ("progress", "1. Về tiến độ"),
    ("quality", "2. Về chất lượng"),
    ("effectiveness", "3. Về hiệu quả so với yêu cầu chỉ đạo của UBND tỉnh, Chủ tịch UBND tỉnh"),
)
CATEGORY_COLUMNS = (
    ("completed_on_time", "HT đúng hạn"),
    ("completed_late", "HT quá hạn"),
    ("in_progress_on_time", "Đang TH trong hạn"),
    ("in_progress_overdue", "Đang TH quá hạn"),
    ("undated_completed", "Không hạn — đã HT"),
    ("undated_in_progress", "Không hạn — đang TH"),
)
STANDING_LABELS = {
    "on_time": "Đúng hạn",
    "late": "Chậm hạn",
    "not_reported": "Không gửi",
    "pending": "Chưa đến hạn",
}


@dataclass(frozen=True)
class Assembled:
    """Everything the Office's report presents for its period."""

    case: Mapping[str, Any]  # the office_report case
    report: Mapping[str, Any]  # reporting's stored report of the period
    standing: Mapping[str, Any] | None = None  # reporting's /unit-reports?period=
    explained: Sequence[Mapping[str, Any]] = field(default_factory=list)  # units' explanations

    @property
    def sections(self) -> Mapping[str, Any]:
        return self.case.get("data") or {}

    @property
    def period_label(self) -> str:
        return str(self.sections.get("period_label") or self.report.get("period") or "")


def overdue(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The period's tasks still in progress past their due date (from the Đ17.4 list)."""
    tasks = report.get("explanations") or []
    return [t for t in tasks if t.get("category") == "in_progress_overdue"]


def undated(report: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The period's tasks without a due date still in progress (Đ17.4)."""
    tasks = report.get("explanations") or []
    return [t for t in tasks if t.get("category") == "undated_in_progress"]


def unit_explanations(cases: Sequence[Mapping[str, Any]], names: Mapping[str, str]) -> list[Any]:
    """The units' explanations of their Đ17.4 tasks, from their submitted periodic reports
    (drafts are the unit's own until sent), by unit name then as the unit listed them."""
    found = []
    for case in cases:
        if case.get("status") == "draft":
            continue
        unit = ((case.get("parties") or {}).get("reporter") or [""])[0]
        for item in (case.get("data") or {}).get("explanations") or []:
            found.append({**item, "unit": unit, "unit_name": names.get(unit, unit)})
    return sorted(found, key=lambda item: item["unit_name"])


def office_report_docx(
    assembled: Assembled, on: date, *, number_symbol: str | None = None
) -> bytes:
    """The report dated `on` (the day it was approved, or today for a draft), numbered
    `number_symbol` once the clerk gave it one."""
    numbered = f"Số: {number_symbol}" if number_symbol else f"Số:      /{SYMBOL}"
    return official_document(
        Letterhead(issuer=ISSUER, number=numbered, on=on, governing_body=None),
        SUMMARY.format(period=assembled.period_label),
        lambda document: _body(document, assembled),
        Signature(recipients=RECIPIENTS, titles=SIGNER),
        addressees=ADDRESSEES,
    )


def _body(document: Any, assembled: Assembled) -> None:
    report = assembled.report
    totals = report.get("totals") or {}
    part(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ")
    text(
        document,
        f"Trong kỳ, Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao "
        f"{number(totals.get('total'))} nhiệm vụ; tỷ lệ hoàn thành đúng hạn "
        f"{percent(totals.get('on_time_rate'))} (số liệu tính đến hết kỳ).",
    )
    part(document, "1. Theo cơ quan, đơn vị, địa phương chủ trì")
    _counts(document, "Đơn vị", report.get("units") or [], totals)
    part(document, "2. Theo người giao nhiệm vụ")
    _counts(document, "Người giao", report.get("leaders") or [], totals)
    part(document, "3. Nhiệm vụ quá hạn")
    _tasks(document, overdue(report), "Không có nhiệm vụ đang thực hiện quá hạn.")
    part(document, "4. Nhiệm vụ không có thời hạn")
    text(
        document,
        f"Đã hoàn thành {number(totals.get('undated_completed'))} nhiệm vụ; đang thực hiện "
        f"{number(totals.get('undated_in_progress'))} nhiệm vụ.",
    )
    _tasks(document, undated(report), "")
    part(document, "II. TÌNH HÌNH BÁO CÁO VÀ GIẢI TRÌNH CỦA CÁC ĐƠN VỊ")
    _standing(document, assembled.standing)
    part(document, "Giải trình của đơn vị (Điều 17 khoản 4)")
    _explained(document, assembled.explained)
    part(document, "III. CÔNG TÁC THEO DÕI, ĐÔN ĐỐC CỦA VĂN PHÒNG")
    _office(document, report.get("office") or {})
    part(document, "IV. ĐÁNH GIÁ")
    for key, heading in ASSESSMENT:
        part(document, heading)
        text(document, assembled.sections.get(key))
    part(document, "V. KHÓ KHĂN, VƯỚNG MẮC")
    text(document, assembled.sections.get("difficulties"))
    part(document, "VI. ĐỀ XUẤT, KIẾN NGHỊ")
    text(document, assembled.sections.get("proposals"))


def _counts(
    document: Any, first: str, rows: Sequence[Mapping[str, Any]], totals: Mapping[str, Any]
) -> None:
    headings = [first, *(label for _, label in CATEGORY_COLUMNS), "Tổng số", "Tỷ lệ đúng hạn"]

    def line(name: str, row: Mapping[str, Any]) -> list[str]:
        counts = [number(row.get(key)) for key, _ in CATEGORY_COLUMNS]
        return [name, *counts, number(row.get("total")), percent(row.get("on_time_rate"))]

    body = [line(str(row.get("name") or ""), row) for row in rows]
    body.append(line("Tổng cộng", totals))
    table(document, headings, body, size=10)


def _tasks(document: Any, tasks: Sequence[Mapping[str, Any]], empty: str) -> None:
    if not tasks:
        text(document, empty)
        return
    rows = [
        (
            index,
            f"{task.get('document_number') or ''}: {task.get('content') or ''}".strip(": "),
            task.get("lead_unit_name") or task.get("lead_unit") or "",
            _date(task.get("due_on")) or "Không thời hạn",
        )
        for index, task in enumerate(tasks, start=1)
    ]
    table(document, ("TT", "Nhiệm vụ", "Đơn vị chủ trì", "Hạn"), rows)


def _standing(document: Any, standing: Mapping[str, Any] | None) -> None:
    if not standing:
        text(document, "Chưa có số liệu về báo cáo của các đơn vị.")
        return
    totals = standing.get("totals") or {}
    text(
        document,
        f"{number(totals.get('units'))} đơn vị phải báo cáo: {number(totals.get('on_time'))} "
        f"gửi đúng hạn, {number(totals.get('late'))} gửi chậm hạn, "
        f"{number(totals.get('not_reported'))} không gửi báo cáo (hạn gửi trước ngày 20, "
        f"Điều 18 khoản 1).",
    )
    late = [u for u in standing.get("units") or [] if u.get("standing") != "on_time"]
    if late:
        rows = [
            (u.get("name") or u.get("unit"), STANDING_LABELS.get(u.get("standing") or "", ""))
            for u in late
        ]
        table(document, ("Đơn vị chưa gửi đúng hạn", "Tình hình"), rows)


def _explained(document: Any, explained: Sequence[Mapping[str, Any]]) -> None:
    if not explained:
        text(document, "Không có giải trình của đơn vị trong kỳ.")
        return
    rows = [
        (
            index,
            item.get("unit_name") or item.get("unit") or "",
            f"{item.get('document_number') or ''}: {item.get('content') or ''}".strip(": "),
            "; ".join(item.get("reasons") or []),
            item.get("text") or "",
        )
        for index, item in enumerate(explained, start=1)
    ]
    table(document, ("TT", "Đơn vị", "Nhiệm vụ", "Lý do", "Giải trình"), rows, size=11)


def _office(document: Any, office: Mapping[str, Any]) -> None:
    intake = office.get("intake") or []
    released = sum(int(m.get("released") or 0) for m in intake)
    on_time = sum(int(m.get("on_time") or 0) for m in intake)
    rate = on_time / released if released else None
    text(
        document,
        f"Chuyển văn bản giao nhiệm vụ vào Hệ thống (Điều 6 khoản 1): {number(released)} văn "
        f"bản, {number(on_time)} đúng hạn ({percent(rate)}).",
    )
    lag = office.get("confirmation_lag") or {}
    lag_totals = lag.get("totals") or {}
    median = lag_totals.get("median_days")
    text(
        document,
        f"Xác nhận kết quả của đơn vị: {number(lag_totals.get('decided'))} kết quả đã xử lý "
        f"({number(lag_totals.get('confirmed'))} xác nhận, {number(lag_totals.get('rework'))} "
        f"trả lại); thời gian chờ trung vị "
        f"{'—' if median is None else str(median).replace('.', ',')} ngày làm việc; "
        f"{number(len(lag.get('waiting') or []))} kết quả chờ quá "
        f"{lag.get('wait_days') or '—'} ngày làm việc.",
    )


def _date(value: Any) -> str:
    if not value:
        return ""
    found = date.fromisoformat(str(value)[:10])
    return f"{found:%d/%m/%Y}"
