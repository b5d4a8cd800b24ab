"""The public event feed: events waiting to be republished on the agencies' exchange.

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
        "public_feed",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("event_id", sa.String(200), nullable=False, unique=True),
        sa.Column("event_type", sa.String(100), nullable=False),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
    )
    op.create_index("ix_public_feed_published_at", "public_feed", ["published_at"])


def downgrade() -> None:
    op.drop_index("ix_public_feed_published_at", table_name="public_feed")
    op.drop_table("public_feed")
