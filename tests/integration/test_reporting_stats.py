"""Reporting's read model and statistics, fed with events as the bus would (docs/counting.md)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from shared.calendar import TZ
from shared.events import encode, make_event
from tests.integration.reportingkit import NOW, at, headers


class Task:
    """Sends the events of one task's life to the consumer, as the workflow would."""

    def __init__(self, service: Any, unit: str, assigned: date, due: date | None) -> None:
        self.service = service
        self.data = {
            "task_id": uuid.uuid4().hex,
            "document_id": "d" * 32,
            "lead_unit": unit,
            "coordinating_units": [],
            "due_on": due and due.isoformat(),
            "assigned_on": assigned.isoformat(),
            "assigned_by": "chu_tich",
            "content": "Nhiệm vụ",
        }
        self.send(
            "task.assigned",
            "assigned",
            datetime.combine(assigned, datetime.min.time(), tzinfo=TZ) + timedelta(hours=9),
        )

    def send(self, event_type: str, status: str, at: datetime, overdue: bool = False) -> None:
        data = {**self.data, "status": status, "overdue": overdue, "occurred_at": at.isoformat()}
        body = encode(make_event(event_type, data, source="/test", time=at))
        assert self.service.consumer.process(body.encode(), {}) == "applied"


def stats(service: Any, start: str, end: str, unit: str | None = None) -> dict[str, Any]:
    query = f"/api/reporting/stats?from={start}&to={end}" + (f"&unit={unit}" if unit else "")
    answer = service.client.get(query, headers=headers())
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def test_the_four_national_categories_and_undated_tasks_are_counted_apart(reporting: Any) -> None:
    on_time = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    on_time.send("task.completed", "completed", at("2026-11-20", 16))
    late = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 10))
    late.send("task.completed", "completed", at("2026-11-12"))
    Task(reporting, "SO_TC", date(2026, 11, 3), date(2026, 12, 31))
    Task(reporting, "SO_XD", date(2026, 11, 3), date(2026, 11, 30))
    undated = Task(reporting, "SO_XD", date(2026, 11, 4), None)
    undated.send("task.completed", "completed", at("2026-11-25"))
    Task(reporting, "SO_XD", date(2026, 11, 5), None)

    figures = stats(reporting, "2026-11-01", "2026-11-30")
    assert figures["totals"] == {
        "completed_on_time": 1,
        "completed_late": 1,
        "in_progress_on_time": 2,
        "in_progress_overdue": 0,
        "undated_completed": 1,
        "undated_in_progress": 1,
        "total": 6,
        "on_time_rate": 0.5,
    }
    assert [u["unit"] for u in figures["units"]] == ["SO_TC", "SO_XD"]


def test_the_cut_off_is_the_end_of_to_or_now_if_earlier(reporting: Any) -> None:
    task = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    task.send("task.completed", "completed", at("2026-11-25"))

    before = stats(reporting, "2026-11-01", "2026-11-15")["totals"]
    assert before["in_progress_on_time"] == 1 and before["completed_late"] == 0
    overdue = stats(reporting, "2026-11-01", "2026-11-22")["totals"]
    assert overdue["in_progress_overdue"] == 1
    after = stats(reporting, "2026-11-01", "2027-03-31")
    assert after["totals"]["completed_late"] == 1
    assert after["as_of"] == NOW.isoformat()


def test_rework_on_an_overdue_task_is_not_completed_on_time_D5_2b(reporting: Any) -> None:
    task = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    task.send("task.result_submitted", "submitted", at("2026-11-19"))
    task.send("task.rework_requested", "rework", at("2026-11-23"), overdue=True)
    task.send("task.result_submitted", "submitted", at("2026-11-24"))
    task.send("task.completed", "completed", at("2026-11-24", 15))
    totals = stats(reporting, "2026-11-01", "2026-11-30")["totals"]
    assert totals["completed_on_time"] == 0 and totals["completed_late"] == 1


def test_a_withdrawn_task_is_not_counted(reporting: Any) -> None:
    task = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    task.send("task.withdrawn", "withdrawn", at("2026-11-05"))
    assert stats(reporting, "2026-11-01", "2026-11-30")["totals"]["total"] == 0
    assert stats(reporting, "2026-11-01", "2026-11-03")["totals"]["total"] == 1


def test_a_late_arriving_older_event_does_not_undo_a_newer_one(reporting: Any) -> None:
    task = Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    task.send("task.completed", "completed", at("2026-11-10"))
    task.send("task.accepted", "in_progress", at("2026-11-03"))
    assert stats(reporting, "2026-11-01", "2026-11-30")["totals"]["completed_on_time"] == 1


def test_unit_people_see_only_their_own_units_figures(reporting: Any) -> None:
    Task(reporting, "SO_TC", date(2026, 11, 2), date(2026, 11, 20))
    Task(reporting, "SO_XD", date(2026, 11, 2), date(2026, 11, 20))
    query = "/api/reporting/stats?from=2026-11-01&to=2026-11-30"
    mine = reporting.client.get(query, headers=headers("unit_head", "SO_TC")).get_json()
    assert [u["unit"] for u in mine["units"]] == ["SO_TC"]
    other = reporting.client.get(query + "&unit=SO_XD", headers=headers("unit_head", "SO_TC"))
    assert other.status_code == 403


def test_from_after_to_is_a_422(reporting: Any) -> None:
    answer = reporting.client.get(
        "/api/reporting/stats?from=2026-12-01&to=2026-11-01", headers=headers()
    )
    assert answer.status_code == 422
