"""The Office's annual report on this regulation (Đ20.1) as an official document (DOCX) in the
layout of Nghị định 30/2020 (services/web/report_document.py), issued by the Office to the
People's Committee and its Chairman.

One function, `annual_report_docx(data)`, turns the report's data into the document: `data` is
`{year, on, number, figures, sections}` — the stored report of the year's figures (reporting's
`POST /api/reporting/annual`), the Office's written sections (the annual_report case's data),
the day it is dated (its approval, or today for a draft) and its number once the clerk gave one.
"""

from __future__ import annotations

from collections.abc import Mapping
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
    "Kết quả triển khai thực hiện Quy chế theo dõi, đôn đốc, kiểm tra việc thực hiện nhiệm vụ "
    "năm {year}"
)
ADDRESSEES = ("Ủy ban nhân dân tỉnh", "Chủ tịch Ủy ban nhân dân tỉnh")
RECIPIENTS = (
    "- Như trên;",
    "- Chủ tịch, các Phó Chủ tịch UBND tỉnh;",
    "- Sở Nội vụ;",
    "- Các sở, ban, ngành, UBND các xã, phường;",
    "- Lưu: VT.",
)
SIGNER = ("CHÁNH VĂN PHÒNG",)
CATEGORY_COLUMNS = (
    ("completed_on_time", "HT đúng hạn"),
    ("completed_late", "HT quá hạn"),
    ("in_progress_on_time", "Đang TH trong hạn"),
    ("in_progress_overdue", "Đang TH quá hạn"),
    ("undated_completed", "Không hạn — đã HT"),
    ("undated_in_progress", "Không hạn — đang TH"),
)
# The Office's written sections (services/workflow/kinds/annual_reports.py) and their headings.
SECTIONS = (
    ("assessment", "IV. ĐÁNH GIÁ KẾT QUẢ TRIỂN KHAI THỰC HIỆN QUY CHẾ"),
    ("training", "V. HƯỚNG DẪN VẬN HÀNH HỆ THỐNG, ĐÀO TẠO, TẬP HUẤN"),
    ("difficulties", "VI. KHÓ KHĂN, VƯỚNG MẮC"),
    ("proposals", "VII. ĐỀ XUẤT, KIẾN NGHỊ"),
)


