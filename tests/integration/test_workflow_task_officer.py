"""The officer responsible for a task inside its lead unit (Đ21.1–3), on SQLite: the lead unit's
head names one, the task shows it and its events carry it; a task without one keeps the unit
responsible."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import select

from tests.integration.workflowkit import LEAD, OFFICE, act, auth, release

HEAD = auth("unit_head", "SO_TC")
OTHER_HEAD = auth("unit_head", "SO_XD")  # the coordinating unit's head
OFFICER = {"officer_sub": "an@SO_TC", "officer_name": "Nguyễn Văn An"}


def published(service: Any, event_type: str) -> list[dict[str, Any]]:
    outbox = service.runtime.platform.tables.outbox
    query = select(outbox.c.body).where(outbox.c.event_type == event_type).order_by(outbox.c.seq)
    with service.runtime.platform.database.read() as conn:
        return [json.loads(row.body)["data"] for row in conn.execute(query)]


def read(service: Any, task_id: str, who: dict[str, str] = LEAD) -> dict[str, Any]:
    answer = service.client.get(f"/api/workflow/tasks/{task_id}", headers=who)
    return dict(answer.get_json())


def test_the_lead_units_head_names_the_officer_responsible_D21_2(workflow: Any) -> None:
    task_id = release(workflow)
    assert read(workflow, task_id)["officer"] is None  # the unit is responsible
    assert "assign_officer" in read(workflow, task_id, HEAD)["actions"]
    assert "assign_officer" not in read(workflow, task_id, LEAD)["actions"]
    assigned = act(workflow, task_id, "assign_officer", HEAD, **OFFICER)
    assert assigned.status_code == 200, assigned.get_json()
    task = read(workflow, task_id)
    assert task["officer"] == {"sub": "an@SO_TC", "name": "Nguyễn Văn An"}
    assert task["status"] == "assigned"  # naming the officer leaves the task where it is
    assert task["history"][-1]["note"] == "Cán bộ chịu trách nhiệm: Nguyễn Văn An"
    [event] = published(workflow, "task.officer_assigned")
    assert event["officer"] == {"sub": "an@SO_TC", "name": "Nguyễn Văn An"}
    # Later events of the task carry the officer too, for reporting's per-officer figures.
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    assert published(workflow, "task.accepted")[0]["officer"]["sub"] == "an@SO_TC"


def test_only_the_lead_units_head_names_the_officer_D21_3(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "assign_officer", LEAD, **OFFICER).status_code == 403
    assert act(workflow, task_id, "assign_officer", OTHER_HEAD, **OFFICER).status_code == 403
    assert act(workflow, task_id, "assign_officer", OFFICE, **OFFICER).status_code == 403
    missing = act(workflow, task_id, "assign_officer", HEAD, officer_sub="an@SO_TC")
    assert missing.status_code == 422 and "officer_name" in missing.get_json()["errors"]
    assert read(workflow, task_id)["officer"] is None
