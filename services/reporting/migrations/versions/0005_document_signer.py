"""The document's signer, so that the figures by leader can tell the Vice-Chairmen apart.

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # NULL for documents released before intake sent the signer: they group under pho_chu_tich.
    with op.batch_alter_table("document_intake") as batch:
        batch.add_column(sa.Column("signer_name", sa.String(200)))
        batch.add_column(sa.Column("signer_position", sa.String(200)))


def downgrade() -> None:
    with op.batch_alter_table("document_intake") as batch:
        batch.drop_column("signer_position")
        batch.drop_column("signer_name")
