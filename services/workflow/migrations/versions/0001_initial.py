"""Workflow's first tables: process models, task instances, task history, platform tables.

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
        "process_models",
        sa.Column("process_id", sa.String(100), primary_key=True),
        sa.Column("version", sa.Integer, primary_key=True),
        sa.Column("bpmn_xml", sa.LargeBinary, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("deployed_at", UtcDateTime(), nullable=False),
        sa.Column("deployed_by", sa.String(200)),
    )
    op.create_table(
        "task_instances",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), nullable=False),
        sa.Column("document_number", sa.String(100), nullable=False),
        sa.Column("assigned_by", sa.String(40), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("search_text", sa.Text, nullable=False),
        sa.Column("lead_unit", sa.String(40), nullable=False),
        sa.Column("coordinating_units", sa.JSON, nullable=False),
        sa.Column("due_on", sa.Date),
        sa.Column("cadence", sa.String(20)),
        sa.Column("assigned_on", sa.Date, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("extension_pending", sa.Boolean, nullable=False),
        sa.Column("process_id", sa.String(100), nullable=False),
        sa.Column("process_version", sa.Integer, nullable=False),
        sa.Column("state", sa.Text, nullable=False),
        sa.Column("revision", sa.Integer, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_task_instances_lead_unit", "task_instances", ["lead_unit"])
    op.create_index("ix_task_instances_due_on", "task_instances", ["due_on"])
    op.create_index("ix_task_instances_status", "task_instances", ["status"])
    op.create_table(
        "task_history",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("task_id", sa.String(32), nullable=False),
        sa.Column("at", UtcDateTime(), nullable=False),
        sa.Column("action", sa.String(40), nullable=False),
        sa.Column("status_from", sa.String(20)),
        sa.Column("status_to", sa.String(20), nullable=False),
        sa.Column("actor", sa.JSON),
        sa.Column("note", sa.Text),
    )
    op.create_index("ix_task_history_task_id", "task_history", ["task_id"])


def downgrade() -> None:
    for table in ("task_history", "task_instances", "process_models"):
        op.drop_table(table)
