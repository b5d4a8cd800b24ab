"""Units' periodic reports (Đ18.1): one row per unit's report for a period, from unit_report.*
events, for the figure of which units reported on time, late or not at all.

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unit_report_facts",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("first_submitted_at", UtcDateTime(), nullable=False),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.Column("returns", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("accepted_at", UtcDateTime()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_unit_report_facts_period", "unit_report_facts", ["period", "unit"])


def downgrade() -> None:
    op.drop_index("ix_unit_report_facts_period", "unit_report_facts")
    op.drop_table("unit_report_facts")
