"""The officer responsible for a task inside its lead unit (Đ21), named by the unit's head.

Revision ID: 0013
Revises: 0012

Tasks without one keep the unit responsible: both columns stay NULL.
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_instances", sa.Column("officer_sub", sa.String(200)))
    op.add_column("task_instances", sa.Column("officer_name", sa.String(300)))


def downgrade() -> None:
    with op.batch_alter_table("task_instances") as batch:
        batch.drop_column("officer_name")
        batch.drop_column("officer_sub")
