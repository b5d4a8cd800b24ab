"""Timers: each instance's next due timer, in an indexed column the scheduler searches.

Revision ID: 0002
Revises: 0001

Instances started before this revision ran diagrams without timers, so NULL (no timer waiting)
is their true value and nothing is backfilled.
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_instances", sa.Column("next_timer_at", UtcDateTime(), nullable=True))
    op.create_index("ix_task_instances_next_timer_at", "task_instances", ["next_timer_at"])


def downgrade() -> None:
    op.drop_index("ix_task_instances_next_timer_at", "task_instances")
    op.drop_column("task_instances", "next_timer_at")
