"""Unit names: the workflow's directory of units, filled from intake's `unit.updated` events, so
that the texts it writes (the monthly account, Đ10.1đ; case titles) name units, not codes.

Revision ID: 0005
Revises: 0004

A deployment upgraded to this revision learns the names of the units that existed before from
intake's migration 0005, which announces every unit again; until then texts show codes.
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "units",
        sa.Column("code", sa.String(40), primary_key=True),
        sa.Column("name", sa.String(300), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("units")
