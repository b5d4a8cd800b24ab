"""The diagrams people see through the API: an instance's diagram (the version it runs on, the
steps it waits at, the steps taken), readable by whoever reads the task or case; one version's
BPMN and a check before deploying, for process owners only."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from services.workflow.config import BPMN_DIR
from services.workflow.routes.diagrams import xml_text
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    STRANGER,
    act,
    auth,
    open_feedback,
    release,
)
from tests.unit.diagramkit import CAMUNDA, PROCESS, three_problems

OWNER = auth("process_owner", None)
BPMN = {"Content-Type": "application/bpmn+xml"}
LIFECYCLE = Path(BPMN_DIR) / "task_lifecycle.bpmn"


def ids(elements: list[dict[str, Any]]) -> list[str]:
    return [e["element_id"] for e in elements]


def test_a_task_diagram_names_the_version_the_waiting_step_and_the_steps_taken(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    first = workflow.client.get(f"/api/workflow/tasks/{task_id}/diagram", headers=LEAD)
    assert first.status_code == 200, first.get_json()
    body = first.get_json()
    assert (body["process_id"], body["version"]) == ("task_lifecycle", 1)
    assert body["bpmn_xml"] == LIFECYCLE.read_text(encoding="utf-8")
    assert body["current"] == [{"element_id": "work", "name": "Đơn vị thực hiện nhiệm vụ"}]
    assert "work" not in ids(body["passed"])
    assert ids(body["passed"])[0] == "start"
    assert body["completed"] is False
    words = workflow.client.get(f"/api/workflow/tasks/{task_id}/diagram?bpmn=false", headers=LEAD)
    assert words.get_json() == {**body, "bpmn_xml": None}

    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    after = workflow.client.get(f"/api/workflow/tasks/{task_id}/diagram", headers=OFFICE)
    moved = after.get_json()
    # The unit's step is entered again, the acceptance's status change passed on the way.
    assert ids(moved["current"]) == ["work"]
    passed = ids(moved["passed"])
    assert passed.index("start") < passed.index("work") < passed.index("set_in_progress")
    # Reminders armed beside the waiting step are told apart from the step itself.
    assert moved["armed"] and "work" not in ids(moved["armed"])
    assert not set(ids(moved["armed"])) & set(ids(moved["current"]))


def test_a_unit_that_may_not_read_the_task_gets_no_diagram(workflow: Any) -> None:
    task_id = release(workflow)
    assert (
        workflow.client.get(f"/api/workflow/tasks/{task_id}/diagram", headers=STRANGER).status_code
        == 403
    )
    assert (
        workflow.client.get(
            f"/api/workflow/tasks/{task_id}/diagram", headers=COORDINATOR
        ).get_json()["current"][0]["element_id"]
        == "work"
    )
    assert (
        workflow.client.get("/api/workflow/tasks/nope/diagram", headers=OFFICE).status_code == 404
    )
    assert workflow.client.get(f"/api/workflow/tasks/{task_id}/diagram").status_code == 401


def test_a_case_diagram_follows_the_case_access_rule(workflow: Any) -> None:
    task_id = release(workflow)
    case = open_feedback(workflow, task_id, COORDINATOR).get_json()["items"][0]
    url = f"/api/workflow/feedback/{case['id']}/diagram"

    answer = workflow.client.get(url, headers=COORDINATOR)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["process_id"] == "feedback" and body["current"]
    assert 'id="' + body["current"][0]["element_id"] + '"' in body["bpmn_xml"]
    assert workflow.client.get(url, headers=STRANGER).status_code == 403
    assert (
        workflow.client.get("/api/workflow/feedback/nope/diagram", headers=OFFICE).status_code
        == 404
    )


def test_a_process_owner_reads_a_version_with_its_bpmn_and_running_count(workflow: Any) -> None:
    release(workflow)
    release(workflow)
    url = "/api/workflow/process-models/task_lifecycle/versions/1"
    answer = workflow.client.get(url, headers=OWNER)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert (body["version"], body["active"], body["running"]) == (1, True, 2)
    assert body["bpmn_xml"] == LIFECYCLE.read_text(encoding="utf-8")
    assert workflow.client.get(url, headers=OFFICE).status_code == 403
    missing = "/api/workflow/process-models/task_lifecycle/versions/99"
    assert workflow.client.get(missing, headers=OWNER).status_code == 404
    assert workflow.client.get(missing[:-2] + "x1", headers=OWNER).status_code == 404


def test_validate_checks_a_diagram_without_deploying_it(workflow: Any) -> None:
    url = "/api/workflow/process-models/task_lifecycle/validate"
    good = LIFECYCLE.read_bytes()
    changed = good.replace(b"due_soon_at(due_on, 3)", b"due_soon_at(due_on, 5)", 1)
    assert changed != good

    ok = workflow.client.post(url, data=changed, headers={**OWNER, **BPMN})
    assert ok.status_code == 200, ok.get_json()
    assert ok.get_json()["valid"] is True
    assert {"action": "accept", "role": "unit"} in ok.get_json()["actions"]
    assert "task.due_soon" in ok.get_json()["notices"]

    broken = three_problems(CAMUNDA.read_bytes())
    refused = workflow.client.post(
        f"/api/workflow/process-models/{PROCESS}/validate", data=broken, headers={**OWNER, **BPMN}
    )
    assert refused.status_code == 422
    errors = refused.get_json()["diagram_errors"]
    assert [e["element_id"] for e in errors] == [
        "Activity_0d3kq1x",
        "Activity_0svc9x1",
        "Event_1ab",
    ]
    assert all(e["message"] for e in errors)

    assert workflow.client.post(url, data=changed, headers={**OFFICE, **BPMN}).status_code == 403
    listed = workflow.client.get("/api/workflow/process-models", headers=OWNER).get_json()
    assert [m["version"] for m in listed["items"] if m["process_id"] == "task_lifecycle"] == [1]
    assert PROCESS not in {m["process_id"] for m in listed["items"]}


def test_a_diagram_is_answered_as_text_in_the_encoding_it_declares() -> None:
    latin = '<?xml version="1.0" encoding="ISO-8859-1"?><a name="é"/>'
    assert xml_text(latin.encode("latin-1")) == latin
    assert xml_text(b'\xef\xbb\xbf<?xml version="1.0" encoding="UTF-8"?><a/>').startswith("<?xml")
    assert xml_text("<a>Tiếp nhận</a>".encode()) == "<a>Tiếp nhận</a>"
