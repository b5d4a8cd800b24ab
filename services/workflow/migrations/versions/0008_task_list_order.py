"""An index in the task list's order (newest first), so that a page of tasks reads its 25 rows
rather than sorting every task with its serialized process state (the web's task list).

Revision ID: 0008
Revises: 0007
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_task_instances_created_at", "task_instances", ["created_at", "task_id"])


def downgrade() -> None:
    op.drop_index("ix_task_instances_created_at", table_name="task_instances")
