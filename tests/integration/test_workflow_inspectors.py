"""An inspection names its inspectors, the Working Group members assigned to it (Đ13): only they,
the Office and the Working Group's leader act on it, and while it runs they read the tasks that
the inspected units lead (Đ11: the implementation and results of assigned tasks). Another
inspector does neither."""

from __future__ import annotations

from typing import Any

from services.workflow import cases
from shared.auth import Principal
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, auth, release

ON_BOTH_DATABASES = workflowkit.on_both_databases(workflowkit.ADJUSTABLE)

GROUP_LEADER = auth("office_lead", "VP_UBND")
MAI = auth("inspector", "VP_UBND")  # sub "inspector@VP_UBND"
HUNG = auth("inspector", "SO_NV")  # another Working Group member (sub "inspector@SO_NV")
NAMED_MAI = {"sub": "inspector@VP_UBND", "name": "Nguyễn Thị Mai"}
NAMED_HUNG = {"sub": "inspector@SO_NV", "name": "Trần Văn Hùng"}
INSPECTIONS = "/api/workflow/inspections"
REQUESTS = "/api/workflow/inspection-requests"
TASKS = "/api/workflow/tasks"


def plan(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> str:
    payload = {
        "form": "regular",
        "title": "Kiểm tra việc thực hiện nhiệm vụ quý IV/2026",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        **body,
    }
    answer = service.client.post(INSPECTIONS, json=payload, headers=who)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["items"][0]["id"])


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{INSPECTIONS}/{case_id}/actions/{action}", json=body, headers=who)


def ask_documents(service: Any, case_id: str, who: dict[str, str]) -> int:
    body = {
        "inspection_id": case_id,
        "units": ["SO_TC"],
        "request": "Báo cáo tình hình thực hiện",
        "due_on": "2026-12-04",
    }
    return int(service.client.post(REQUESTS, json=body, headers=who).status_code)


def reads(service: Any, task_id: str, who: dict[str, str]) -> int:
    return int(service.client.get(f"{TASKS}/{task_id}", headers=who).status_code)


def listed(service: Any, who: dict[str, str]) -> list[str]:
    answer = service.client.get(TASKS, headers=who)
    assert answer.status_code == 200, answer.get_json()
    return sorted(item["id"] for item in answer.get_json()["items"])


@ON_BOTH_DATABASES
def test_only_the_inspectors_an_inspection_names_ask_units_for_documents_D13(
    workflow: Any,
) -> None:
    case_id = plan(workflow, inspectors=[NAMED_MAI])
    assert act(workflow, case_id, "approve", GROUP_LEADER).status_code == 200
    assert ask_documents(workflow, case_id, HUNG) == 403  # a member not assigned to it
    assert ask_documents(workflow, case_id, LEAD) == 403
    assert ask_documents(workflow, case_id, MAI) == 201
    assert ask_documents(workflow, case_id, OFFICE) == 201
    assert ask_documents(workflow, case_id, GROUP_LEADER) == 201


@ON_BOTH_DATABASES
def test_the_office_or_the_leader_assigns_the_inspectors_D13(workflow: Any) -> None:
    drafted = workflow.client.get(f"{INSPECTIONS}/{plan(workflow, MAI)}", headers=OFFICE).get_json()
    assert drafted["data"]["inspectors"] == [{"sub": "inspector@VP_UBND", "name": "inspector"}]

    case_id = plan(workflow)  # the Office drafts it and names nobody yet
    approved = act(workflow, case_id, "approve", GROUP_LEADER, inspectors=[NAMED_MAI])
    assert approved.get_json()["data"]["inspectors"] == [NAMED_MAI]
    assert "assign_inspectors" in approved.get_json()["actions"]
    for who in (MAI, LEAD):  # an inspector does not assign the inspection's members, nor a unit
        refused = act(workflow, case_id, "assign_inspectors", who, inspectors=[NAMED_HUNG])
        assert refused.status_code == 403
    assert act(workflow, case_id, "assign_inspectors", OFFICE, inspectors=[]).status_code == 422
    assigned = act(
        workflow, case_id, "assign_inspectors", GROUP_LEADER, inspectors=[NAMED_HUNG, NAMED_HUNG]
    )
    assert assigned.status_code == 200, assigned.get_json()
    body = assigned.get_json()
    assert (body["status"], body["data"]["inspectors"]) == ("in_progress", [NAMED_HUNG])
    assert body["history"][-1]["action"] == "assign_inspectors"
    assert ask_documents(workflow, case_id, MAI) == 403  # no longer assigned
    assert ask_documents(workflow, case_id, HUNG) == 201
    again = act(workflow, case_id, "assign_inspectors", OFFICE, inspectors=[NAMED_MAI, NAMED_HUNG])
    assert again.get_json()["data"]["inspectors"] == [NAMED_MAI, NAMED_HUNG]


@ON_BOTH_DATABASES
def test_an_inspector_reads_the_inspected_units_tasks_while_the_inspection_runs_D11(
    workflow: Any,
) -> None:
    inspected = release(workflow)  # SO_TC leads
    coordinated = release(workflow, lead_unit="SO_XD", coordinating_units=["SO_TC"])
    other = release(workflow, lead_unit="SO_YT", coordinating_units=[])
    case_id = plan(workflow, inspectors=[NAMED_MAI])
    assert reads(workflow, inspected, MAI) == 403  # the plan is not approved yet
    assert listed(workflow, MAI) == []

    assert act(workflow, case_id, "approve", GROUP_LEADER).status_code == 200
    assert reads(workflow, inspected, MAI) == 200
    assert (reads(workflow, coordinated, MAI), reads(workflow, other, MAI)) == (403, 403)
    assert listed(workflow, MAI) == [inspected]
    task = workflow.client.get(f"{TASKS}/{inspected}", headers=MAI).get_json()
    assert task["actions"] == []  # reading, not acting
    assert reads(workflow, inspected, HUNG) == 403  # not named on it
    assert listed(workflow, HUNG) == []

    assert act(workflow, case_id, "finish", OFFICE).status_code == 200
    assert reads(workflow, inspected, MAI) == 403  # the inspection no longer runs
    assert listed(workflow, MAI) == []


def test_a_diagram_lane_of_inspectors_is_only_the_named_inspectors_D13() -> None:
    case = {"parties": {}, "data": {"inspectors": [NAMED_MAI]}}
    mai = Principal("inspector@VP_UBND", "Mai", "VP_UBND", frozenset({"inspector"}))
    hung = Principal("inspector@SO_NV", "Hùng", "SO_NV", frozenset({"inspector"}))
    impostor = Principal("inspector@VP_UBND", "Mai", "VP_UBND", frozenset({"unit_officer"}))
    assert cases.may_act(mai, "inspector", case)
    assert not cases.may_act(hung, "inspector", case)
    assert not cases.may_act(impostor, "inspector", case)
