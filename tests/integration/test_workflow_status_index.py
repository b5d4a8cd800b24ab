"""Migration 0018 drops the index on a task's status alone: the index on (status, created_at,
task_id) of migration 0017 serves a lookup by status; downgraded, the index is back; the tasks
are as they were either way."""

from __future__ import annotations

from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, inspect, select, text

from services.workflow import store
from shared.db import migrate
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, act, release

ON_BOTH_DATABASES = workflowkit.on_both_databases()


def _downgrade(engine: Engine, script_location: Any, revision: str) -> None:
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)


def _indexes(engine: Engine) -> set[str]:
    return {index["name"] for index in inspect(engine).get_indexes("task_instances")}


def _tasks(engine: Engine) -> list[tuple[Any, ...]]:
    t = store.task_instances
    with engine.connect() as conn:
        query = select(t.c.task_id, t.c.status, t.c.revision, t.c.state).order_by(t.c.task_id)
        return [tuple(row) for row in conn.execute(query)]


@ON_BOTH_DATABASES
def test_the_status_index_goes_and_comes_back_with_the_tasks_as_they_were(workflow: Any) -> None:
    accepted = release(workflow)
    release(workflow)
    assert act(workflow, accepted, "accept", LEAD).status_code == 200
    engine = workflow.runtime.platform.database.engine
    migrations = workflow.runtime.migrations
    before = _tasks(engine)
    assert "ix_task_instances_status" not in _indexes(engine)
    assert "ix_task_instances_status_created_at" in _indexes(engine)

    _downgrade(engine, migrations, "0017")
    assert "ix_task_instances_status" in _indexes(engine)
    assert _tasks(engine) == before

    migrate(engine, migrations)
    assert "ix_task_instances_status" not in _indexes(engine)
    assert _tasks(engine) == before
    # A lookup by status reads the index that begins with it.
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(text("SET enable_seqscan = off"))
            explain = "EXPLAIN "
        else:
            explain = "EXPLAIN QUERY PLAN "
        plan = " ".join(
            str(row[-1])
            for row in conn.execute(
                text(f"{explain}SELECT task_id FROM task_instances WHERE status = 'in_progress'")
            )
        )
    assert "ix_task_instances_status_created_at" in plan
    assert act(workflow, accepted, "report_progress", LEAD, note="50%").status_code == 200
