"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2): one row per period's report, from
office_report.* events: the sections of its last submission, the stored report it presents, and
its publication.

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "office_evaluations",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("period", sa.String(10), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("published_by", sa.String(200)),
        sa.Column("number", sa.String(60)),
    )
    op.create_index("ix_office_evaluations_report", "office_evaluations", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_office_evaluations_report", "office_evaluations")
    op.drop_table("office_evaluations")
