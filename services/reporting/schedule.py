"""The Đ18 schedule: reporting's clock-driven job that makes each period's report once, when due.

Units report their quarterly figures by the 20th of the quarter's last month, the half-year's by
20 May and the year's by 20 November (Đ18.1); once that day has passed (from the 21st, local
time) the job stores the period's report, named as `POST /api/reporting/reports` names it
(`2026-Q4`, `2026-H1`, `2026`). The Office's summary is due by the 25th (25 December for the year,
Đ18.2): it is this same report, made on the 21st, so it is not a separate kind.

Only the latest due period of each kind is made: a worker that was down catches up on it, a new
installation does not fill years of empty history. The key `units:<period>` is unique in the
table, so two workers, a restart or a second round never make a report twice.
"""

from __future__ import annotations

import logging
from datetime import date
from typing import Any

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from services.reporting import domain, reports
from services.reporting.service import ReportingService
from services.reporting.store import reports as reports_table
from shared.calendar import local_date
from shared.loops import BackgroundLoop

log = logging.getLogger(__name__)

KIND = "units"
DEADLINE_DAY = 20
SUB = "system:reporting-schedule"
ACTOR = {"sub": SUB, "name": "Lịch báo cáo Đ18", "role": None, "unit": None}


def due_periods(today: date) -> list[str]:
    """The latest quarter, half-year and year whose Đ18 deadline is before `today`."""
    due: list[str] = []
    candidates = {
        "quarter": [
            (date(y, 3 * q, DEADLINE_DAY), f"{y}-Q{q}")
            for y in (today.year - 1, today.year)
            for q in (1, 2, 3, 4)
        ],
        "half_year": [(date(y, 5, DEADLINE_DAY), f"{y}-H1") for y in (today.year - 1, today.year)],
        "year": [(date(y, 11, DEADLINE_DAY), f"{y}") for y in (today.year - 1, today.year)],
    }
    for dated in candidates.values():
        passed = [(deadline, period) for deadline, period in dated if deadline < today]
        if passed:
            due.append(max(passed)[1])
    return due


def schedule_key(period: str) -> str:
    return f"{KIND}:{period}"


class ReportSchedule(BackgroundLoop):
    """Makes what `due_periods` says is due; woken by a moved clock in the embedded profile."""

    thread_name = "reporting-d18-schedule"

    def __init__(self, service: ReportingService, poll_seconds: float = 300.0) -> None:
        super().__init__(poll_seconds)
        self.service = service
        self.platform = service.runtime.platform

    def run_round(self) -> None:
        self.run_once()

    def run_once(self) -> list[dict[str, Any]]:
        """Store every due report not stored yet; returns the ones this round made."""
        made = []
        for period in due_periods(local_date(self.platform.clock.now())):
            key = schedule_key(period)
            if self._stored(key):
                continue
            start, end = domain.period_range(period)
            try:
                with self.platform.unit_of_work() as uow:
                    report = reports.store_report(
                        uow, self.service, ACTOR, SUB, period, start, end, key
                    )
            except IntegrityError:  # another worker stored it first
                continue
            log.info("Đ18 report %s generated (%s)", period, report["id"])
            made.append(report)
        return made

    def _stored(self, key: str) -> bool:
        query = select(exists().where(reports_table.c.schedule_key == key))
        with self.platform.database.read() as conn:
            return bool(conn.execute(query).scalar())
