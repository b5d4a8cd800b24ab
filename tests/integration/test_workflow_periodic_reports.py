"""Periodic-report reminders (Đ18) through the workflow's timer rounds and API, on SQLite; the
units' reminder through notify to every active unit."""

from __future__ import annotations

import threading
from datetime import datetime, time
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.workflow import case_store
from services.workflow.scheduler import TimerScheduler
from shared.calendar import TZ
from shared.events import encode, make_event
from tests.integration import notifykit, workflowkit
from tests.integration.workflowkit import (
    LEAD,
    OFFICE,
    auth,
    outbox_types,
)

LEADER = auth("leader", None)
BASE = "/api/workflow/periodic-reports"


def at(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), time(hour, minute), TZ)


# A Monday, before the first quarter's deadline; no unit in the directory.
BEFORE_Q1 = workflowkit.Setup(clock="adjustable", now=at(2026, 3, 2, 9), units=())
IN_MARCH = workflowkit.using(BEFORE_Q1, "2026-03-02")


def run_at(service: Any, moment: datetime) -> None:
    """Move the clock and run one scheduler round: open the upcoming period, fire due timers."""
    service.clock.set(moment)
    TimerScheduler(service).run_round()


def listed(service: Any, who: dict[str, str] = OFFICE, query: str = "") -> list[dict[str, Any]]:
    answer = service.client.get(f"{BASE}{query}", headers=who)
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["items"])


def one(service: Any, period: str, who: dict[str, str] = OFFICE) -> dict[str, Any]:
    [case] = [c for c in listed(service) if c["data"]["period"] == period]
    answer = service.client.get(f"{BASE}/{case['id']}", headers=who)
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def reminders(service: Any) -> list[str]:
    return [t for t in outbox_types(service) if t.startswith("periodic_report.")]


@IN_MARCH
def test_d18_1_the_system_opens_the_upcoming_period_once_however_often_it_runs(
    workflow: Any,
) -> None:
    assert listed(workflow) == []  # nothing before the scheduler's first round
    TimerScheduler(workflow).run_round()
    TimerScheduler(workflow).run_round()  # a second worker, or a restart
    workflow.clock.on_change(TimerScheduler(workflow).on_clock_change)
    workflow.clock.set(at(2026, 3, 3, 9))
    [case] = listed(workflow)
    assert case["data"]["period"] == "2026-Q1"
    assert (case["status"], case["due_on"], case["open"]) == ("scheduled", "2026-03-19", True)
    assert case["group_id"] == "d18-2026-Q1"
    assert case["created_by"]["sub"] == "system:periodic-reports"
    assert case["data"]["office_due_on"] == "2026-03-24"
    assert reminders(workflow) == []
    # Opened by the system only: no route opens one, and nobody acts on one.
    assert workflow.client.post(BASE, json={}, headers=OFFICE).status_code == 405
    acted = workflow.client.post(f"{BASE}/{case['id']}/actions/close", json={}, headers=OFFICE)
    assert acted.status_code == 404


@IN_MARCH
def test_d18_1_every_unit_is_reminded_5_working_days_before_the_last_day_of_the_quarter(
    workflow: Any,
) -> None:
    TimerScheduler(workflow).run_round()
    # Units send before Fri 20 March 2026: the last day is Thu 19 March, 5 working days before
    # it is Thu 12 March.
    run_at(workflow, at(2026, 3, 12, 7, 59))
    assert reminders(workflow) == []
    run_at(workflow, at(2026, 3, 12, 8))
    assert reminders(workflow) == ["periodic_report.units_reminded"]
    case = one(workflow, "2026-Q1")
    assert (case["status"], case["due_on"]) == ("units_reminded", "2026-03-19")
    assert [h["action"] for h in case["history"]] == ["open", "units_reminded"]
    assert case["history"][-1]["action_label"] == "Nhắc các đơn vị gửi báo cáo định kỳ"
    run_at(workflow, at(2026, 3, 13, 8))
    assert reminders(workflow) == ["periodic_report.units_reminded"]  # once


@IN_MARCH
def test_d18_2_the_office_compiles_after_the_units_deadline_and_is_reminded_2_working_days_before(
    workflow: Any,
) -> None:
    TimerScheduler(workflow).run_round()
    run_at(workflow, at(2026, 3, 12, 8))  # the units' reminder
    run_at(workflow, at(2026, 3, 20, 0))  # the units' deadline has passed
    case = one(workflow, "2026-Q1")
    assert (case["status"], case["due_on"], case["overdue"]) == ("compiling", "2026-03-24", False)
    # The Office submits before Wed 25 March: its last day is Tue 24 March; 2 working days
    # before it is Fri 20 March.
    run_at(workflow, at(2026, 3, 20, 8))
    assert reminders(workflow) == [
        "periodic_report.units_reminded",
        "periodic_report.office_reminded",
    ]
    case = one(workflow, "2026-Q1")
    assert (case["status"], case["open"]) == ("office_reminded", False)
    assert [h["action"] for h in case["history"]] == [
        "open",
        "units_reminded",
        "timer",
        "office_reminded",
    ]


