"""The national reporting categories (SPEC §7) and the cut-off rules of a statistics request.

Plain functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

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
    return min(end_of_day, now.astimezone(TZ))


def with_totals(counts: dict[str, int]) -> dict[str, int | float | None]:
    """Add `total` and `on_time_rate`: tasks finished on time among those whose time has come.

    A dated task's time has come once it is completed or overdue; one still within its deadline
    is not judged yet, and tasks without deadline are counted apart (SPEC §7).
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
