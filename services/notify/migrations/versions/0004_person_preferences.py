"""Per-person e-mail preferences: an address and immediate, digest or none, keyed by `sub`.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "person_preferences",
        sa.Column("sub", sa.String(200), primary_key=True),
        sa.Column("unit", sa.String(40)),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("email", sa.String(320)),
        sa.Column("delivery", sa.String(20), nullable=False),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_person_preferences_unit", "person_preferences", ["unit", "delivery"])


def downgrade() -> None:
    op.drop_table("person_preferences")
