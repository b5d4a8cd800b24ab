"""Intake's first tables: units, documents, tasks, refusals, and the platform tables.

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
        "units",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("successor", sa.String(40)),
        sa.Column("search_text", sa.String(600), nullable=False),
    )
    op.create_table(
        "documents",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("source_id", sa.String(200), nullable=False, unique=True),
        sa.Column("content_hash", sa.String(64), nullable=False),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("type", sa.String(40), nullable=False),
        sa.Column("assigned_by", sa.String(40), nullable=False),
        sa.Column("signer", sa.JSON, nullable=False),
        sa.Column("issued_on", sa.Date, nullable=False),
        sa.Column("urgency", sa.String(20), nullable=False),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("intake_deadline", sa.Date, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
        sa.Column("released_at", UtcDateTime()),
        sa.Column("released_late", sa.Boolean),
        sa.Column("search_text", sa.Text, nullable=False),
    )
    op.create_table(
        "tasks",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("position", sa.Integer, nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("lead_unit", sa.String(40), nullable=False),
        sa.Column("coordinating_units", sa.JSON, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("cadence", sa.String(20)),
    )
    op.create_index("ix_tasks_document_id", "tasks", ["document_id"])
    op.create_table(
        "refusals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("source_id", sa.String(200)),
        sa.Column("refused_at", UtcDateTime(), nullable=False),
        sa.Column("reason", sa.String(300), nullable=False),
    )


def downgrade() -> None:
    for table in ("refusals", "tasks", "documents", "units"):
        op.drop_table(table)
