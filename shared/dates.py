"""The range of every date a person enters, in one place, so that no service accepts a date that
another cannot process (README "Dates people enter").

Each service refuses an out-of-range date where it is received, with 422 naming the field: the
schemas check the supported years (`supported_date`, `supported_year`); the commands, which know
today, the document's issue date or the task's current due date, check the rest with the
functions below, which return the message to show or None.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta

from marshmallow import validate

from shared.config import env_int

FIRST_YEAR = 2000
LAST_YEAR = 2100
EARLIEST = date(FIRST_YEAR, 1, 1)
LATEST = date(LAST_YEAR, 12, 31)
# MAX_DUE_YEARS: how far after a document's issue date (or a task's assignment, or today for a
# case's due date) a due date may lie.
DEFAULT_MAX_DUE_YEARS = 10
MAX_DUE_YEARS_LIMIT = 50
# A statistics or report period given as from/to spans at most this many years (a term of office).
MAX_PERIOD_YEARS = 5
# A document is entered on or after its issue date (Đ6.1); one day absorbs a clock difference with
# the sending system around midnight.
ISSUE_TOLERANCE_DAYS = 1

SUPPORTED_MESSAGE = f"Ngày phải trong khoảng 01/01/{FIRST_YEAR} – 31/12/{LAST_YEAR}."


def supported_date() -> validate.Range:
    """A schema validator: a date within the supported years."""
    return validate.Range(min=EARLIEST, max=LATEST, error=SUPPORTED_MESSAGE)


def supported_year() -> validate.Range:
    return validate.Range(
        min=FIRST_YEAR, max=LAST_YEAR, error=f"Năm phải trong khoảng {FIRST_YEAR}–{LAST_YEAR}."
    )


def is_supported(day: date) -> bool:
    return EARLIEST <= day <= LATEST


def max_due_years(env: Mapping[str, str]) -> int:
    """MAX_DUE_YEARS (default 10): the furthest a due date lies after its issue date."""
    years = env_int(env, "MAX_DUE_YEARS", DEFAULT_MAX_DUE_YEARS)
    if not 1 <= years <= MAX_DUE_YEARS_LIMIT:
        raise ValueError(f"MAX_DUE_YEARS must be between 1 and {MAX_DUE_YEARS_LIMIT}, got {years}")
    return years


def years_after(day: date, years: int) -> date:
    """The same day `years` later (29 February becomes 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def vn(day: date) -> str:
    return f"{day:%d/%m/%Y}"


def issue_date_problem(issued_on: date, today: date) -> str | None:
    """A document is entered once issued: its issue date is not after today."""
    if issued_on > today + timedelta(days=ISSUE_TOLERANCE_DAYS):
        return f"Ngày ban hành không được sau hôm nay ({vn(today)})."
    return None


def due_date_problem(due_on: date, issued_on: date, years: int) -> str | None:
    """A task's due date: not before its document's issue date, at most `years` after it."""
    if due_on < issued_on:
        return "Hạn xử lý không được trước ngày ban hành."
    latest = years_after(issued_on, years)
    if due_on > latest:
        return f"Hạn xử lý không được quá {years} năm sau ngày ban hành (đến {vn(latest)})."
    return None


def ahead_problem(due_on: date, today: date, years: int, since: date | None = None) -> str | None:
    """A due date set now (a case's, an extension's): not in the past, at most `years` after
    `since` (default today)."""
    if due_on < today:
        return f"Hạn không được trước hôm nay ({vn(today)})."
    latest = years_after(since or today, years)
    if due_on > latest:
        return f"Hạn không được sau {vn(latest)} (tối đa {years} năm)."
    return None


def span_problem(start: date, end: date) -> str | None:
    """A period from `start` to `end`: in order and at most MAX_PERIOD_YEARS long."""
    if end < start:
        return "Ngày kết thúc không được trước ngày bắt đầu."
    if end >= years_after(start, MAX_PERIOD_YEARS):
        return f"Khoảng thời gian không được dài quá {MAX_PERIOD_YEARS} năm."
    return None
