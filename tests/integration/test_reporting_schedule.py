"""The Đ18 schedule: each period's report made once, automatically, when its deadline has passed."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.reporting.app import create_service
from services.reporting.consumer import create_scheduler
from services.reporting.schedule import due_periods
from shared.calendar import TZ
from shared.clock import AdjustableClock
from tests.integration.reportingkit import SECRET, Task, at, headers, unit
from tests.polling import wait_for


@pytest.fixture()
def reporting(reporting: Any) -> Iterator[Any]:
    unit(reporting, "SO_TC", "Sở Tài chính")
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20").complete(at("2026-11-19"))
    Task(reporting, "SO_TC", "2026-07-06", "2026-08-20").complete(at("2026-08-24"))
    yield reporting


def periods(service: Any) -> list[str]:
    listed = service.client.get("/api/reporting/reports?limit=50", headers=headers()).get_json()
    return sorted(item["period"] for item in listed["items"])


def test_the_latest_quarter_half_year_and_year_past_their_20th_are_due_D18() -> None:
    assert due_periods(date(2026, 12, 15)) == ["2026-Q3", "2026-H1", "2026"]
    assert due_periods(date(2026, 12, 20)) == ["2026-Q3", "2026-H1", "2026"]
    assert due_periods(date(2026, 12, 21)) == ["2026-Q4", "2026-H1", "2026"]
    assert due_periods(date(2027, 1, 10)) == ["2026-Q4", "2026-H1", "2026"]
    assert due_periods(date(2027, 5, 21)) == ["2027-Q1", "2027-H1", "2026"]
    assert due_periods(date(2027, 11, 21)) == ["2027-Q3", "2027-H1", "2027"]


def test_the_schedule_makes_each_due_report_once_and_audits_it_D18(reporting: Any) -> None:
    schedule = create_scheduler(reporting)
    made = schedule.run_once()
    assert sorted(report["period"] for report in made) == ["2026", "2026-H1", "2026-Q3"]
    assert schedule.run_once() == [] and create_scheduler(reporting).run_once() == []
    assert periods(reporting) == ["2026", "2026-H1", "2026-Q3"]
    quarter = next(report for report in made if report["period"] == "2026-Q3")
    assert (quarter["from"], quarter["to"]) == (date(2026, 7, 1), date(2026, 9, 30))
    assert quarter["totals"]["completed_late"] == 1
    assert quarter["generated_by"] == "system:reporting-schedule"
    with reporting.runtime.platform.database.read() as conn:
        audit = reporting.runtime.platform.audit_log.table
        rows = conn.execute(select(audit.c.action, audit.c.entity_id, audit.c.changes)).all()
    generated = [row for row in rows if row.action == "report.generated"]
    assert sorted(row.entity_id for row in generated) == sorted(r["id"] for r in made)
    assert "units:2026-Q3" in str([row.changes for row in generated])


def test_the_quarter_report_comes_due_after_the_20th_of_its_last_month_D18(
    reporting: Any,
) -> None:
    schedule = create_scheduler(reporting)
    schedule.run_once()
    reporting.runtime.platform.clock.advance(timedelta(days=5))  # 2026-12-20: not yet
    assert schedule.run_once() == []
    reporting.runtime.platform.clock.advance(timedelta(days=1))  # 2026-12-21
    assert [report["period"] for report in schedule.run_once()] == ["2026-Q4"]
    assert "2026-Q4" in periods(reporting)


def test_a_report_made_by_hand_does_not_stop_the_schedule_making_its_own_D18(
    reporting: Any,
) -> None:
    answer = reporting.client.post(
        "/api/reporting/reports", json={"period": "2026-Q3"}, headers=headers()
    )
    assert answer.status_code == 201
    assert "2026-Q3" in [r["period"] for r in create_scheduler(reporting).run_once()]


def test_moving_the_dev_clock_wakes_the_schedule_D18(tmp_path: Path, bus_namespace: str) -> None:
    clock = AdjustableClock(datetime(2026, 12, 20, 12, 0, tzinfo=TZ))
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": bus_namespace}
    service = create_service(env, clock=clock)
    service.migrate()
    schedule = create_scheduler(service)
    schedule.poll_seconds = 3600.0
    clock.on_change(schedule.wake)
    schedule.start()
    try:
        clock.set(datetime(2026, 12, 21, 0, 5, tzinfo=TZ))
        wait_for(lambda: _stored(service, "units:2026-Q4"), 30, "the Q4 units report")
    finally:
        schedule.stop()
        service.runtime.platform.stop()


def _stored(service: Any, key: str) -> bool:
    from services.reporting.store import reports

    with service.runtime.platform.database.read() as conn:
        return (
            conn.execute(select(reports.c.id).where(reports.c.schedule_key == key)).first()
            is not None
        )
