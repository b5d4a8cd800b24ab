"""Notify's first tables: inbox items, unit directory, platform tables.

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
        "inbox_items",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("event_id", sa.String(200), nullable=False),
        sa.Column("recipient_kind", sa.String(10), nullable=False),
        sa.Column("recipient", sa.String(200), nullable=False),
        sa.Column("channel", sa.String(20), nullable=False),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("task_id", sa.String(32)),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("read_at", UtcDateTime()),
    )
    op.create_index(
        "ux_inbox_delivery",
        "inbox_items",
        ["event_id", "recipient_kind", "recipient", "channel"],
        unique=True,
    )
    op.create_index(
        "ix_inbox_recipient", "inbox_items", ["recipient_kind", "recipient", "created_at"]
    )
    op.create_table(
        "units",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("units")
    op.drop_table("inbox_items")
