"""Cases: the processes that are not a task's lifecycle (inspections, feedback, periodic reports,
and the exchanges about a task), each a BPMN instance with its own projection and history.

Revision ID: 0003
Revises: 0002
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "cases",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(40), nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("search_text", sa.Text(), nullable=False),
        sa.Column("task_id", sa.String(32)),
        sa.Column("group_id", sa.String(32)),
        sa.Column("parties", sa.JSON(), nullable=False),
        sa.Column("units", sa.JSON(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("status", sa.String(30), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("process_version", sa.Integer(), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.JSON()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
        sa.Column("closed_at", UtcDateTime()),
        sa.Column("next_timer_at", UtcDateTime()),
    )
    op.create_index("ix_cases_kind_status", "cases", ["kind", "status"])
    op.create_index("ix_cases_task_id", "cases", ["task_id"])
    op.create_index("ix_cases_group_id", "cases", ["group_id"])
    op.create_index("ix_cases_next_timer_at", "cases", ["next_timer_at"])
    op.create_table(
        "case_history",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("status_from", sa.String(30)),
        sa.Column("status_to", sa.String(30), nullable=False),
        sa.Column("actor", sa.JSON()),
        sa.Column("note", sa.Text()),
        sa.Column("payload", sa.JSON()),
    )
    op.create_index("ix_case_history_case_id", "case_history", ["case_id"])


def downgrade() -> None:
    op.drop_table("case_history")
    op.drop_table("cases")
