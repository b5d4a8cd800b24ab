"""The task list's filters by assigning leader and assignment period (the web's task list)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from services.workflow.app import create_app, create_service
from services.workflow.consumer import create_consumer
from shared.clock import FixedClock
from tests.integration.test_workflow_service import NOW, OFFICE, SECRET, release


@pytest.fixture()
def workflow(tmp_path: Path, bus_namespace: str) -> Iterator[Any]:
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": bus_namespace}
    service = create_service(env, clock=FixedClock(NOW))
    service.migrate()
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    yield service
    service.runtime.platform.stop()


def listed(service: Any, query: str) -> set[str]:
    answer = service.client.get(f"/api/workflow/tasks?{query}", headers=OFFICE)
    assert answer.status_code == 200, answer.get_json()
    return {item["id"] for item in answer.get_json()["items"]}


def test_tasks_are_filtered_by_assigning_leader_and_assignment_period(workflow: Any) -> None:
    chairman = release(workflow, assigned_by="chu_tich", released_at="2026-11-10T09:00:00+07:00")
    vice = release(workflow, assigned_by="pho_chu_tich", released_at="2026-11-20T09:00:00+07:00")
    committee = release(workflow, assigned_by="ubnd_tinh")
    assert listed(workflow, "assigned_by=pho_chu_tich") == {vice}
    assert listed(workflow, "assigned_from=2026-11-15") == {vice, committee}
    assert listed(workflow, "assigned_from=2026-11-01&assigned_to=2026-11-20") == {chairman, vice}
    assert listed(workflow, "assigned_by=chu_tich&assigned_to=2026-11-09") == set()
    refused = workflow.client.get("/api/workflow/tasks?assigned_by=someone", headers=OFFICE)
    assert refused.status_code == 422
