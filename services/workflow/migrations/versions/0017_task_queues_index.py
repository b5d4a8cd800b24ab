"""Indexes in the task list's order within each status and within tasks awaiting an extension
decision or not, so that a page of a status's tasks (a unit's tasks to accept or in progress,
the Office's returned tasks) or of the extension requests (Đ5.2c) reads its rows in order and
stops at the page's end, instead of reading every such task to sort it: on SQLite a task's row
carries its serialized process state (some 14 KB), so reading `created_at`, which comes after
it, walks the state's overflow pages (docs/architecture.md, Benchmarks). The Office's queue
totals read the three queues' index entries rather than every task.

Revision ID: 0017
Revises: 0016
"""

import sqlalchemy as sa
from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


_INDEXES = {
    "ix_task_instances_status_created_at": "status",
    "ix_task_instances_extension_pending_created_at": "extension_pending",
}


def upgrade() -> None:
    for name, column in _INDEXES.items():
        op.create_index(name, "task_instances", [column, sa.text("created_at DESC"), "task_id"])


def downgrade() -> None:
    for name in _INDEXES:
        op.drop_index(name, table_name="task_instances")
