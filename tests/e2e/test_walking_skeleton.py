"""One task through all four services, over HTTP, on both profiles (embedded and distributed)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest

from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document, stats_for

pytestmark = pytest.mark.e2e


def test_a_released_task_travels_from_intake_to_a_confirmed_completion(system: Client) -> None:
    office = system.token("office", "VP_UBND")
    officer = system.token("unit_officer", "SO_TC")
    correlation = uuid.uuid4().hex

    created = system.call(
        "POST",
        "/api/intake/documents",
        office,
        json=a_document(),
        headers={"X-Correlation-Id": correlation},
    )
    assert created.status_code == 201, created.text
    document = created.json()
    assert document["status"] == "released"
    assert document["type_label"] == "Công văn"
    task_id = document["tasks"][0]["id"]

    def assigned() -> dict | None:
        answer = system.call("GET", f"/api/workflow/tasks/{task_id}", officer)
        return answer.json() if answer.status_code == 200 else None

    task = system.wait_for(assigned, "the workflow to assign the task")
    assert task["status"] == "assigned"
    assert task["overdue"] is False and task["extension_pending"] is False
    assert set(task["actions"]) == {"accept", "return"}

    def inbox_item() -> dict | None:
        items = system.call("GET", "/api/notify/inbox", officer).json()["items"]
        return next((i for i in items if i["task_id"] == task_id), None)

    item = system.wait_for(inbox_item, "the lead unit's inbox item")
    assert item["event_type"] == "task.assigned" and item["read"] is False
    assert "Sở Tài chính" in item["body"]

    counted = system.wait_for(
        lambda: stats_for(system, office, "SO_TC")["in_progress_on_time"] == 1,
        "reporting to count the task in progress",
    )
    assert counted

    for action, token, status in (
        ("accept", officer, "in_progress"),
        ("submit_result", officer, "submitted"),
        ("confirm", office, "completed"),
    ):
        answer = system.call(
            "POST",
            f"/api/workflow/tasks/{task_id}/actions/{action}",
            token,
            json={"note": f"bước {action}"},
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status

    final = system.call("GET", f"/api/workflow/tasks/{task_id}", office).json()
    assert [h["action"] for h in final["history"]] == [
        "assign",
        "accept",
        "submit_result",
        "confirm",
    ]
    # Nothing of the diagram is left; the Office may still find the confirmed result inaccurate
    # and ask the unit to correct it (Đ7.1).
    assert final["actions"] == ["request_correction"]

    totals = system.wait_for(
        lambda: (t := stats_for(system, office, "SO_TC"))["completed_on_time"] == 1 and t,
        "reporting to count the completion",
    )
    assert totals["total"] == 1 and totals["on_time_rate"] == 1.0

    # The request's correlation id followed the task through every service's consumer.
    applied = {
        (r["process"], r["message"])
        for r in system.log_records()
        if r.get("correlation_id") == correlation and r["message"].startswith("applied")
    }
    messages = {message for _process, message in applied}
    assert {"applied task.released", "applied task.assigned"} <= messages
    if "cluster" in vars(system):
        assert {p for p, _m in applied} == {"workflow-worker", "notify-worker", "reporting-worker"}


def test_an_action_the_task_does_not_offer_is_a_409_listing_what_it_offers(
    embedded: Client,
) -> None:
    office = embedded.token("office", "VP_UBND")
    officer = embedded.token("unit_officer", "SO_TC")
    document = embedded.call("POST", "/api/intake/documents", office, json=a_document()).json()
    task_id = document["tasks"][0]["id"]
    embedded.wait_for(
        lambda: embedded.call("GET", f"/api/workflow/tasks/{task_id}", officer).ok, "assignment"
    )

    answer = embedded.call("POST", f"/api/workflow/tasks/{task_id}/actions/submit_result", officer)
    assert answer.status_code == 409
    assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert sorted(answer.json()["actions"]) == ["accept", "return"]


def test_another_units_people_cannot_see_or_act_on_a_task(embedded: Client) -> None:
    office = embedded.token("office", "VP_UBND")
    stranger = embedded.token("unit_officer", "SO_YT")
    document = embedded.call("POST", "/api/intake/documents", office, json=a_document()).json()
    task_id = document["tasks"][0]["id"]
    embedded.wait_for(
        lambda: embedded.call("GET", f"/api/workflow/tasks/{task_id}", office).ok, "assignment"
    )

    assert embedded.call("GET", f"/api/workflow/tasks/{task_id}", stranger).status_code == 403
    answer = embedded.call("POST", f"/api/workflow/tasks/{task_id}/actions/accept", stranger)
    assert answer.status_code == 403
    listed = embedded.call("GET", "/api/workflow/tasks", stranger).json()
    assert all(item["id"] != task_id for item in listed["items"])


def test_every_route_but_health_needs_a_token(embedded: Client) -> None:
    for path in (
        "/api/intake/documents",
        "/api/workflow/tasks",
        "/api/notify/inbox",
        "/api/reporting/stats?from=2026-01-01&to=2026-12-31",
    ):
        answer = embedded.call("GET", path)
        assert answer.status_code == 401, path
        assert answer.headers["Content-Type"].startswith("application/problem+json")
    assert embedded.call("GET", "/healthz").status_code == 200


def test_the_development_clock_moves_forward_and_tasks_fall_overdue(embedded: Client) -> None:
    office = embedded.token("office", "VP_UBND")
    document = embedded.call(
        "POST", "/api/intake/documents", office, json=a_document(due_in_days=3)
    ).json()
    task_id = document["tasks"][0]["id"]
    embedded.wait_for(
        lambda: embedded.call("GET", f"/api/workflow/tasks/{task_id}", office).ok, "assignment"
    )

    before = embedded.call("GET", "/api/admin/clock").json()["now"]
    moved = embedded.call("POST", "/api/admin/clock", json={"advance": "P10D"}).json()["now"]
    assert datetime.fromisoformat(moved) - datetime.fromisoformat(before) >= timedelta(days=10)
    assert moved.endswith("+07:00")

    task = embedded.call("GET", f"/api/workflow/tasks/{task_id}", office).json()
    assert task["overdue"] is True
    overdue = embedded.call("GET", "/api/workflow/tasks?overdue=true", office).json()
    assert task_id in [item["id"] for item in overdue["items"]]
