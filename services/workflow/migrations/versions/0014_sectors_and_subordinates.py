"""Sectors and subordinate units (Đ7.2a, Đ8.2a, Đ8.2c): each unit's parent and the sectors it
manages, learnt from `unit.updated`; each task's sector and the units under its lead unit it was
handed on to.

Revision ID: 0014
Revises: 0013

Units and tasks from before have no parent, no sector and were handed on to no unit; intake
(its migration 0008) has no change to announce.
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("units", sa.Column("parent", sa.String(40)))
    op.add_column("units", sa.Column("sectors", sa.JSON()))
    op.add_column("task_instances", sa.Column("sector", sa.String(40)))
    op.add_column("task_instances", sa.Column("handed_units", sa.JSON()))
    op.create_index("ix_task_instances_sector", "task_instances", ["sector"])


def downgrade() -> None:
    op.drop_index("ix_task_instances_sector", "task_instances")
    op.drop_column("task_instances", "handed_units")
    op.drop_column("task_instances", "sector")
    op.drop_column("units", "sectors")
    op.drop_column("units", "parent")
