"""Reporting periods (Đ18.1) as people say them."""

from __future__ import annotations

_QUARTERS = {"1": "I", "2": "II", "3": "III", "4": "IV"}


def period_label(period: str) -> str | None:
    """A reporting period's key in words: "2026-Q4" → "quý IV năm 2026", "2026-H1" → "6 tháng
    đầu năm 2026", "2026-11" → "tháng 11 năm 2026", "2026" → "năm 2026" (Đ18.1); None for any
    other (a range "2026-10-01..2026-12-31" is said by its dates)."""
    year, _, part = str(period).strip().upper().partition("-")
    if not (len(year) == 4 and year.isdigit()):
        return None
    if not part:
        return f"năm {year}"
    if part in ("H1", "H2"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    if part[:1] == "Q" and part[1:] in _QUARTERS:
        return f"quý {_QUARTERS[part[1:]]} năm {year}"
    if part.isdigit() and 1 <= int(part) <= 12:
        return f"tháng {int(part)} năm {year}"
    return None
