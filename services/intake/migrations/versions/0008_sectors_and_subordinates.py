"""Sectors and subordinate units (Đ7.2a, Đ8.2a, Đ8.2c): each unit's parent and the sectors it
manages (codes of data/sectors.json), and each task's sector.

Revision ID: 0008
Revises: 0007

Units and tasks from before have no parent and no sector, which is what the other services
assume of units they heard of before (event_schemas.UnitUpdated): nothing to announce again.
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("parent", sa.String(40)))
        batch.add_column(sa.Column("sectors", sa.JSON()))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("sector", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("sector")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("sectors")
        batch.drop_column("parent")