def annual_report_docx(data: Mapping[str, Any]) -> bytes:
    """The annual report of `data` (`year`, `on`, `number`, `figures`, `sections`) as DOCX."""
    figures: Mapping[str, Any] = data.get("figures") or {}
    sections: Mapping[str, Any] = data.get("sections") or {}
    totals = figures.get("totals") or {}
    numbered = f"Số: {data['number']}" if data.get("number") else f"Số:      /{SYMBOL}"

    def counts(document: Any, first: str, rows: list[Mapping[str, Any]]) -> None:
        headings = [first, *(label for _, label in CATEGORY_COLUMNS), "Tổng số", "Tỷ lệ đúng hạn"]

        def line(name: str, row: Mapping[str, Any]) -> list[str]:
            values = [number(row.get(key)) for key, _ in CATEGORY_COLUMNS]
            return [name, *values, number(row.get("total")), percent(row.get("on_time_rate"))]

        body = [line(str(row.get("name") or ""), row) for row in rows]
        table(document, headings, [*body, line("Tổng cộng", totals)], size=10)

    def body(document: Any) -> None:
        part(document, "I. KẾT QUẢ THỰC HIỆN NHIỆM VỤ UBND TỈNH, CHỦ TỊCH UBND TỈNH GIAO")
        text(
            document,
            f"Năm {data.get('year')}, Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh giao "
            f"{number(totals.get('total'))} nhiệm vụ; tỷ lệ hoàn thành đúng hạn "
            f"{percent(totals.get('on_time_rate'))}.",
        )
        part(document, "1. Theo cơ quan, đơn vị, địa phương chủ trì")
        counts(document, "Đơn vị", list(figures.get("units") or []))
        part(document, "2. Theo người giao nhiệm vụ")
        counts(document, "Người giao", list(figures.get("leaders") or []))
        part(document, "3. Công tác theo dõi, đôn đốc của Văn phòng")
        office = figures.get("office") or {}
        intake = office.get("intake") or []
        released = sum(int(m.get("released") or 0) for m in intake)
        on_time = sum(int(m.get("on_time") or 0) for m in intake)
        text(
            document,
            f"Chuyển văn bản giao nhiệm vụ vào Hệ thống (Điều 6 khoản 1): {number(released)} "
            f"văn bản, {number(on_time)} đúng hạn "
            f"({percent(on_time / released if released else None)}).",
        )
        lag = (office.get("confirmation_lag") or {}).get("totals") or {}
        median = lag.get("median_days")
        text(
            document,
            f"Xác nhận kết quả của đơn vị: {number(lag.get('decided'))} kết quả đã xử lý "
            f"({number(lag.get('confirmed'))} xác nhận, {number(lag.get('rework'))} trả lại); "
            f"thời gian chờ trung vị {'—' if median is None else str(median).replace('.', ',')} "
            f"ngày làm việc.",
        )
        inspections = figures.get("inspections") or {}
        held = inspections.get("totals") or {}
        results = inspections.get("results") or {}
        part(document, "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)")
        text(
            document,
            f"Kế hoạch kiểm tra năm được phê duyệt: {number(held.get('planned'))} cuộc. Đã "
            f"kết thúc {number(held.get('held'))} cuộc kiểm tra "
            f"({number(held.get('working_group'))} của Tổ công tác, "
            f"{number(held.get('unit_own'))} do đơn vị tự kiểm tra; "
            f"{number(held.get('regular'))} thường xuyên, {number(held.get('ad_hoc'))} đột "
            f"xuất) tại {number(held.get('units_inspected'))} đơn vị; "
            f"{number(held.get('reported'))} cuộc đã có báo cáo kết quả, "
            f"{number(held.get('presented'))} cuộc đã báo cáo tại phiên họp UBND tỉnh; "
            f"{number(held.get('running'))} cuộc đang thực hiện.",
        )
        text(
            document,
            f"Kết luận đối với đơn vị được kiểm tra (Điều 15 khoản 3): "
            f"{number(results.get('done'))} đã thực hiện đúng nhiệm vụ được giao, "
            f"{number(results.get('not_done'))} chưa thực hiện, "
            f"{number(results.get('done_wrongly'))} thực hiện không đúng, không đầy đủ.",
        )
        rows = [
            (
                index,
                ", ".join(item.get("unit_names") or item.get("units") or []),
                item.get("kind_label") or "",
                _date(item.get("ended_on")),
                "; ".join(
                    f"{c.get('name') or c.get('unit')}: {c.get('result_label') or c.get('result')}"
                    for c in item.get("conclusions") or []
                )
                or "Chưa có báo cáo kết quả",
            )
            for index, item in enumerate(inspections.get("items") or [], start=1)
        ]
        if rows:
            table(
                document,
                ("TT", "Đơn vị được kiểm tra", "Hình thức", "Kết thúc", "Kết luận"),
                rows,
                size=11,
            )
        feedback = figures.get("feedback") or {}
        outcomes = feedback.get("outcomes") or {}
        part(document, "III. TIẾP NHẬN, XỬ LÝ PHẢN HỒI (Điều 16 khoản 6, Điều 17)")
        text(
            document,
            f"Văn phòng tiếp nhận {number(feedback.get('received'))} phản hồi của các đơn vị; "
            f"đã xử lý {number(feedback.get('handled'))} ({number(outcomes.get('urged'))} đôn đốc "
            f"đơn vị, {number(outcomes.get('directed'))} có ý kiến chỉ đạo, "
            f"{number(outcomes.get('dismissed'))} không có cơ sở), trong đó "
            f"{number(feedback.get('handled_late'))} xử lý quá hạn; còn "
            f"{number(feedback.get('outstanding'))} phản hồi đang xử lý.",
        )
        for key, heading in SECTIONS:
            part(document, heading)
            text(document, sections.get(key))

    return official_document(
        Letterhead(issuer=ISSUER, number=numbered, on=data["on"], governing_body=None),
        SUMMARY.format(year=data.get("year")),
        body,
        Signature(recipients=RECIPIENTS, titles=SIGNER),
        addressees=ADDRESSEES,
    )


def _date(value: Any) -> str:
    return f"{str(value)[8:10]}/{str(value)[5:7]}/{str(value)[:4]}" if value else ""
