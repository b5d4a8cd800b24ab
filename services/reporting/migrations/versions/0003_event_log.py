"""The append-only event log the read model is rebuilt from (`nhiemvu reporting rebuild`).

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
        "event_log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(200), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("event_time", UtcDateTime(), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("received_at", UtcDateTime(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("event_log")
