"""The Office's urge and withdraw (Đ8.1), the action bodies, and intake's corrections (Đ5.2a)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.store import task_instances
from shared.applier import ATTEMPT_HEADER
from shared.events import encode, make_event
from tests.integration.workflowkit import (
    LEAD,
    NOW,
    OFFICE,
    act,
    auth,
    outbox_types,
    release,
)

ACTOR = {"sub": "office@VP_UBND", "name": "Văn phòng", "unit": "VP_UBND"}


def view(service: Any, task_id: str, who: dict[str, str]) -> Any:
    return service.client.get(f"/api/workflow/tasks/{task_id}", headers=who)


def deliver(service: Any, event_type: str, **data: Any) -> str:
    return str(service.deliver(event_type, data, when=NOW, source="/intake"))


def test_the_office_urges_an_open_task_and_the_unit_is_told_D8_1(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "urge", LEAD).status_code == 403
    urged = act(workflow, task_id, "urge", OFFICE, note="Đề nghị khẩn trương")
    assert urged.status_code == 200 and urged.get_json()["status"] == "assigned"
    assert urged.get_json()["history"][-1]["action"] == "urge"
    assert view(workflow, task_id, LEAD).get_json()["actions"] == ["accept", "return"]
    assert outbox_types(workflow)[-1] == "task.urged"


def test_the_office_withdraws_a_task_and_nothing_is_offered_afterwards(workflow: Any) -> None:
    task_id = release(workflow)
    act(workflow, task_id, "accept", LEAD)
    withdrawn = act(workflow, task_id, "withdraw", OFFICE, reason="Nhiệm vụ không còn phù hợp")
    task = withdrawn.get_json()
    assert (task["status"], task["actions"]) == ("withdrawn", [])
    assert view(workflow, task_id, LEAD).get_json()["actions"] == []
    assert outbox_types(workflow)[-1] == "task.withdrawn"
    with workflow.runtime.platform.database.read() as conn:
        row = conn.execute(task_instances.select().where(task_instances.c.task_id == task_id)).one()
    assert row.next_timer_at is None  # the deadline timers stood down


def test_a_return_names_one_of_the_reasons_of_the_regulation_D5_2a(workflow: Any) -> None:
    task_id = release(workflow)
    wrong = act(workflow, task_id, "return", LEAD, reason="busy")
    assert wrong.status_code == 422 and "reason" in wrong.get_json()["errors"]
    returned = act(workflow, task_id, "return", LEAD, reason="inaccurate", note="Sai số liệu")
    assert returned.get_json()["history"][-1]["note"] == "Nội dung chưa chính xác\nSai số liệu"


def test_an_unknown_action_is_a_404(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "finish", LEAD).status_code == 404


def test_each_action_body_is_described_in_the_openapi_document(workflow: Any) -> None:
    doc = workflow.client.get("/api/workflow/openapi.json").get_json()
    path = doc["paths"]["/api/workflow/tasks/{task_id}/actions/request_extension"]["post"]
    schema = path["requestBody"]["content"]["application/json"]["schema"]
    assert schema["$ref"].endswith("RequestExtensionIn")
    components = doc["components"]["schemas"]
    assert {"new_due_on", "reason"} <= set(components["RequestExtensionIn"]["required"])
    assert "DecideExtensionIn" in components and "ReturnIn" in components


def test_a_transfer_keeps_the_task_id_and_moves_it_to_the_new_lead_unit_D5_2a(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    outcome = deliver(
        workflow,
        "task.transferred",
        task_id=task_id,
        document_id="d" * 32,
        from_unit="SO_TC",
        to_unit="SO_KH",
        reason="Thuộc chức năng Sở Kế hoạch",
        transferred_at=NOW.isoformat(),
        actor=ACTOR,
    )
    assert outcome == "applied"
    new_lead = auth("unit_officer", "SO_KH")
    task = view(workflow, task_id, new_lead).get_json()
    assert (task["id"], task["lead_unit"], task["actions"]) == (
        task_id,
        "SO_KH",
        ["accept", "return"],
    )
    assert view(workflow, task_id, LEAD).status_code == 403
    assert outbox_types(workflow)[-1] == "task.corrected"
    assert act(workflow, task_id, "accept", new_lead).get_json()["status"] == "in_progress"


def test_an_amended_due_date_re_arms_the_deadline_timers_D5_2a(workflow: Any) -> None:
    task_id = release(workflow)
    deliver(
        workflow,
        "task.amended",
        task_id=task_id,
        document_id="d" * 32,
        changes={"due_on": ["2026-12-20", "2027-02-26"], "content": ["Rà soát vốn", "Rà soát"]},
        content="Rà soát vốn đầu tư công",
        lead_unit="SO_TC",
        due_on="2027-02-26",
        cadence=None,
        coordinating_units=["SO_XD", "SO_YT"],
        amended_at=NOW.isoformat(),
        actor=ACTOR,
    )
    task = view(workflow, task_id, OFFICE).get_json()
    assert (task["due_on"], task["content"]) == ("2027-02-26", "Rà soát vốn đầu tư công")
    assert task["coordinating_units"] == ["SO_XD", "SO_YT"]
    with workflow.runtime.platform.database.read() as conn:
        row = conn.execute(task_instances.select().where(task_instances.c.task_id == task_id)).one()
    assert row.next_timer_at.date() > datetime(2027, 2, 1).date()


def test_intakes_withdrawal_withdraws_the_instance_and_a_closed_task_refuses_corrections(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    order = {
        "task_id": task_id,
        "document_id": "d" * 32,
        "reason": "Văn bản bị thu hồi",
        "withdrawn_at": NOW.isoformat(),
        "actor": ACTOR,
    }
    assert deliver(workflow, "task.withdrawn_by_office", **order) == "applied"
    task = view(workflow, task_id, OFFICE).get_json()
    assert (task["status"], task["history"][-1]["note"]) == ("withdrawn", "Văn bản bị thu hồi")
    assert outbox_types(workflow)[-1] == "task.withdrawn"
    assert deliver(workflow, "task.withdrawn_by_office", **order) == "applied"  # nothing to do
    late = deliver(
        workflow,
        "task.transferred",
        task_id=task_id,
        document_id="d" * 32,
        from_unit="SO_TC",
        to_unit="SO_KH",
        reason="x",
        transferred_at=NOW.isoformat(),
        actor=ACTOR,
    )
    # Retried, then dead-lettered for the operators: nothing is queued in a finished instance.
    assert late == "retried"
    assert view(workflow, task_id, OFFICE).get_json()["lead_unit"] == "SO_TC"
    assert outbox_types(workflow)[-1] == "task.withdrawn"


def test_a_correction_for_an_unknown_or_finished_instance_is_dead_lettered(workflow: Any) -> None:
    finished = release(workflow)
    act(workflow, finished, "withdraw", OFFICE, reason="Không còn phù hợp")
    for task_id in ("f" * 32, finished):
        data = {
            "task_id": task_id,
            "document_id": "d" * 32,
            "from_unit": "SO_TC",
            "to_unit": "SO_KH",
            "reason": "x",
            "transferred_at": NOW.isoformat(),
            "actor": ACTOR,
        }
        body = encode(make_event("task.transferred", data, source="/intake", time=NOW)).encode()
        last_try = {ATTEMPT_HEADER: len(workflow.consumer.topology.retry_delays)}
        assert workflow.consumer.process(body, last_try) == "dead"
    assert view(workflow, finished, OFFICE).get_json()["lead_unit"] == "SO_TC"
