"""`GET /api/workflow/queues`: every queue of a home page in one answer, each the same as the list
it stands for (GET /api/workflow/tasks with its filters, a case kind's open list in its
statuses)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event

from services.workflow.routes.queues import OFFICE_CASES
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    STRANGER,
    act,
    auth,
    on_both_databases,
    open_feedback,
    release,
)

pytestmark = on_both_databases()


def _get(service: Any, path: str, who: dict[str, str]) -> Any:
    answer = service.client.get(path, headers=who)
    assert answer.status_code == 200, answer.get_json()
    return answer.get_json()


def _listed(service: Any, query: str, who: dict[str, str]) -> dict[str, Any]:
    page = _get(service, f"/api/workflow/tasks?{query}", who)
    return {"total": page["total"], "items": page["items"]}


def test_the_office_s_queues_are_its_task_and_case_lists_in_one_answer(workflow: Any) -> None:
    returned, submitted, extended, _waiting = (release(workflow) for _ in range(4))
    act(workflow, returned, "return", LEAD, reason="inaccurate", note="Sai số liệu")
    for task_id in (submitted, extended):
        act(workflow, task_id, "accept", LEAD)
    act(workflow, submitted, "submit_result", LEAD)
    act(workflow, extended, "request_extension", LEAD, new_due_on="2027-01-15", reason="x")
    received = open_feedback(workflow, submitted, COORDINATOR).get_json()["items"][0]
    answered = open_feedback(workflow, extended, COORDINATOR).get_json()["items"][0]
    urged = workflow.client.post(
        f"/api/workflow/feedback/{answered['id']}/actions/urge_unit",
        json={"note": "x"},
        headers=OFFICE,
    )
    assert urged.status_code == 200, urged.get_json()

    queues = _get(workflow, "/api/workflow/queues", OFFICE)

    assert queues["tasks"] == {
        "returned": _listed(workflow, "status=returned", OFFICE),
        "submitted": _listed(workflow, "status=submitted&order=submitted", OFFICE),
        "extensions": _listed(workflow, "extension_pending=true", OFFICE),
    }
    assert [t["id"] for t in queues["tasks"]["returned"]["items"]] == [returned]
    assert queues["tasks"]["returned"]["items"][0]["return_reason"].endswith("Sai số liệu")
    assert [t["id"] for t in queues["tasks"]["submitted"]["items"]] == [submitted]
    assert [t["id"] for t in queues["tasks"]["extensions"]["items"]] == [extended]
    feedback = next(q for q in queues["cases"] if q["kind"] == "feedback")
    # The urged case is closed, the received one awaits the Office: as the kind's list says.
    listed = _get(workflow, "/api/workflow/feedback?open=true", OFFICE)["items"]
    assert feedback == {
        "kind": "feedback",
        "statuses": list(OFFICE_CASES["feedback"]),
        "total": 1,
        "items": [c for c in listed if c["status"] in OFFICE_CASES["feedback"]],
    }
    assert [c["id"] for c in feedback["items"]] == [received["id"]]
    assert {q["kind"] for q in queues["cases"]} == set(OFFICE_CASES) & set(workflow.kinds)


def test_a_queue_answers_its_total_and_its_first_items_up_to_the_limit(workflow: Any) -> None:
    for _ in range(3):
        act(workflow, release(workflow), "return", LEAD, reason="inaccurate")
    for task_id in [release(workflow) for _ in range(3)]:
        open_feedback(workflow, task_id, COORDINATOR)

    queues = _get(workflow, "/api/workflow/queues?limit=2", OFFICE)

    returned = queues["tasks"]["returned"]
    assert returned == _listed(workflow, "status=returned&limit=2", OFFICE)
    assert (returned["total"], len(returned["items"])) == (3, 2)
    feedback = next(q for q in queues["cases"] if q["kind"] == "feedback")
    newest = _get(workflow, "/api/workflow/feedback?open=true&limit=2", OFFICE)["items"]
    assert (feedback["total"], feedback["items"]) == (3, newest)
    assert workflow.client.get("/api/workflow/queues?limit=0", headers=OFFICE).status_code == 422


def test_a_unit_s_queues_hold_only_the_tasks_its_staff_may_read_D8_2b(workflow: Any) -> None:
    assigned, accepted = release(workflow), release(workflow)
    elsewhere = release(workflow, lead_unit="SO_YT", coordinating_units=[])
    act(workflow, accepted, "accept", LEAD)

    queues = _get(workflow, "/api/workflow/queues", LEAD)

    assert queues["cases"] == []
    assert set(queues["tasks"]) == {"assigned", "rework", "overdue", "in_progress"}
    assert queues["tasks"]["assigned"] == _listed(workflow, "status=assigned&unit=SO_TC", LEAD)
    assert [t["id"] for t in queues["tasks"]["assigned"]["items"]] == [assigned]
    assert [t["id"] for t in queues["tasks"]["in_progress"]["items"]] == [accepted]
    assert queues["tasks"]["overdue"] == _listed(workflow, "overdue=true&unit=SO_TC", LEAD)
    stranger = _get(workflow, "/api/workflow/queues", STRANGER)["tasks"]
    assert [t["id"] for t in stranger["assigned"]["items"]] == [elsewhere]
    assert all(q["total"] == 0 for name, q in stranger.items() if name != "assigned")
    # A leader reads the figures, not queues; a caller without a token gets none.
    assert _get(workflow, "/api/workflow/queues", auth("leader", None)) == {
        "tasks": {},
        "cases": [],
    }
    assert workflow.client.get("/api/workflow/queues").status_code == 401


def test_an_empty_queue_is_answered_from_its_total_without_reading_a_page(workflow: Any) -> None:
    assigned = release(workflow)
    pages: list[str] = []

    def count_pages(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if statement.lstrip().startswith("SELECT task_instances.task_id,"):
            pages.append(statement)

    engine = workflow.runtime.platform.database.engine
    event.listen(engine, "before_cursor_execute", count_pages)
    try:
        queues = _get(workflow, "/api/workflow/queues", LEAD)
    finally:
        event.remove(engine, "before_cursor_execute", count_pages)

    assert [t["id"] for t in queues["tasks"]["assigned"]["items"]] == [assigned]
    assert {name: q["total"] for name, q in queues["tasks"].items()} == {
        "assigned": 1,
        "rework": 0,
        "overdue": 0,
        "in_progress": 0,
    }
    assert all(q["items"] == [] for name, q in queues["tasks"].items() if name != "assigned")
    assert len(pages) == 1  # the tasks to accept; the three empty queues read nothing
