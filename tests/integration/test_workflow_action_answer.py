"""An action's answer shows the task's history as a read after it does: the action's entry,
written with the answer's read of the history in one statement on PostgreSQL
(task_files.history_after; docs/architecture.md, Benchmarks), in the order and with the ids a
read finds, on SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, select

from services.workflow.store import task_history
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, act, release

pytestmark = workflowkit.on_both_databases()


def test_each_answer_shows_the_history_a_read_after_it_shows(workflow: Any) -> None:
    task_id = release(workflow)
    steps = [
        ("accept", LEAD, {}),
        ("report_progress", LEAD, {"note": "Đã rà soát 50% hồ sơ"}),
        ("report_progress", LEAD, {"note": "Đã rà soát 80% hồ sơ"}),
        ("submit_result", LEAD, {"note": "Đã xong"}),
        ("confirm", OFFICE, {}),
    ]
    for action, who, body in steps:
        answer = act(workflow, task_id, action, who, **body)
        assert answer.status_code == 200, answer.get_json()
        read = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=who).get_json()
        assert answer.get_json()["history"] == read["history"]
        assert answer.get_json()["history"][-1]["action"] == action
    with workflow.runtime.platform.database.read() as conn:
        rows = conn.execute(
            select(task_history.c.id, task_history.c.action)
            .where(task_history.c.task_id == task_id)
            .order_by(task_history.c.id)
        ).all()
    assert [row.action for row in rows][-len(steps) :] == [action for action, _, _ in steps]
    assert [entry["action"] for entry in read["history"]] == [row.action for row in rows]
    with workflow.runtime.platform.database.read() as conn:
        assert workflow.runtime.platform.audit_log.verify(conn) == []


def test_a_refused_action_leaves_no_history_entry(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "confirm", OFFICE).status_code in (403, 409)
    before = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    after = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert len(after["history"]) == len(before["history"]) + 1


def test_an_action_writes_and_reads_its_history_in_one_statement_on_postgresql(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    engine = workflow.runtime.platform.database.engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert act(workflow, task_id, "accept", LEAD).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    touching = [s for s in seen if "task_history" in s]
    expected = 1 if engine.dialect.name == "postgresql" else 2
    assert len(touching) == expected, touching


def test_an_action_reads_the_directory_as_it_is_when_the_action_runs(workflow: Any) -> None:
    """The unit directory's version is read with the task's row (one statement on PostgreSQL)
    and the caller resolved at it: a unit placed under the lead unit between two actions is
    seen by the second (Đ8.2c: a unit with units under it may hand a task on)."""
    task_id = release(workflow)
    accepted = act(workflow, task_id, "accept", LEAD).get_json()
    assert "hand_on" not in accepted["actions"]
    placed = {"code": "SO_KH", "name": "Sở KH", "kind": "department", "active": True}
    applied = workflow.deliver("unit.updated", {**placed, "parent": "SO_TC"}, source="/intake")
    assert applied == "applied"
    reported = act(workflow, task_id, "report_progress", LEAD, note="Đã rà soát").get_json()
    assert "hand_on" in reported["actions"]
    handed = act(workflow, task_id, "hand_on", LEAD, unit="SO_KH")
    assert handed.status_code == 200, handed.get_json()


def test_an_action_on_a_task_that_does_not_exist_is_404(workflow: Any) -> None:
    answer = act(workflow, "0" * 32, "accept", LEAD)
    assert answer.status_code == 404
    assert answer.get_json()["title"] == "Không tìm thấy"


def test_an_action_reads_no_directory_version_of_its_own_on_postgresql(workflow: Any) -> None:
    task_id = release(workflow)
    engine = workflow.runtime.platform.database.engine
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split()))

    event.listen(engine, "before_cursor_execute", count)
    try:
        assert act(workflow, task_id, "accept", LEAD).status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", count)
    alone = [s for s in seen if s.startswith("SELECT units_version.version FROM units_version")]
    assert alone == []
