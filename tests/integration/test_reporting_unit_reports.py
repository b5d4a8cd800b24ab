"""Which units sent their periodic report, on time or late, and which did not (Đ18.1), fed to
reporting's consumer as the workflow publishes unit_report.* events, and rebuilt from the log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from services.reporting.rebuild import rebuild
from tests.integration.reportingkit import at, get, headers, send, unit

BASE = "/api/reporting/unit-reports"


class Report:
    """One unit's report case for a period, publishing unit_report.* events."""

    def __init__(self, service: Any, unit_code: str, period: str) -> None:
        self.service, self.unit, self.period = service, unit_code, period
        self.case_id = uuid.uuid4().hex

    def send(self, event: str, status: str, day: str) -> Report:
        data = {
            "case_id": self.case_id,
            "kind": "unit_report",
            "title": f"Báo cáo {self.period}",
            "status": status,
            "task_id": None,
            "group_id": f"d18-{self.period}",
            "parties": {"reporter": [self.unit]},
            "units": [self.unit],
            "due_on": None,
            "overdue": False,
            "action": event,
            "note": None,
            "details": {},
            "actor": None,
            "occurred_at": at(day).isoformat(),
        }
        send(self.service, f"unit_report.{event}", data, at(day))
        return self


@pytest.fixture()
def reports(reporting: Any) -> Iterator[Any]:
    service = reporting  # its clock: 2026-12-15
    unit(service, "SO_TC", "Sở Tài chính")
    unit(service, "SO_XD", "Sở Xây dựng")
    unit(service, "XA_A", "Xã A")
    office = {"code": "VP_UBND", "name": "Văn phòng UBND tỉnh", "kind": "office", "active": True}
    send(service, "unit.updated", office, at("2026-01-01"))
    q4 = Report(service, "SO_TC", "2026-Q4").send("submitted", "submitted", "2026-12-10")
    q4.send("returned", "returned", "2026-12-11").send("submitted", "submitted", "2026-12-14")
    q4.send("accepted", "accepted", "2026-12-15")
    Report(service, "XA_A", "2026-Q4").send("submitted", "submitted", "2026-12-12")
    Report(service, "SO_TC", "2026-Q3").send("submitted", "submitted_late", "2026-09-20")
    yield service


def standings(body: dict[str, Any]) -> dict[str, str]:
    return {row["unit"]: row["standing"] for row in body["units"]}


def test_units_that_reported_on_time_or_not_yet_while_the_period_runs_D18_1(
    reports: Any,
) -> None:
    body = get(reports, f"{BASE}?period=2026-Q4")
    assert body["units_due_on"] == "2026-12-19"  # "trước ngày 20"
    assert standings(body) == {"SO_TC": "on_time", "SO_XD": "pending", "XA_A": "on_time"}
    tc = next(row for row in body["units"] if row["unit"] == "SO_TC")
    assert (tc["name"], tc["submitted_on"], tc["returns"]) == ("Sở Tài chính", "2026-12-10", 1)
    assert (tc["report_status"], tc["accepted_on"]) == ("accepted", "2026-12-15")
    assert tc["report_status_label"] == "Văn phòng đã tiếp nhận"
    assert body["totals"] == {
        "units": 3,  # the Office compiles (Đ18.2): it is not one of the units reporting
        "on_time": 2,
        "late": 0,
        "not_reported": 0,
        "pending": 1,
        "accepted": 1,
    }


def test_units_that_reported_late_or_not_at_all_once_the_19th_has_passed_D18_1(
    reports: Any,
) -> None:
    body = get(reports, f"{BASE}?period=2026-Q3")
    assert body["units_due_on"] == "2026-09-19"
    assert standings(body) == {"SO_TC": "late", "SO_XD": "not_reported", "XA_A": "not_reported"}
    assert body["labels"]["not_reported"] == "Không gửi báo cáo"
    assert (body["totals"]["late"], body["totals"]["not_reported"]) == (1, 2)
    year = get(reports, f"{BASE}?period=2026")
    assert year["units_due_on"] == "2026-11-19"
    assert set(standings(year).values()) == {"not_reported"}
    assert get(reports, f"{BASE}?period=2026-H1")["units_due_on"] == "2026-05-19"


def test_a_unit_sees_only_its_own_report_standing_D18_1(reports: Any) -> None:
    mine = get(reports, f"{BASE}?period=2026-Q4", "unit_officer", "SO_XD")
    assert standings(mine) == {"SO_XD": "pending"}
    other = reports.client.get(
        f"{BASE}?period=2026-Q4&unit=SO_TC", headers=headers("unit_officer", "SO_XD")
    )
    assert other.status_code == 403
    assert get(reports, f"{BASE}?period=2026-Q4&unit=SO_TC", "leader", None)["totals"]["units"] == 1
    for period in ("2026-11", "0000-Q1", "9999"):
        refused = reports.client.get(f"{BASE}?period={period}", headers=headers())
        assert refused.status_code == 422 and "period" in refused.get_json()["errors"]


def test_a_rebuild_from_the_event_log_gives_the_same_report_standings_D18_1(
    reports: Any,
) -> None:
    before = [get(reports, f"{BASE}?period={p}") for p in ("2026-Q4", "2026-Q3")]
    rebuild(reports.runtime.platform)
    assert [get(reports, f"{BASE}?period={p}") for p in ("2026-Q4", "2026-Q3")] == before
