"""The workflow service on SQLite: a released task starts its diagram; the diagram decides."""

from __future__ import annotations

import json
import uuid
from typing import Any

from shared.events import encode, make_event
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    NOW,
    OFFICE,
    STRANGER,
    act,
    auth,
    outbox_types,
    release,
)


def test_a_released_task_is_assigned_and_announced(workflow: Any) -> None:
    task_id = release(workflow)
    task = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert (task["status"], task["status_label"]) == ("assigned", "Đã giao, chờ tiếp nhận")
    assert task["actions"] == ["accept", "return"]
    assert outbox_types(workflow) == ["task.assigned"]


def test_a_redelivered_release_starts_no_second_instance(workflow: Any) -> None:
    task_id = uuid.uuid4().hex
    data = {
        "task_id": task_id,
        "document_id": "d" * 32,
        "document_number": "1/UBND-TH",
        "document_type": "cong_van",
        "assigned_by": "chu_tich",
        "issued_on": "2026-11-30",
        "content": "x",
        "lead_unit": "SO_TC",
        "coordinating_units": [],
        "due_on": None,
        "cadence": "quarterly",
        "released_at": NOW.isoformat(),
    }
    body = encode(make_event("task.released", data, source="/test", time=NOW)).encode()
    assert workflow.consumer.process(body, {}) == "applied"
    assert workflow.consumer.process(body, {}) == "duplicate"
    assert outbox_types(workflow) == ["task.assigned"]


def test_the_lead_unit_accepts_submits_and_the_office_confirms(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "accept", LEAD).get_json()["status"] == "in_progress"
    submitted = act(workflow, task_id, "submit_result", LEAD, note="Đã xong").get_json()
    assert submitted["actions"] == ["correct_report"]  # Đ7.2b: until the Office confirms
    confirmed = act(workflow, task_id, "confirm", OFFICE).get_json()
    assert confirmed["status"] == "completed"
    assert [h["action"] for h in confirmed["history"]] == [
        "assign",
        "accept",
        "submit_result",
        "confirm",
    ]
    assert outbox_types(workflow) == [
        "task.assigned",
        "task.accepted",
        "task.result_submitted",
        "task.completed",
    ]


def test_a_return_goes_to_the_office_and_back_to_the_unit_D5_2a(workflow: Any) -> None:
    task_id = release(workflow)
    returned = act(
        workflow, task_id, "return", LEAD, reason="not_its_function", note="Không thuộc chức năng"
    )
    assert returned.get_json()["status"] == "returned"
    office_view = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=OFFICE)
    assert office_view.get_json()["actions"] == ["resolve_return", "withdraw"]
    # The Office's queue reads the reason from the list itself.
    listed = workflow.client.get("/api/workflow/tasks?status=returned", headers=OFFICE)
    [row] = [t for t in listed.get_json()["items"] if t["id"] == task_id]
    assert row["return_reason"] == returned.get_json()["history"][-1]["note"]
    assert row["return_reason"]
    assert act(workflow, task_id, "resolve_return", OFFICE).get_json()["status"] == "assigned"


def test_an_action_not_offered_now_is_a_409_listing_the_offered_ones(workflow: Any) -> None:
    task_id = release(workflow)
    answer = act(workflow, task_id, "submit_result", LEAD)
    assert answer.status_code == 409
    assert answer.get_json()["actions"] == ["accept", "return"]


def test_an_office_action_is_forbidden_to_the_unit(workflow: Any) -> None:
    task_id = release(workflow)
    act(workflow, task_id, "accept", LEAD)
    act(workflow, task_id, "submit_result", LEAD)
    assert act(workflow, task_id, "confirm", LEAD).status_code == 403


def test_a_coordinating_unit_reads_but_does_not_act_and_others_see_nothing(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    seen = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=COORDINATOR)
    assert seen.status_code == 200 and seen.get_json()["actions"] == []
    assert act(workflow, task_id, "accept", COORDINATOR).status_code == 403
    assert (
        workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=STRANGER).status_code == 403
    )
    listed = workflow.client.get("/api/workflow/tasks", headers=COORDINATOR).get_json()
    assert [item["id"] for item in listed["items"]] == [task_id]
    assert workflow.client.get("/api/workflow/tasks", headers=STRANGER).get_json()["total"] == 0


def test_tasks_are_filtered_by_status_and_searched_without_diacritics(workflow: Any) -> None:
    first = release(workflow, content="Kiểm tra đê điều mùa lũ")
    release(workflow, content="Báo cáo giải ngân")
    act(workflow, first, "accept", LEAD)
    found = workflow.client.get("/api/workflow/tasks?q=de dieu", headers=OFFICE).get_json()
    assert [item["id"] for item in found["items"]] == [first]
    running = workflow.client.get(
        "/api/workflow/tasks?status=in_progress", headers=OFFICE
    ).get_json()
    assert running["total"] == 1


def test_a_deployed_diagram_gets_a_new_version_and_a_broken_one_is_refused(
    workflow: Any,
) -> None:
    owner = auth("process_owner", None)
    xml = (workflow.bpmn_dir / "task_lifecycle.bpmn").read_bytes()
    changed = xml.replace("Tiếp nhận".encode(), "Tiếp nhận nhiệm vụ".encode(), 1)
    assert changed != xml
    answer = workflow.client.post(
        "/api/workflow/process-models/task_lifecycle",
        data=changed,
        headers={**owner, "Content-Type": "application/xml"},
    )
    assert answer.status_code == 201 and answer.get_json()["version"] == 2
    broken = changed.replace(b"status = ", b"__import__('os'); status = ", 1)
    refused = workflow.client.post(
        "/api/workflow/process-models/task_lifecycle",
        data=broken,
        headers={**owner, "Content-Type": "application/xml"},
    )
    assert refused.status_code == 422
    versions = workflow.client.get("/api/workflow/process-models", headers=owner).get_json()
    lifecycle = [m for m in versions["items"] if m["process_id"] == "task_lifecycle"]
    assert [m["version"] for m in lifecycle] == [1, 2]
    assert (
        workflow.client.post(
            "/api/workflow/process-models/task_lifecycle",
            data=changed,
            headers={**LEAD, "Content-Type": "application/xml"},
        ).status_code
        == 403
    )
    assert json.loads(answer.get_data())["process_id"] == "task_lifecycle"


def test_the_overdue_filter_splits_tasks_and_their_totals_agree(workflow: Any) -> None:
    late = release(workflow, due_on="2026-11-30")
    on_time = release(workflow, due_on="2026-12-20")
    undated = release(workflow, due_on=None, cadence="quarterly")
    overdue = workflow.client.get("/api/workflow/tasks?overdue=true", headers=OFFICE).get_json()
    assert [item["id"] for item in overdue["items"]] == [late] and overdue["total"] == 1
    fine = workflow.client.get("/api/workflow/tasks?overdue=false", headers=OFFICE).get_json()
    assert sorted(item["id"] for item in fine["items"]) == sorted([on_time, undated])
    assert fine["total"] == 2


def test_the_vocabulary_gives_statuses_actions_reasons_and_kinds_of_case(workflow: Any) -> None:
    assert workflow.client.get("/api/workflow/vocabulary").status_code == 401
    vocabulary = workflow.client.get("/api/workflow/vocabulary", headers=LEAD).get_json()
    assert vocabulary["task_statuses"]["submitted"]
    assert {"accept", "report_difficulty"} <= set(vocabulary["task_actions"])
    assert vocabulary["case_kinds"]["feedback"] == "Phản hồi"
    assert vocabulary["return_reasons"]
