"""The task list's filters by assigning leader and assignment period (the web's task list)."""

from __future__ import annotations

from typing import Any

from tests.integration.workflowkit import OFFICE, release


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
