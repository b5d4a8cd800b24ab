"""Seed the units: the Office, the provincial departments, the 166 communes and wards.

Each unit is also announced on the bus (`unit.updated`, through the outbox) so that the services
that show unit names learn them without reading intake's tables.

Revision ID: 0002
Revises: 0001
"""

from alembic import op

from services.intake.seed import seed_units

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    seed_units(op.get_bind())


def downgrade() -> None:
    op.execute("DELETE FROM units")
