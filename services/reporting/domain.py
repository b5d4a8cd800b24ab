"""The national reporting categories and the cut-off rules of a statistics request
(docs/counting.md).

Plain functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, timezone
from typing import Any

from shared.calendar import TZ

CATEGORIES = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)
CATEGORY_LABELS = {
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "in_progress_on_time": "Đang thực hiện trong hạn",
    "in_progress_overdue": "Đang thực hiện quá hạn",
    "undated_completed": "Không thời hạn — đã hoàn thành",
    "undated_in_progress": "Không thời hạn — đang thực hiện",
}


def cut_off(to: date, now: datetime) -> datetime:
    """The instant the figures describe: the end of day `to` (local time), or now if earlier."""
    end_of_day = datetime.combine(to + timedelta(days=1), time(0), tzinfo=TZ) - timedelta(
        microseconds=1
    )
    return whole_minute_offset(min(end_of_day, now.astimezone(TZ)))


# The province's offset since 1975; before 1906 the zone database gives Hà Nội's local mean time.
UTC_PLUS_7 = timezone(timedelta(hours=7))


def whole_minute_offset(value: datetime) -> datetime:
    """The same instant with an offset RFC 3339 can write: a local time before 1906 has an offset
    with seconds (+07:06:30, local mean time), which no date-time in JSON may carry; it is given
    in +07:00 instead."""
    offset = value.utcoffset()
    if offset is not None and offset.total_seconds() % 60:
        return value.astimezone(UTC_PLUS_7)
    return value


def with_totals(counts: dict[str, int]) -> dict[str, int | float | None]:
    """Add `total` and `on_time_rate`: tasks finished on time among those whose time has come.

    A dated task's time has come once it is completed or overdue; one still within its deadline
    is not judged yet, and tasks without deadline are counted apart (docs/counting.md).
    """
    row: dict[str, int | float | None] = {name: counts.get(name, 0) for name in CATEGORIES}
    row["total"] = sum(counts.get(name, 0) for name in CATEGORIES)
    judged = (
        counts.get("completed_on_time", 0)
        + counts.get("completed_late", 0)
        + counts.get("in_progress_overdue", 0)
    )
    row["on_time_rate"] = round(counts.get("completed_on_time", 0) / judged, 4) if judged else None
    return row


def is_on_time(completed_on: date, due_on: date, late_rework: bool) -> bool:
    """Completed by the due date, unless it was sent back for rework when already late (Đ5.2b)."""
    return completed_on <= due_on and not late_rework


LEADER_LABELS = {
    "ubnd_tinh": "UBND tỉnh",
    "chu_tich": "Chủ tịch UBND tỉnh",
    "pho_chu_tich": "Phó Chủ tịch UBND tỉnh",
}


def period_range(period: str) -> tuple[date, date]:
    """`2026`, `2026-H1`, `2026-Q4` or `2026-11` as the first and last day of that period."""
    text = period.strip().upper()
    year_text, _, part = text.partition("-")
    if not (len(year_text) == 4 and year_text.isdigit()):
        raise ValueError(period)
    year = int(year_text)
    if not part:
        first_month, months = 1, 12
    elif len(part) == 2 and part[0] == "H" and part[1] in "12":
        first_month, months = 1 + 6 * (int(part[1]) - 1), 6
    elif len(part) == 2 and part[0] == "Q" and part[1] in "1234":
        first_month, months = 1 + 3 * (int(part[1]) - 1), 3
    elif part.isdigit() and 1 <= int(part) <= 12 and len(part) == 2:
        first_month, months = int(part), 1
    else:
        raise ValueError(period)
    start = date(year, first_month, 1)
    end_month = first_month + months
    end = date(year + end_month // 13, (end_month - 1) % 12 + 1, 1) - timedelta(days=1)
    return start, end


# Đ21's order as people read it beside every ranking (ranking_key below applies it).
RANKING_RULE = (
    "Tỷ lệ đúng hạn cao hơn xếp trên; bằng nhau thì nhiều nhiệm vụ hoàn thành đúng hạn hơn; "
    "rồi ít nhiệm vụ đang thực hiện quá hạn hơn; rồi theo mã đơn vị. "
    "Đơn vị chưa có nhiệm vụ đến hạn không được xếp hạng."
)


def months_of(start: date, end: date) -> list[tuple[date, date]]:
    """The calendar months that [start, end] touches, each clipped to [start, end]."""
    found = []
    first = start.replace(day=1)
    while first <= end:
        following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
        found.append((max(first, start), min(following - timedelta(days=1), end)))
        first = following
    return found


def ranking_key(row: dict[str, Any]) -> tuple[Any, ...]:
    """Đ21 order: higher on-time rate, then more completed on time, then fewer still overdue
    (with rate and on-time count equal, the late ones add up the same; a task still overdue
    weighs more than one finished late), then unit code. A unit with nothing judged yet comes
    after every rated one."""
    rate = row["on_time_rate"]
    return (
        rate is None,
        -(rate or 0.0),
        -row["completed_on_time"],
        row["in_progress_overdue"],
        row["unit"],
    )


def ranked(units: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Units in Đ21 order; `rank` is the position among units with a rate, None for the rest."""
    rows = sorted((dict(unit) for unit in units), key=ranking_key)
    for position, row in enumerate(rows, start=1):
        row["rank"] = position if row["on_time_rate"] is not None else None
    return rows


def explanation_reasons(category: str, rework_count: int) -> list[str]:
    """Why a task is on the Đ17.4 list: without a due date and no result yet, late, overdue, or
    sent back for rework more than once."""
    reasons = []
    if category == "undated_in_progress":
        reasons.append("Không có thời hạn, chưa có kết quả")
    if category == "completed_late":
        reasons.append("Hoàn thành quá hạn")
    if category == "in_progress_overdue":
        reasons.append("Đang thực hiện quá hạn")
    if rework_count > 1:
        reasons.append(f"Bị trả lại thực hiện lại {rework_count} lần")
    return reasons
