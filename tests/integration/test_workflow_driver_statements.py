"""The action's instance read on PostgreSQL runs on the driver (shared/db.py, DriverStatement):
it reads what SQLAlchemy reads, a database error is raised as SQLAlchemy raises it, and the
engine's statement listeners see it. Migration 0016 compresses the instance's state with LZ4."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, exc, select, text

from services.workflow import store, units
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, act, release

pytestmark = workflowkit.using(workflowkit.POSTGRESQL, "postgresql")

VERSION = select(units.units_version.c.version).scalar_subquery()


def test_the_read_on_the_driver_is_the_read_through_sqlalchemy(workflow: Any) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    engine = workflow.runtime.platform.database.engine
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *a: seen.append(a[2]))
    with workflow.runtime.platform.database.transaction() as conn:
        row, version = store.TASKS.get_with(conn, task_id, VERSION, for_update=True)
        expected = store.TASKS.get(conn, task_id)
        assert store.TASKS.get_with(conn, "missing", VERSION) == (None, None)
    assert row == expected and row is not None
    assert row["updated_at"].utcoffset() is not None and isinstance(row["coordinating_units"], list)
    assert version is not None
    assert any("FOR UPDATE OF task_instances" in sql for sql in seen)


def test_a_database_error_on_the_driver_is_sqlalchemys(workflow: Any) -> None:
    task_id = release(workflow)
    database = workflow.runtime.platform.database
    with database.transaction() as holder:
        store.TASKS.get(holder, task_id, for_update=True)
        with database.engine.connect() as waiter:
            waiter.execute(text("SET lock_timeout = '50ms'"))
            with pytest.raises(exc.OperationalError):
                store.TASKS.get_with(waiter, task_id, VERSION, for_update=True)
            waiter.rollback()


def test_the_state_is_compressed_with_lz4(workflow: Any) -> None:
    with workflow.runtime.platform.database.read() as conn:
        methods = conn.execute(
            text(
                "SELECT attrelid::regclass::text, attcompression FROM pg_attribute "
                "WHERE attname = 'state' AND attrelid IN ('task_instances'::regclass, "
                "'cases'::regclass)"
            )
        ).all()
    assert sorted(methods) == [("cases", "l"), ("task_instances", "l")]
