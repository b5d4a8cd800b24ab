"""Files sent with a task's progress, results and contributions (Đ6.2a) and with a case's
actions (an information request's answer, Đ9.2); their bytes are in the file store.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    for table, key in (("task_files", "task_id"), ("case_files", "case_id")):
        _create(table, key)


def _create(table: str, key: str) -> None:
    op.create_table(
        table,
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column(key, sa.String(32), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_at", UtcDateTime(), nullable=False),
        sa.Column("uploaded_by", sa.JSON, nullable=False),
        sa.Column("unit", sa.String(40)),
        sa.Column("history_id", sa.Integer),
    )
    op.create_index(f"ix_{table}_{key}", table, [key])
    op.create_index(f"ix_{table}_history_id", table, ["history_id"])


def downgrade() -> None:
    op.drop_table("case_files")
    op.drop_table("task_files")
