"""The officer responsible for a task inside its lead unit (Đ21), from the task's events: what
the figures per officer and the commendation candidates read.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_facts", sa.Column("officer_sub", sa.String(200)))
    op.add_column("task_facts", sa.Column("officer_name", sa.String(300)))


def downgrade() -> None:
    with op.batch_alter_table("task_facts") as batch:
        batch.drop_column("officer_name")
        batch.drop_column("officer_sub")