@IN_MARCH
def test_d18_the_next_period_is_opened_after_one_closes_and_none_twice(workflow: Any) -> None:
    TimerScheduler(workflow).run_round()
    run_at(workflow, at(2026, 3, 20, 9))  # Q1 closed; the half-year is next (20 May)
    run_at(workflow, at(2026, 3, 21, 9))
    periods = [c["data"]["period"] for c in listed(workflow)]
    assert sorted(periods) == ["2026-H1", "2026-Q1"]
    assert one(workflow, "2026-H1")["due_on"] == "2026-05-19"
    assert [c["data"]["period"] for c in listed(workflow, query="?open=true")] == ["2026-H1"]


@IN_MARCH
def test_d18_1_d18_2_the_year_report_reminds_units_by_20_november_and_the_office_by_25_december(
    workflow: Any,
) -> None:
    run_at(workflow, at(2026, 9, 21, 9))  # after the third quarter: the year is next
    assert [c["data"]["period"] for c in listed(workflow)] == ["2026"]
    run_at(workflow, at(2026, 11, 12, 8))  # 5 working days before Thu 19 November
    assert reminders(workflow) == ["periodic_report.units_reminded"]
    run_at(workflow, at(2026, 11, 20, 9))  # units' deadline passed: compiling; Q4 is opened
    year = one(workflow, "2026")
    assert (year["status"], year["due_on"]) == ("compiling", "2026-12-24")
    assert one(workflow, "2026-Q4")["due_on"] == "2026-12-19"
    run_at(workflow, at(2026, 12, 14, 8))  # Q4: 5 working days before Sat 19 December
    assert reminders(workflow)[-1] == "periodic_report.units_reminded"
    run_at(workflow, at(2026, 12, 21, 9))
    assert one(workflow, "2026")["open"] is True
    run_at(workflow, at(2026, 12, 22, 8))  # 2 working days before Thu 24 December
    assert reminders(workflow) == [
        "periodic_report.units_reminded",
        "periodic_report.units_reminded",
        "periodic_report.office_reminded",
        "periodic_report.office_reminded",
    ]
    assert one(workflow, "2026")["open"] is False and one(workflow, "2026-Q4")["open"] is False
    assert one(workflow, "2027-Q1")["status"] == "scheduled"


@IN_MARCH
def test_d18_a_period_whose_units_deadline_passed_before_installation_is_not_reminded(
    workflow: Any,
) -> None:
    run_at(workflow, at(2026, 3, 21, 9))
    assert [c["data"]["period"] for c in listed(workflow)] == ["2026-H1"]
    assert reminders(workflow) == []


@IN_MARCH
def test_d18_units_and_leaders_read_the_periodic_reports_but_act_on_none(workflow: Any) -> None:
    TimerScheduler(workflow).run_round()
    for who in (OFFICE, LEADER, LEAD):
        [case] = listed(workflow, who)
        assert case["data"]["period"] == "2026-Q1"
        assert one(workflow, "2026-Q1", who)["actions"] == []
    assert len(listed(workflow, LEAD, "?unit=SO_TC")) == 1
    assert listed(workflow, auth("unit_officer", None)) == []


@IN_MARCH
def test_d18_1_the_units_reminder_reaches_every_active_unit_but_the_office(
    workflow: Any, tmp_path: Path, bus_namespace: str
) -> None:
    TimerScheduler(workflow).run_round()
    run_at(workflow, at(2026, 3, 12, 8))
    outbox = workflow.runtime.platform.tables.outbox
    with workflow.runtime.platform.database.read() as conn:
        body = conn.execute(
            select(outbox.c.body).where(outbox.c.event_type == "periodic_report.units_reminded")
        ).scalar_one()
    notify = notifykit.build(tmp_path / "notify", bus_namespace)
    try:
        for code, active in (("SO_TC", True), ("SO_XD", False), ("VP_UBND", True)):
            unit = {"code": code, "name": code, "kind": "department", "active": active}
            notify.consumer.process(
                encode(make_event("unit.updated", unit, source="/t", time=notifykit.NOW)).encode(),
                {},
            )
        assert notify.consumer.process(body.encode(), {}) == "applied"

        def inbox(unit: str) -> list[dict[str, Any]]:
            who = notifykit.auth("unit_officer", unit)
            return list(notify.client.get("/api/notify/inbox", headers=who).get_json()["items"])

        [item] = inbox("SO_TC")
        assert item["title"] == "Đề nghị gửi báo cáo định kỳ (Điều 18)"
        assert "Hạn: 19/03/2026." in item["body"]
        assert inbox("SO_XD") == [] and inbox("VP_UBND") == []
    finally:
        notify.runtime.platform.stop()


@pytest.mark.services
def test_d18_two_workers_side_by_side_on_postgresql_open_a_period_once(make_workflow: Any) -> None:
    on_postgresql = workflowkit.Setup(**{**BEFORE_Q1.__dict__, "database": "postgresql"})
    services = [make_workflow(on_postgresql) for _ in range(2)]  # one database
    start = threading.Barrier(len(services))

    def round_of(service: Any) -> None:
        start.wait()
        TimerScheduler(service).run_round()

    threads = [threading.Thread(target=round_of, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    with services[0].runtime.platform.database.read() as conn:
        groups = conn.execute(
            select(case_store.cases.c.group_id).where(case_store.cases.c.kind == "periodic_report")
        ).all()
    assert [row.group_id for row in groups] == ["d18-2026-Q1"]
