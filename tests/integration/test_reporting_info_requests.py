"""Ad-hoc information requests in the units' figures for a period (Đ8.1d, Đ9.2), fed to
reporting's consumer as the workflow publishes them, and rebuilt from the event log."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import delete

from services.reporting import store
from services.reporting.rebuild import rebuild
from tests.integration.reportingkit import at, get, headers, send, unit

DECEMBER = "/api/reporting/info-requests?period=2026-12"


class Request:
    """One unit's case of an information request, publishing info_request.* events."""

    def __init__(self, service: Any, unit_code: str, opened: str, due: str) -> None:
        self.service, self.unit, self.due = service, unit_code, due
        self.case_id = uuid.uuid4().hex
        self.send("opened", "asked", opened)

    def send(self, event: str, status: str, day: str, due: str | None = None) -> Request:
        self.due = due or self.due
        data = {
            "case_id": self.case_id,
            "kind": "info_request",
            "title": "Đề nghị báo cáo đột xuất: Giải ngân — Tỷ lệ giải ngân",
            "status": status,
            "task_id": None,
            "group_id": "g" * 32,
            "parties": {"asked": [self.unit]},
            "units": [self.unit],
            "due_on": self.due,
            "overdue": date.fromisoformat(day) > date.fromisoformat(self.due),
            "action": event,
            "note": None,
            "details": {},
            "actor": None,
            "occurred_at": at(day).isoformat(),
        }
        send(self.service, f"info_request.{event}", data, at(day))
        return self


@pytest.fixture()
def requests(reporting: Any) -> Iterator[Any]:
    service = reporting
    unit(service, "SO_TC", "Sở Tài chính")
    unit(service, "SO_XD", "Sở Xây dựng")
    Request(service, "SO_TC", "2026-12-01", "2026-12-04").send("answered", "answered", "2026-12-03")
    late = Request(service, "SO_TC", "2026-12-01", "2026-12-04")
    late.send("overdue", "asked", "2026-12-05").send("answered", "answered", "2026-12-08")
    Request(service, "SO_TC", "2026-12-02", "2026-12-05").send("urged", "asked", "2026-12-10")
    Request(service, "SO_XD", "2026-12-10", "2026-12-20")
    Request(service, "SO_XD", "2026-12-01", "2026-12-04").send("closed", "closed", "2026-12-03")
    more = Request(service, "SO_XD", "2026-12-01", "2026-12-04")
    more.send("answered", "answered", "2026-12-03")
    more.send("more_requested", "more_requested", "2026-12-07", due="2026-12-09")
    november = Request(service, "SO_TC", "2026-11-20", "2026-11-25")
    november.send("answered", "answered", "2026-12-02")
    yield service


def figures(row: dict[str, Any]) -> tuple[int, ...]:
    keys = ("received", "answered_on_time", "answered_late", "unanswered_overdue", "pending")
    return tuple(row[key] for key in keys)


def test_d8_1d_a_units_figures_count_requests_received_answered_on_time_late_and_overdue(
    requests: Any,
) -> None:
    body = get(requests, DECEMBER)
    assert (body["from"], body["to"], body["period"]) == ("2026-12-01", "2026-12-31", "2026-12")
    by_unit = {row["unit"]: row for row in body["units"]}
    assert by_unit["SO_TC"]["name"] == "Sở Tài chính"
    assert figures(by_unit["SO_TC"]) == (3, 1, 1, 1, 0)
    # SO_XD: one not yet due, one closed unanswered, one asked for more and overdue again.
    assert figures(by_unit["SO_XD"]) == (3, 0, 0, 1, 1)
    assert figures(body["totals"]) == (6, 1, 1, 2, 1)


def test_d9_2_requests_are_counted_as_they_stood_at_the_periods_cut_off(requests: Any) -> None:
    november = get(requests, "/api/reporting/info-requests?period=2026-11")
    assert figures(november["totals"]) == (1, 0, 0, 1, 0)  # answered only in December
    early = get(requests, "/api/reporting/info-requests?from=2026-12-01&to=2026-12-03")
    by_unit = {row["unit"]: row for row in early["units"]}
    assert figures(by_unit["SO_TC"]) == (3, 1, 0, 0, 2)


def test_d8_1d_a_unit_sees_only_its_own_request_figures(requests: Any) -> None:
    mine = get(requests, DECEMBER, "unit_head", "SO_TC")
    assert [row["unit"] for row in mine["units"]] == ["SO_TC"]
    other = requests.client.get(f"{DECEMBER}&unit=SO_XD", headers=headers("unit_head", "SO_TC"))
    assert other.status_code == 403
    assert get(requests, f"{DECEMBER}&unit=SO_XD")["totals"]["received"] == 3


def test_d8_1d_a_rebuild_from_the_event_log_gives_the_same_request_figures(requests: Any) -> None:
    live = get(requests, DECEMBER), get(requests, "/api/reporting/stats?period=2026-12")
    with requests.runtime.platform.database.transaction() as conn:
        conn.execute(delete(store.info_request_facts))
    assert get(requests, DECEMBER) != live[0]
    rebuild(requests.runtime.platform)
    assert (get(requests, DECEMBER), get(requests, "/api/reporting/stats?period=2026-12")) == live
