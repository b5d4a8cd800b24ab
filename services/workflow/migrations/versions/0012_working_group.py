"""The Chairman's Working Group (Đ10.1b, Đ13.1): the decisions that set it up and its members,
each with the days their membership starts and ends.

Revision ID: 0012
Revises: 0011
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "working_group_decisions",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("number", sa.String(100), nullable=False),
        sa.Column("signed_on", sa.Date, nullable=False),
        sa.Column("signer", sa.String(300), nullable=False),
        sa.Column("rules", sa.Text),
        sa.Column("rules_ref", sa.String(500)),
        sa.Column("recorded_by", sa.JSON, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "working_group_members",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("decision_id", sa.String(32)),
        sa.Column("sub", sa.String(200), nullable=False),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("role", sa.String(20), nullable=False),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("started_on", sa.Date, nullable=False),
        sa.Column("ended_on", sa.Date),
        sa.Column("basis", sa.String(500)),
        sa.Column("end_reason", sa.Text),
        sa.Column("recorded_by", sa.JSON, nullable=False),
        sa.Column("recorded_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_working_group_members_sub", "working_group_members", ["sub"])


def downgrade() -> None:
    op.drop_table("working_group_members")
    op.drop_table("working_group_decisions")
