"""Tasks can be withdrawn by the Office (Đ5.2a): a status and the time of the last correction.

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
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(
            sa.Column("status", sa.String(20), nullable=False, server_default="active")
        )
        batch.add_column(sa.Column("updated_at", UtcDateTime()))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("updated_at")
        batch.drop_column("status")
