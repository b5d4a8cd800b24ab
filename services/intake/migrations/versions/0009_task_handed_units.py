"""The units each task was handed on to (Đ8.2c), learnt from the workflow's task events, so that
they read the task's document (Đ5.2a).

Revision ID: 0009
Revises: 0008

Hand-ons made before this revision are learnt from the task's next event; until then the unit
reads the task in the workflow, as before.
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "task_handed_units",
        sa.Column("task_id", sa.String(32), sa.ForeignKey("tasks.id"), primary_key=True),
        sa.Column("handed_units", sa.JSON, nullable=False),
        sa.Column("occurred_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("task_handed_units")
