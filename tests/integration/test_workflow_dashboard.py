"""The unit heads' and the Office's dashboard (Đ7.2a, Đ7.2c), through the workflow API on SQLite."""

from __future__ import annotations

from typing import Any

from services.workflow.kinds import periodic_reports
from tests.integration import workflowkit
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    act,
    auth,
    release,
)

LEAD_HEAD = auth("unit_head", "SO_TC")
LEADER = auth("leader", None)
INSPECTOR = auth("inspector", None)


def dashboard(service: Any, who: dict[str, str], query: str = "") -> Any:
    return service.client.get(f"/api/workflow/dashboard{query}", headers=who)


def seed(service: Any) -> dict[str, str]:
    """SO_TC leads three tasks (one overdue, one awaiting an extension decision, one completed),
    SO_XD one assigned by a Vice-Chairman; SO_XD has reported SO_TC (an open feedback) and the
    Office asked SO_TC for information (an open info request)."""
    overdue = release(service, due_on="2026-11-25")
    extension = release(service)
    act(service, extension, "accept", LEAD)
    asked = act(service, extension, "request_extension", LEAD, new_due_on="2027-01-15", reason="x")
    assert asked.status_code == 200, asked.get_json()
    done = release(service)
    act(service, done, "accept", LEAD)
    act(service, done, "submit_result", LEAD, note="Xong")
    assert act(service, done, "confirm", OFFICE).get_json()["status"] == "completed"
    other = release(service, lead_unit="SO_XD", coordinating_units=[], assigned_by="pho_chu_tich")
    feedback = {"task_id": overdue, "about_unit": "SO_TC", "problem": "late", "description": "x"}
    assert service.client.post("/api/workflow/feedback", json=feedback, headers=COORDINATOR)
    info = {"subject": "topic", "topic": "Vốn", "question": "?", "units": ["SO_TC"]}
    info["due_on"] = "2026-12-10"
    assert service.client.post("/api/workflow/info-requests", json=info, headers=OFFICE)
    return {"overdue": overdue, "extension": extension, "done": done, "other": other}


def test_d7_2a_a_unit_head_sees_the_units_tasks_by_status_and_its_open_cases(
    workflow: Any,
) -> None:
    seed(workflow)
    answer = dashboard(workflow, LEAD_HEAD)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["unit"] == "SO_TC" and body["as_of"] == "2026-12-01"
    assert [row["unit"] for row in body["units"]] == ["SO_TC"]
    figures = body["units"][0]
    assert figures["by_status"] == {"assigned": 1, "in_progress": 1, "completed": 1}
    assert (figures["tasks"], figures["open"], figures["overdue"]) == (3, 2, 1)
    assert (figures["extension_pending"], figures["progress_due"]) == (1, 0)
    assert figures["open_cases"] == {"feedback": 1, "info_request": 1}
    assert body["totals"]["tasks"] == 3
    assert dashboard(workflow, LEAD, "?unit=SO_TC").status_code == 200


def test_d7_2a_unit_staff_see_only_their_unit(workflow: Any) -> None:
    seed(workflow)
    assert dashboard(workflow, LEAD_HEAD, "?unit=SO_XD").status_code == 403
    assert dashboard(workflow, INSPECTOR).status_code == 403
    theirs = dashboard(workflow, COORDINATOR).get_json()
    assert [row["unit"] for row in theirs["units"]] == ["SO_XD"]
    assert theirs["units"][0]["open_cases"] == {"feedback": 1}  # the feedback it sent


def test_d7_2c_the_office_sees_every_unit_and_filters_by_unit_and_assigning_leader(
    workflow: Any,
) -> None:
    seed(workflow)
    body = dashboard(workflow, OFFICE).get_json()
    assert [row["unit"] for row in body["units"]] == ["SO_TC", "SO_XD"]
    assert body["totals"]["tasks"] == 4
    assert body["totals"]["by_status"] == {"assigned": 2, "in_progress": 1, "completed": 1}
    assert body["totals"]["open_cases"] == {"feedback": 1, "info_request": 1}
    assert body["units"][1]["open_cases"] == {"feedback": 1}

    vice = dashboard(workflow, LEADER, "?leader=pho_chu_tich").get_json()
    assert [(r["unit"], r["tasks"]) for r in vice["units"]] == [("SO_XD", 1)]
    assert vice["totals"]["open_cases"] == {}  # neither case concerns that leader's tasks
    chairman = dashboard(workflow, OFFICE, "?leader=chu_tich&unit=SO_TC").get_json()
    assert chairman["totals"]["tasks"] == 3
    assert chairman["totals"]["open_cases"] == {"feedback": 1}  # about a Chairman's task
    empty = dashboard(workflow, OFFICE, "?unit=SO_YT").get_json()
    assert empty["units"] == [{"unit": "SO_YT", **empty["totals"]}]


@workflowkit.using(workflowkit.POSTGRESQL, "postgresql")
def test_d7_2c_the_dashboard_counts_the_same_on_postgresql(workflow: Any) -> None:
    seed(workflow)
    body = dashboard(workflow, OFFICE).get_json()
    assert [(r["unit"], r["tasks"], r["overdue"]) for r in body["units"]] == [
        ("SO_TC", 3, 1),
        ("SO_XD", 1, 0),
    ]
    assert body["totals"]["open_cases"] == {"feedback": 1, "info_request": 1}
    mine = dashboard(workflow, LEAD_HEAD, "?leader=chu_tich").get_json()
    assert mine["units"][0]["open_cases"] == {"feedback": 1}  # the request is about no task


def test_d7_2c_a_case_for_every_unit_is_counted_once_in_the_totals_not_as_a_unit_row(
    workflow: Any,
) -> None:
    assert periodic_reports.open_upcoming(workflow)  # the coming Đ18 period names every unit
    office = dashboard(workflow, OFFICE).get_json()
    assert office["totals"]["open_cases"] == {"periodic_report": 1}
    assert "*" not in {row["unit"] for row in office["units"]}
