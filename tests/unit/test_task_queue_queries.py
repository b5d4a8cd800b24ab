"""The home pages' queues read as the task list does (services/workflow/task_queries.py): the totals
with the filters every queue shares stated once, a unit filter within the caller's scope in
place of the scope, and each page read in order through migration 0017's indexes on SQLite."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, create_engine, event, insert

from services.workflow import task_queries
from services.workflow.routes.queues import OFFICE_TASKS, UNIT_TASKS
from services.workflow.store import task_instances, task_unit_rows, task_units
from shared.db import migrate

MIGRATIONS = Path(__file__).resolve().parents[2] / "services" / "workflow" / "migrations"
TODAY = date(2026, 12, 7)
STATUSES = ["assigned", "in_progress", "rework", "submitted", "returned", "completed"]
UNITS = ["SO_TC", "SO_XD", "SO_YT"]


def _task(n: int) -> dict[str, Any]:
    lead = UNITS[n % 3]
    status = STATUSES[n % len(STATUSES)]
    due = TODAY + timedelta(days=(n % 7) - 3)  # some past due, some not
    return {
        "task_id": f"t{n:04d}",
        "document_id": f"d{n // 10}",
        "document_number": f"{n // 10}/TB-UBND",
        "assigned_by": "chu_tich",
        "content": f"Nhiệm vụ {n}",
        "search_text": f"nhiem vu {n}",
        "lead_unit": lead,
        "coordinating_units": [UNITS[(n + 1) % 3]] if n % 4 == 0 else [],
        "due_on": due,
        "assigned_on": TODAY - timedelta(days=30),
        "status": status,
        "extension_pending": n % 5 == 0 and status not in ("completed",),
        "progress_due": False,
        "process_id": "task",
        "process_version": 1,
        "state": "{}",
        "revision": 1,
        # Several tasks at the same instant: the order then goes by the task's id.
        "created_at": datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=n // 3),
        "updated_at": datetime(2026, 11, 1, tzinfo=UTC),
        "submitted_on": due - timedelta(days=n % 2 * 2) if status == "submitted" else None,
        "submitted_at": datetime(2026, 11, 2, tzinfo=UTC) + timedelta(hours=n)
        if status == "submitted"
        else None,
    }


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path_factory.mktemp('queues') / 'workflow.db'}")
    migrate(engine, MIGRATIONS)
    rows = [_task(n) for n in range(240)]
    with engine.begin() as conn:
        conn.execute(insert(task_instances), rows)
        conn.execute(
            insert(task_units),
            [
                unit_row
                for r in rows
                for unit_row in task_unit_rows(
                    r["task_id"], r["lead_unit"], r["coordinating_units"]
                )
            ],
        )
    return engine


def _brute(engine: Engine, units: frozenset[str] | None, **filters: Any) -> list[str]:
    """The task ids list_instances's filters select, in its order, worked out in Python."""
    with engine.connect() as conn:
        rows = [dict(r._mapping) for r in conn.execute(task_instances.select())]
        taking_part: dict[str, set[str]] = {}
        for task_id, unit in conn.execute(
            task_units.select().with_only_columns(task_units.c.task_id, task_units.c.unit)
        ):
            taking_part.setdefault(task_id, set()).add(unit)

    def late(r: dict[str, Any]) -> bool:
        in_time = r["status"] == "submitted" and r["submitted_on"] <= r["due_on"]
        return r["due_on"] < TODAY and r["status"] not in ("completed", "withdrawn") and not in_time

    def kept(r: dict[str, Any]) -> bool:
        mine = taking_part.get(r["task_id"], set())
        return (
            (units is None or bool(mine & units))
            and ("unit" not in filters or filters["unit"] in mine)
            and ("status" not in filters or r["status"] == filters["status"])
            and ("overdue" not in filters or late(r) == filters["overdue"])
            and (
                "extension_pending" not in filters
                or r["extension_pending"] == filters["extension_pending"]
            )
        )

    found = [r for r in rows if kept(r)]
    if filters.get("order") == "submitted":
        found.sort(key=lambda r: r["task_id"])
        found.sort(key=lambda r: r["submitted_at"])
    else:
        found.sort(key=lambda r: r["task_id"])
        found.sort(key=lambda r: r["created_at"], reverse=True)
    return [r["task_id"] for r in found]


CASES = [
    # A unit's home: its own unit within its scope (the scope then goes without saying).
    ("unit", frozenset({"SO_TC"}), {n: {**f, "unit": "SO_TC"} for n, f in UNIT_TASKS.items()}),
    # A unit whose scope holds the units under it too (Đ8.2c).
    (
        "unit_and_below",
        frozenset({"SO_TC", "SO_XD"}),
        {n: {**f, "unit": "SO_XD"} for n, f in UNIT_TASKS.items()},
    ),
    # A unit filter outside the scope: only the tasks both take part in.
    ("outside", frozenset({"SO_YT"}), {n: {**f, "unit": "SO_TC"} for n, f in UNIT_TASKS.items()}),
    # The Office: every task, no filter shared.
    ("office", None, OFFICE_TASKS),
    # Queues that share a status but not their unit.
    (
        "shared_status",
        frozenset(UNITS),
        {u: {"status": "submitted", "unit": u, "order": "submitted"} for u in UNITS},
    ),
]


@pytest.mark.parametrize(("units", "queues"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_queue_totals_and_pages_are_the_task_list_s(
    engine: Engine, units: frozenset[str] | None, queues: dict[str, dict[str, Any]]
) -> None:
    with engine.connect() as conn:
        totals = task_queries.count_instances(conn, queues, units=units, today=TODAY)
        for name, filters in queues.items():
            expected = _brute(engine, units, **filters)
            page = task_queries.page_instances(
                conn, units=units, today=TODAY, limit=7, offset=2, **filters
            )
            listed, total = task_queries.list_instances(
                conn,
                units=units,
                unit=filters.get("unit"),
                status=filters.get("status"),
                overdue=filters.get("overdue"),
                today=TODAY,
                q=None,
                limit=7,
                offset=2,
                extension_pending=filters.get("extension_pending"),
                order=filters.get("order"),
            )
            assert totals[name] == total == len(expected), name
            assert [t["task_id"] for t in page] == expected[2:9], name
            assert listed == page
    assert any(totals.values())  # the case has tasks to find


def _plan_of_page(engine: Engine, **filters: Any) -> str:
    """SQLite's plan of the statement page_instances runs under `filters`."""
    ran: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        ran.append((statement, params))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.connect() as conn:
            task_queries.page_instances(conn, today=TODAY, limit=50, **filters)
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    (statement, params), *_ = ran
    with engine.connect() as conn:
        rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", params)
        return "\n".join(str(r[3]) for r in rows)


def test_a_status_s_page_and_the_extension_requests_read_in_order_through_an_index(
    engine: Engine,
) -> None:
    # A unit's tasks to accept: in the index's order, no sorting of every such task.
    plan = _plan_of_page(engine, units=frozenset({"SO_TC"}), status="assigned", unit="SO_TC")
    assert "ix_task_instances_status_created_at" in plan and "TEMP B-TREE" not in plan
    # Đ5.2c: the extension requests awaiting the Office, the same way.
    plan = _plan_of_page(engine, units=None, extension_pending=True)
    assert "ix_task_instances_extension_pending_created_at" in plan and "TEMP B-TREE" not in plan
