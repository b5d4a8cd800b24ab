"""The officer responsible for a task inside its lead unit (Đ21), from the task's events: what
the figures per officer and the commendation candidates read.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_facts", sa.Column("officer_sub", sa.String(200)))
    op.add_column("task_facts", sa.Column("officer_name", sa.String(300)))


def downgrade() -> None:
    with op.batch_alter_table("task_facts") as batch:
        batch.drop_column("officer_name")
        batch.drop_column("officer_sub")
