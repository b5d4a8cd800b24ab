"""Counting by the unit's result, end to end (Đ5.2b, Đ6.2a, Đ5.1b): the workflow, reporting and
the Office's own figure agree on when a unit finished, on both profiles."""

from __future__ import annotations

from datetime import datetime, timedelta
from datetime import time as clock_time

import pytest

from shared.calendar import TZ, WorkingCalendar, local_date
from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document, advance_to

pytestmark = pytest.mark.e2e


def release_one(client: Client, office: str, officer: str, due_in_days: int) -> tuple[str, str]:
    """A released task for SO_TC, accepted; returns its id and due date."""
    document = a_document(due_in_days=due_in_days)
    created = client.call("POST", "/api/intake/documents", office, json=document)
    assert created.status_code == 201, created.text
    task_id = created.json()["tasks"][0]["id"]
    client.wait_for(
        lambda: client.call("GET", f"/api/workflow/tasks/{task_id}", officer).ok, "the assignment"
    )
    act(client, task_id, "accept", officer)
    return task_id, document["tasks"][0]["due_on"]


def act(client: Client, task_id: str, action: str, token: str) -> dict:
    answer = client.call("POST", f"/api/workflow/tasks/{task_id}/actions/{action}", token)
    assert answer.status_code == 200, answer.text
    return answer.json()


def counted(client: Client, office: str, task_id: str, span: str) -> dict | None:
    rows = client.call("GET", f"/api/reporting/stats/tasks?{span}&unit=SO_TC&limit=500", office)
    assert rows.status_code == 200, rows.text
    return next((row for row in rows.json()["items"] if row["task_id"] == task_id), None)


def test_a_confirmed_result_counts_from_its_submission_on_both_profiles_D5_2b(
    shared_system: Client,
) -> None:
    client = shared_system
    office = client.token("office", "VP_UBND")
    officer = client.token("unit_officer", "SO_TC")
    task_id, _ = release_one(client, office, officer, due_in_days=10)
    submitted = act(client, task_id, "submit_result", officer)
    today = local_date(datetime.now(TZ)).isoformat()
    assert submitted["submitted_on"] == today and submitted["overdue"] is False
    shown = client.call("GET", f"/api/workflow/tasks/{task_id}", office).json()
    assert shown["awaiting_confirmation_days"] == 0
    act(client, task_id, "confirm", office)
    span = f"from={today}&to={today}"
    row = client.wait_for(
        lambda: (r := counted(client, office, task_id, span)) and r["status"] == "completed" and r,
        "reporting to count the confirmed task",
    )
    assert (row["category"], row["completed_on"]) == ("completed_on_time", today)
    assert row["content"] and row["lead_unit_name"] == "Sở Tài chính"
    lag = client.call("GET", f"/api/reporting/confirmation-lag?{span}", office).json()
    assert lag["totals"]["confirmed"] >= 1 and lag["totals"]["median_days"] == 0


def test_the_office_confirming_after_the_due_date_does_not_make_the_unit_late_D5_2b(
    embedded: Client,
) -> None:
    office = embedded.token("office", "VP_UBND")
    officer = embedded.token("unit_officer", "SO_TC")
    task_id, due = release_one(embedded, office, officer, due_in_days=7)
    due_on = datetime.fromisoformat(due).date()
    advance_to(embedded, datetime.combine(due_on, clock_time(15), TZ))
    act(embedded, task_id, "submit_result", officer)
    calendar = WorkingCalendar.default()
    later = calendar.add_working_days(due_on, 2)
    advance_to(embedded, datetime.combine(later, clock_time(9), TZ))
    waiting = embedded.call("GET", f"/api/workflow/tasks/{task_id}", office).json()
    assert waiting["overdue"] is False and waiting["awaiting_confirmation_days"] == 2
    start = (due_on - timedelta(days=30)).isoformat()
    span = f"from={start}&to={later.isoformat()}"
    # The row exists from the release on; wait for the submission to reach reporting.
    row = embedded.wait_for(
        lambda: (
            (r := counted(embedded, office, task_id, span)) and r["status"] == "submitted" and r
        ),
        "reporting to count the submitted result",
    )
    assert row["category"] == "in_progress_on_time"
    act(embedded, task_id, "confirm", office)
    row = embedded.wait_for(
        lambda: (
            (r := counted(embedded, office, task_id, span)) and r["status"] == "completed" and r
        ),
        "reporting to count the confirmation",
    )
    assert (row["category"], row["completed_on"]) == ("completed_on_time", due)
    lag = embedded.call("GET", f"/api/reporting/confirmation-lag?{span}", office).json()
    assert lag["totals"]["decided"] == 1 and lag["totals"]["median_days"] == 2
