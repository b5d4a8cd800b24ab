"""What intake keeps of its tasks' lives after release: the status messages back to the document
system (Đ3.2), a task's completion, and the units a task was handed on to (Đ8.2c), which read
its document. The tables are store.status_messages, store.tasks and store.task_handed_units."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from services.intake.store import status_messages, task_handed_units, tasks


def add_status_message(conn: Connection, row: dict[str, Any]) -> None:
    last = conn.execute(
        select(func.max(status_messages.c.seq)).where(
            status_messages.c.document_id == row["document_id"]
        )
    ).scalar_one()
    conn.execute(insert(status_messages), {**row, "seq": 1 if last is None else int(last) + 1})


def status_messages_of(conn: Connection, document_id: str) -> list[dict[str, Any]]:
    query = (
        select(status_messages)
        .where(status_messages.c.document_id == document_id)
        .order_by(status_messages.c.seq)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def mark_task_completed(conn: Connection, task_id: str, at: Any) -> bool:
    """Record a task's completion once; false if it was already recorded (or is unknown)."""
    # The caller holds the task's row (task_by_id(lock=True)); the condition keeps it once anyway.
    statement = (
        update(tasks)
        .where(tasks.c.id == task_id, tasks.c.completed_at.is_(None))
        .values(completed_at=at)
    )
    return conn.execute(statement).rowcount == 1


def handed_units_of(conn: Connection, task_id: str) -> list[str]:
    """The units the task was handed on to (Đ8.2c), as intake last heard."""
    h = task_handed_units
    units = conn.execute(select(h.c.handed_units).where(h.c.task_id == task_id)).scalar()
    return list(units or ())


def record_handed_units(conn: Connection, task_id: str, handed: list[str], at: Any) -> bool:
    """Keep the units a task was handed on to as of `at` (Đ8.2c); false when the task is unknown
    here or what is kept is newer. The caller holds the task's row (task_by_id(lock=True))."""
    h = task_handed_units
    kept = conn.execute(select(h.c.occurred_at).where(h.c.task_id == task_id)).scalar()
    if kept is None:
        conn.execute(insert(h).values(task_id=task_id, handed_units=handed, occurred_at=at))
        return True
    if kept > at:
        return False
    statement = update(h).where(h.c.task_id == task_id).values(handed_units=handed, occurred_at=at)
    conn.execute(statement)
    return True
