"""Deploying diagrams through the API as process owners save them: a diagram saved by Camunda
Modeler deploys and runs; a refused one answers 422 with every problem, each naming its element
in Vietnamese (`errors.bpmn` as text, `diagram_errors` as data)."""

from __future__ import annotations

from typing import Any

from tests.integration.workflowkit import auth
from tests.unit.diagramkit import (
    CAMUNDA,
    PROCESS,
    assert_vietnamese_and_named,
    three_problems,
)

OWNER = {**auth("process_owner", None), "Content-Type": "application/bpmn+xml"}
DEPLOY = f"/api/workflow/process-models/{PROCESS}"


def test_a_diagram_saved_by_camunda_modeler_deploys_and_runs(workflow: Any) -> None:
    answer = workflow.client.post(DEPLOY, data=CAMUNDA.read_bytes(), headers=OWNER)

    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["version"] == 1
    with workflow.runtime.platform.database.read() as conn:
        model = workflow.models.active(conn, PROCESS)
    step = workflow.engine.start(model, {})
    assert [(offer.action, offer.role) for offer in step.offers] == [
        ("accept", "unit"),
        ("return", "unit"),
        ("urge", "office"),
    ]
    assert workflow.engine.perform(step, "return", {}).completed


def test_a_diagram_with_three_problems_answers_422_listing_each_element(
    workflow: Any,
) -> None:
    refused = workflow.client.post(DEPLOY, data=three_problems(CAMUNDA.read_bytes()), headers=OWNER)

    assert refused.status_code == 422
    assert refused.mimetype == "application/problem+json"
    body = refused.get_json()
    assert body["detail"] == "Sơ đồ BPMN không hợp lệ (3 lỗi), chưa được triển khai."
    assert [
        (e["element_type"], e["element_id"], e["element_name"]) for e in body["diagram_errors"]
    ] == [
        ("userTask", "Activity_0d3kq1x", "Tiếp nhận"),
        ("serviceTask", "Activity_0svc9x1", "Gọi hệ thống"),
        ("boundaryEvent", "Event_1ab", "Nhắc sắp đến hạn"),
    ]
    texts = body["errors"]["bpmn"]
    assert texts == [f"{e['element']}: {e['message']}" for e in body["diagram_errors"]]
    assert texts[2].startswith(
        "Sự kiện hẹn giờ biên 'Nhắc sắp đến hạn' (boundaryEvent, id: Event_1ab): "
    )
    assert_vietnamese_and_named(texts)
    assert all("Task" not in e["message"] for e in body["diagram_errors"])
    versions = workflow.client.get("/api/workflow/process-models", headers=OWNER).get_json()
    assert [m for m in versions["items"] if m["process_id"] == PROCESS] == []


def test_the_deploy_documents_its_422_with_the_list_of_problems(workflow: Any) -> None:
    document = workflow.client.get("/api/workflow/openapi.json").get_json()
    post = document["paths"]["/api/workflow/process-models/{process_id}"]["post"]

    schema = post["responses"]["422"]["content"]["application/problem+json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/DiagramRefusal"}
    refusal = document["components"]["schemas"]["DiagramRefusal"]["properties"]
    assert {"detail", "errors", "diagram_errors"} <= set(refusal)
    entry = document["components"]["schemas"]["DiagramErrorOut"]["properties"]
    assert {"element_id", "element_name", "element_type", "element", "message"} == set(entry)
