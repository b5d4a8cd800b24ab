"""When the unit submitted its latest result (Đ5.2b, Đ6.2a): a unit is late when it did not
submit by the due date, not when the Office is slow to confirm.

Revision ID: 0006
Revises: 0005

`submitted_at` is the instant of the latest `submit_result`, `submitted_on` its local date (what
the overdue rule compares in SQL). Instances submitted before this revision are filled from their
history's latest `submit_result` entry.
"""

from datetime import datetime

import sqlalchemy as sa
from alembic import op

from shared.calendar import local_date
from shared.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_instances", sa.Column("submitted_at", UtcDateTime()))
    op.add_column("task_instances", sa.Column("submitted_on", sa.Date()))
    _backfill()


def _backfill() -> None:
    conn = op.get_bind()
    history = sa.table(
        "task_history",
        sa.column("id", sa.Integer),
        sa.column("task_id", sa.String),
        sa.column("action", sa.String),
        sa.column("at", UtcDateTime()),
    )
    instances = sa.table(
        "task_instances",
        sa.column("task_id", sa.String),
        sa.column("submitted_at", UtcDateTime()),
        sa.column("submitted_on", sa.Date),
    )
    latest: dict[str, datetime] = {}
    query = (
        sa.select(history.c.task_id, history.c.at)
        .where(history.c.action == "submit_result")
        .order_by(history.c.id)
    )
    for row in conn.execute(query):
        latest[row.task_id] = row.at
    for task_id, at in latest.items():
        conn.execute(
            sa.update(instances)
            .where(instances.c.task_id == task_id)
            .values(submitted_at=at, submitted_on=local_date(at))
        )


def downgrade() -> None:
    op.drop_column("task_instances", "submitted_on")
    op.drop_column("task_instances", "submitted_at")
