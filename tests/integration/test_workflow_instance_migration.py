"""Changing a process while tasks run: a process owner previews and then applies the move of the
running instances of one version onto another; an instance waiting at (or past) a step the new
version lacks is refused with the reason and stays on its version; the move is audited and each
instance's history says so."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import select

from services.workflow import store
from services.workflow.config import BPMN_DIR
from tests.integration.workflowkit import LEAD, OFFICE, auth, release

OWNER = auth("process_owner", None)
LIFECYCLE = "task_lifecycle"
SHIPPED = (BPMN_DIR / f"{LIFECYCLE}.bpmn").read_bytes()


def deploy(workflow: Any, xml: bytes) -> int:
    headers = {**OWNER, "Content-Type": "application/bpmn+xml"}
    answer = workflow.client.post(
        f"/api/workflow/process-models/{LIFECYCLE}", data=xml, headers=headers
    )
    assert answer.status_code == 201, answer.get_json()
    return int(answer.get_json()["version"])


def relabelled() -> bytes:
    """The same process with one step renamed for people: every step keeps its id."""
    changed = SHIPPED.replace(
        'name="Đơn vị thực hiện nhiệm vụ"'.encode(), 'name="Đơn vị thực hiện"'.encode()
    )
    assert changed != SHIPPED
    return changed


def without_work() -> bytes:
    """A version whose first waiting step has another id: the step instances wait at is gone."""
    changed = re.sub(rb'"work"', b'"unit_work"', SHIPPED)
    assert changed != SHIPPED
    return changed


def migrate(
    workflow: Any, to_version: int, from_version: int, apply: bool, who: Any = OWNER
) -> Any:
    return workflow.client.post(
        f"/api/workflow/process-models/{LIFECYCLE}/versions/{to_version}/migrate",
        json={"from_version": from_version, "apply": apply},
        headers=who,
    )


def version_of(workflow: Any, task_id: str) -> int:
    with workflow.runtime.platform.database.read() as conn:
        row = store.TASKS.get(conn, task_id)
    assert row is not None
    return int(row["process_version"])


def test_a_preview_changes_nothing_and_the_move_puts_running_tasks_on_the_new_version(
    workflow: Any,
) -> None:
    waiting, accepted = release(workflow), release(workflow)
    assert (
        workflow.client.post(
            f"/api/workflow/tasks/{accepted}/actions/accept", json={}, headers=LEAD
        ).status_code
        == 200
    )
    v2 = deploy(workflow, relabelled())

    preview = migrate(workflow, v2, 1, apply=False)
    assert preview.status_code == 200, preview.get_json()
    assert (preview.get_json()["moved"], preview.get_json()["refused"]) == (2, 0)
    assert {version_of(workflow, t) for t in (waiting, accepted)} == {1}

    applied = migrate(workflow, v2, 1, apply=True).get_json()
    assert (applied["applied"], applied["moved"]) == (True, 2)
    assert {version_of(workflow, t) for t in (waiting, accepted)} == {v2}
    detail = workflow.client.get(f"/api/workflow/tasks/{waiting}", headers=OFFICE).get_json()
    moved = [h for h in detail["history"] if h["action"] == "migrate"]
    assert [(h["note"], h["action_label"]) for h in moved] == [
        (f"Phiên bản 1 → {v2}", "Chuyển sang phiên bản quy trình mới")
    ]
    # The moved instances go on under the new version.
    assert (
        "accept"
        in workflow.client.get(f"/api/workflow/tasks/{waiting}", headers=LEAD).get_json()["actions"]
    )
    done = workflow.client.post(
        f"/api/workflow/tasks/{accepted}/actions/submit_result", json={}, headers=LEAD
    )
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"
    with workflow.runtime.platform.database.read() as conn:
        audit = workflow.runtime.platform.audit_log.table
        rows = conn.execute(select(audit.c.action, audit.c.entity_id)).all()
    assert ("process_model.instances_migrated", f"{LIFECYCLE}:{v2}") in {tuple(r) for r in rows}


def test_an_instance_at_a_step_the_new_version_lacks_is_refused_with_the_reason_and_stays(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    v2 = deploy(workflow, without_work())

    applied = migrate(workflow, v2, 1, apply=True).get_json()
    assert (applied["moved"], applied["refused"]) == (0, 1)
    [item] = applied["items"]
    assert item["id"] == task_id and item["moved"] is False
    assert (
        item["reason"]
        == "Quy trình đang chờ ở bước 'Đơn vị thực hiện nhiệm vụ', không có trong phiên bản mới."
    )
    assert version_of(workflow, task_id) == 1
    assert (
        workflow.client.post(
            f"/api/workflow/tasks/{task_id}/actions/accept", json={}, headers=LEAD
        ).status_code
        == 200
    )


def test_only_a_process_owner_moves_instances_and_versions_must_exist(workflow: Any) -> None:
    release(workflow)
    v2 = deploy(workflow, relabelled())
    assert migrate(workflow, v2, 1, apply=True, who=OFFICE).status_code == 403
    assert migrate(workflow, 99, 1, apply=False).status_code == 404
    assert migrate(workflow, v2, 42, apply=False).status_code == 404
    assert version_of_all(workflow) == {1}


def version_of_all(workflow: Any) -> set[int]:
    with workflow.runtime.platform.database.read() as conn:
        rows = conn.execute(select(store.task_instances.c.process_version)).scalars()
        return set(rows)
