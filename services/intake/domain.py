"""Intake rules: what a document is, how its number reads, and when the Office must release it.

Plain objects and functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from shared.calendar import WorkingCalendar
from shared.text import nfc

DOCUMENT_TYPES = {
    "quyet_dinh": ("Quyết định", "QĐ"),
    "chi_thi": ("Chỉ thị", "CT"),
    "ke_hoach": ("Kế hoạch", "KH"),
    "chuong_trinh": ("Chương trình", "CTr"),
    "thong_bao": ("Thông báo", "TB"),
    "cong_van": ("Công văn", None),
    "cong_dien": ("Công điện", "CĐ"),
    "nghi_quyet": ("Nghị quyết", "NQ"),
    "quy_dinh": ("Quy định", "QyĐ"),
    "huong_dan": ("Hướng dẫn", "HD"),
    "phuong_an": ("Phương án", "PA"),
    "de_an": ("Đề án", "ĐA"),
    "bao_cao": ("Báo cáo", "BC"),
    "to_trinh": ("Tờ trình", "TTr"),
    "bien_ban": ("Biên bản", "BB"),
}
ASSIGNERS = {
    "ubnd_tinh": "UBND tỉnh",
    "chu_tich": "Chủ tịch UBND tỉnh",
    "pho_chu_tich": "Phó Chủ tịch UBND tỉnh",
}
URGENCIES = {
    "thuong": "Thường",
    "khan": "Khẩn",
    "thuong_khan": "Thượng khẩn",
    "hoa_toc": "Hỏa tốc",
}
CLASSIFIED = {"mat": "Mật", "toi_mat": "Tối mật", "tuyet_mat": "Tuyệt mật"}
CADENCES = {"quarterly": "Hằng quý", "half_yearly": "6 tháng", "yearly": "Hằng năm"}
DOCUMENT_STATUSES = {
    "received": "Đã tiếp nhận, chờ chuyển theo dõi",
    "released": "Đã chuyển theo dõi",
}
UNIT_KINDS = ("office", "department", "commune", "ward", "other")

_ABBREVIATIONS = {abbr for _label, abbr in DOCUMENT_TYPES.values() if abbr}
_NUMBER = re.compile(r"^(?P<seq>[0-9]{1,6})/(?:(?P<year>[0-9]{4})/)?(?P<symbol>[^\s/]+)$")
_SYMBOL_PART = re.compile(r"^[A-ZĐ][A-Za-zĐđ0-9]*$")


class NumberError(ValueError):
    """The number and symbol do not follow Nghị định 30/2020 Phụ lục III."""


@dataclass(frozen=True)
class DocumentNumber:
    sequence: int
    year: int | None
    abbreviation: str | None
    issuer: str


def parse_number(raw: str, document_type: str, issued_on: date) -> DocumentNumber:
    """Read "131/2025/QĐ-UBND" or "12/UBND-VX"; abbreviations are case-sensitive (QĐ, TTr, QyĐ)."""
    text = nfc(raw.strip())
    match = _NUMBER.match(text)
    if match is None:
        raise NumberError(
            "Số, ký hiệu phải có dạng số/ký hiệu, ví dụ 131/2025/QĐ-UBND hoặc 12/UBND-VX."
        )
    parts = match["symbol"].split("-")
    if any(not _SYMBOL_PART.match(part) for part in parts):
        raise NumberError("Ký hiệu văn bản gồm các chữ viết tắt in hoa, nối bằng dấu gạch nối.")
    year = int(match["year"]) if match["year"] else None
    if year is not None and year != issued_on.year:
        raise NumberError(f"Năm trong số ký hiệu ({year}) khác năm ban hành ({issued_on.year}).")
    expected = DOCUMENT_TYPES[document_type][1]
    if expected is None:
        if parts[0] in _ABBREVIATIONS:
            raise NumberError("Công văn không có chữ viết tắt tên loại văn bản (ví dụ 12/UBND-VX).")
        return DocumentNumber(int(match["seq"]), year, None, "-".join(parts))
    if len(parts) < 2 or parts[0] != expected:
        raise NumberError(
            f"Ký hiệu của {DOCUMENT_TYPES[document_type][0]} phải bắt đầu bằng '{expected}-' "
            "(phân biệt chữ hoa, chữ thường)."
        )
    return DocumentNumber(int(match["seq"]), year, expected, "-".join(parts[1:]))


def intake_deadline(
    calendar: WorkingCalendar, issued_on: date, urgency: str, tasks: list[tuple[str, ...]]
) -> date:
    """The last day the Office may release the document (Đ6.1a–c).

    `tasks` holds, per task, the units involved; several tasks for several units is the Đ6.1c case.
    """
    if urgency in ("khan", "thuong_khan", "hoa_toc"):
        return calendar.add_working_days(issued_on, 0)
    units = {unit for task_units in tasks for unit in task_units}
    if len(tasks) > 1 and len(units) > 1:
        return calendar.add_working_days(issued_on, 2)
    return calendar.add_working_days(issued_on, 1)
