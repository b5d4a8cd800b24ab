"""Who takes part in each task and case, as rows: exact unit scoping, and an inspection's
inspectors (Đ11, Đ13).

Revision ID: 0007
Revises: 0006

`task_units` holds a task's lead unit and each coordinating unit, `case_units` each (role, unit)
of a case's parties, `case_people` the people a case names (an inspection's inspectors); lists
are scoped through them by the unit's index rather than by matching text in a JSON column.
Existing tasks and cases are filled from their rows.
"""

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

BATCH = 1000


def upgrade() -> None:
    op.create_table(
        "task_units",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("unit", sa.String(40), primary_key=True),
        sa.Column("role", sa.String(20), nullable=False),
    )
    op.create_index("ix_task_units_unit", "task_units", ["unit", "task_id"])
    op.create_table(
        "case_units",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("unit", sa.String(40), primary_key=True),
    )
    op.create_index("ix_case_units_unit", "case_units", ["unit", "case_id"])
    op.create_table(
        "case_people",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("role", sa.String(40), primary_key=True),
        sa.Column("sub", sa.String(200), primary_key=True),
    )
    op.create_index("ix_case_people_sub", "case_people", ["sub", "case_id"])
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    instances = sa.table(
        "task_instances",
        sa.column("task_id", sa.String),
        sa.column("lead_unit", sa.String),
        sa.column("coordinating_units", sa.JSON),
    )
    cases = sa.table(
        "cases",
        sa.column("case_id", sa.String),
        sa.column("parties", sa.JSON),
        sa.column("data", sa.JSON),
    )
    task_units = sa.table("task_units", sa.column("task_id"), sa.column("unit"), sa.column("role"))
    case_units = sa.table("case_units", sa.column("case_id"), sa.column("role"), sa.column("unit"))
    case_people = sa.table("case_people", sa.column("case_id"), sa.column("role"), sa.column("sub"))
    rows: list[dict[str, Any]] = []
    for task in conn.execute(sa.select(instances)).all():
        roles = {code: "coordinating" for code in task.coordinating_units or ()}
        roles[task.lead_unit] = "lead"
        rows += [{"task_id": task.task_id, "unit": u, "role": r} for u, r in roles.items()]
        rows = _flush(conn, task_units, rows)
    _flush(conn, task_units, rows, at_least=1)
    units: list[dict[str, Any]] = []
    people: list[dict[str, Any]] = []
    for case in conn.execute(sa.select(cases)).all():
        named = {(role, code) for role, codes in (case.parties or {}).items() for code in codes}
        units += [{"case_id": case.case_id, "role": r, "unit": u} for r, u in sorted(named)]
        inspectors = {p["sub"] for p in (case.data or {}).get("inspectors") or () if "sub" in p}
        people += [{"case_id": case.case_id, "role": "inspector", "sub": s} for s in inspectors]
        units = _flush(conn, case_units, units)
        people = _flush(conn, case_people, people)
    _flush(conn, case_units, units, at_least=1)
    _flush(conn, case_people, people, at_least=1)


def _flush(
    conn: Any, table: Any, rows: list[dict[str, Any]], at_least: int = BATCH
) -> list[dict[str, Any]]:
    if rows and len(rows) >= at_least:
        conn.execute(sa.insert(table), rows)
        return []
    return rows


def downgrade() -> None:
    op.drop_table("case_people")
    op.drop_table("case_units")
    op.drop_table("task_units")
