"""Ad-hoc information requests (Đ8.1d, Đ9.2): one row per request to one unit, so that a unit's
figures for a period count the requests it received and how it answered them.

Revision ID: 0006
Revises: 0005
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "info_request_facts",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("answered_on", sa.Date()),
        sa.Column("answered_late", sa.Boolean(), nullable=False),
        sa.Column("closed_at", UtcDateTime()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_info_request_facts_opened", "info_request_facts", ["opened_on", "unit"])


def downgrade() -> None:
    op.drop_index("ix_info_request_facts_opened", table_name="info_request_facts")
    op.drop_table("info_request_facts")
