"""The official documents' templates the Office uploads (services/reporting/documents/): one row
per version of a kind's template, its bytes in the file store; no bytes for a reset to the
shipped template.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "document_templates",
        sa.Column("kind", sa.String(40), primary_key=True),
        sa.Column("version", sa.Integer(), primary_key=True),
        sa.Column("sha256", sa.String(64)),
        sa.Column("name", sa.String(200)),
        sa.Column("size", sa.Integer()),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("document_templates")
