"""Status back to the document system (Đ2.2, Đ3.2): a document's EDXML identifiers, when each of
its tasks was completed, and the status messages sent about it.

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("documents") as batch:
        batch.add_column(sa.Column("response_for", sa.JSON()))
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("completed_at", UtcDateTime()))
    op.create_table(
        "status_messages",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("kind", sa.String(30), nullable=False),
        sa.Column("status_code", sa.String(2), nullable=False),
        sa.Column("task_id", sa.String(32)),
        sa.Column("description", sa.Text, nullable=False),
        sa.Column("edxml", sa.Text, nullable=False),
        sa.Column("created_at", UtcDateTime(), nullable=False),
        sa.UniqueConstraint("document_id", "seq", name="ux_status_messages_document_seq"),
    )


def downgrade() -> None:
    op.drop_table("status_messages")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("completed_at")
    with op.batch_alter_table("documents") as batch:
        batch.drop_column("response_for")
