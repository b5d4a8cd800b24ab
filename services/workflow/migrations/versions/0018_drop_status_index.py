"""The index on a task's status alone is dropped: migration 0017's index on (status, created_at
DESC, task_id) begins with the status, so it serves every lookup by status the one on the status
did, and an action that changes a task's status (every accept, submission, closing) no longer
writes an entry into both (docs/architecture.md, Benchmarks).

Revision ID: 0018
Revises: 0017
"""

from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_task_instances_status", table_name="task_instances")


def downgrade() -> None:
    op.create_index("ix_task_instances_status", "task_instances", ["status"])
