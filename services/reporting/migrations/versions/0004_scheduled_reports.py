"""Automatic Đ18 reports: a report made by the schedule carries its key, unique per period and kind.

Revision ID: 0004
Revises: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("reports") as batch:
        batch.add_column(sa.Column("schedule_key", sa.String(60)))
    # NULL for reports asked for by hand; one row per `kind:period` for the schedule's.
    op.create_index("ux_reports_schedule_key", "reports", ["schedule_key"], unique=True)


def downgrade() -> None:
    op.drop_index("ux_reports_schedule_key", "reports")
    with op.batch_alter_table("reports") as batch:
        batch.drop_column("schedule_key")
