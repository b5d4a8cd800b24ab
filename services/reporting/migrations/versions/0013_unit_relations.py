"""Each unit's parent and the sectors it manages, from `unit.updated` (Đ7.2a, Đ8.2a, Đ8.2c):
who reads whose figures (shared/scoping.py); each task's sector, from the task events (Đ8.2a).

Revision ID: 0013
Revises: 0012

Units heard of before have no parent and no sector, as in intake (its migration 0008); tasks
counted before have no sector until their next event (`nhiemvu reporting rebuild` replays them).
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("units") as batch:
        batch.add_column(sa.Column("parent", sa.String(40)))
        batch.add_column(sa.Column("sectors", sa.JSON()))
    with op.batch_alter_table("task_facts") as batch:
        batch.add_column(sa.Column("sector", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("task_facts") as batch:
        batch.drop_column("sector")
    with op.batch_alter_table("units") as batch:
        batch.drop_column("sectors")
        batch.drop_column("parent")
