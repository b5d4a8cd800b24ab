"""Reporting's first tables: task facts, unit directory, intake timeliness, platform tables.

Revision ID: 0001
Revises:
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime
from shared.tables import create_platform_tables

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    create_platform_tables(op.get_bind())
    op.create_table(
        "task_facts",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("lead_unit", sa.String(40), nullable=False),
        sa.Column("assigned_by", sa.String(40)),
        sa.Column("assigned_on", sa.Date, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("completed_at", UtcDateTime()),
        sa.Column("completed_on", sa.Date),
        sa.Column("late_rework", sa.Boolean, nullable=False),
        sa.Column("withdrawn_at", UtcDateTime()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_task_facts_assigned", "task_facts", ["assigned_on", "lead_unit"])
    op.create_table(
        "units",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )
    op.create_table(
        "document_intake",
        sa.Column("document_id", sa.String(32), primary_key=True),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("intake_deadline", sa.Date, nullable=False),
        sa.Column("released_at", UtcDateTime(), nullable=False),
        sa.Column("released_late", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    for table in ("document_intake", "units", "task_facts"):
        op.drop_table(table)
