"""Reporting's cut-off instant (`as_of`) is always a date-time JSON can carry (RFC 3339)."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import pytest

from services.reporting.domain import cut_off

RFC3339 = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?([+-]\d{2}:\d{2}|Z)$")
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize("day", [date(1, 1, 1), date(1900, 1, 1), date(1905, 12, 31)])
def test_an_as_of_before_1906_has_no_local_mean_time_offset_with_seconds(day: date) -> None:
    as_of = cut_off(day, NOW)
    assert RFC3339.match(as_of.isoformat()), as_of.isoformat()
    assert as_of.isoformat().endswith("+07:00")


def test_a_modern_as_of_is_the_end_of_the_local_day_in_plus_seven() -> None:
    assert cut_off(date(2026, 10, 31), NOW).isoformat() == "2026-10-31T23:59:59.999999+07:00"
    assert cut_off(date(2027, 1, 1), NOW) == NOW
