"""An action's new revision is saved by the statement that writes its history entry and reads
the history back on PostgreSQL (task_files.history_after with a `PendingSave`), alone then
with the history on SQLite: the row it leaves, the revision check and the history it answers
are those of a save followed by the history's write, on both databases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import event

from services.workflow import store, task_files
from services.workflow.instances.store import PendingSave, StaleInstance
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, act, release

pytestmark = workflowkit.on_both_databases()


def entry(task_id: str, at: Any) -> dict[str, Any]:
    return {
        "task_id": task_id,
        "at": at,
        "action": "report_progress",
        "status_from": "in_progress",
        "status_to": "in_progress",
        "actor": {"sub": "lead", "unit": "SO_TC"},
        "note": "Đã rà soát 50% hồ sơ",
        "payload": {"note": "Đã rà soát 50% hồ sơ"},
    }


def test_the_save_and_the_entry_are_written_together_and_read_back(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    platform = workflow.runtime.platform
    with platform.database.read() as conn:
        row = store.TASKS.get(conn, task_id)
        before = store.TASKS.history(conn, task_id)
    assert row is not None
    at = row["updated_at"] + timedelta(minutes=5)
    values = {"status": "in_progress", "state": row["state"], "updated_at": at}
    seen: list[str] = []
    event.listen(platform.database.engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with platform.database.transaction() as conn:
        save = PendingSave(store.TASKS, task_id, row["revision"], values)
        answered = task_files.history_after(conn, task_id, [entry(task_id, at)], save)
    postgres = platform.database.engine.dialect.name == "postgresql"
    statements = [sql for sql in seen if not sql.startswith("BEGIN")]
    assert len(statements) == (1 if postgres else 3)  # SQLite: the save, the insert, the read
    with platform.database.read() as conn:
        after = store.TASKS.get(conn, task_id)
        history = task_files.history(conn, task_id)
    assert after is not None
    assert after["revision"] == row["revision"] + 1 and after["updated_at"] == at
    assert answered == history
    assert [h["id"] for h in history[:-1]] == [h["id"] for h in before]
    assert history[-1]["note"] == "Đã rà soát 50% hồ sơ" and history[-1]["attachments"] == []


def test_a_stale_revision_is_refused_and_nothing_is_written(workflow: Any) -> None:
    task_id = release(workflow)
    platform = workflow.runtime.platform
    with platform.database.read() as conn:
        row = store.TASKS.get(conn, task_id)
        count = len(store.TASKS.history(conn, task_id))
    assert row is not None
    values = {"status": "accepted", "updated_at": row["updated_at"] + timedelta(minutes=1)}
    with pytest.raises(StaleInstance), platform.database.transaction() as conn:
        save = PendingSave(store.TASKS, task_id, row["revision"] + 1, values)
        task_files.history_after(conn, task_id, [entry(task_id, values["updated_at"])], save)
    with platform.database.read() as conn:
        assert store.TASKS.get(conn, task_id) == row
        assert len(store.TASKS.history(conn, task_id)) == count
