"""Progress duty (Đ6.2a): a flag on each task whose unit was reminded to post progress.

Revision ID: 0004
Revises: 0003

Set when the task diagram's progress reminder fires, cleared when the unit reports progress or
submits its result. Instances started before this revision ran diagrams without that reminder,
so false is their true value.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "task_instances",
        sa.Column("progress_due", sa.Boolean(), nullable=False, server_default=sa.false()),
    )


def downgrade() -> None:
    op.drop_column("task_instances", "progress_due")
