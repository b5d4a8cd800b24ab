"""Documents' files (their bytes in the file store) and units' reports of a missing or wrong task.

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
        "document_files",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("size", sa.Integer, nullable=False),
        sa.Column("media_type", sa.String(120), nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("origin", sa.String(20), nullable=False),
        sa.Column("added_at", UtcDateTime(), nullable=False),
        sa.Column("added_by", sa.String(200)),
    )
    op.create_index("ix_document_files_document_id", "document_files", ["document_id"])
    op.create_table(
        "task_reports",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("document_id", sa.String(32), sa.ForeignKey("documents.id"), nullable=False),
        sa.Column("task_id", sa.String(32)),
        sa.Column("unit", sa.String(40), nullable=False),
        sa.Column("problem", sa.String(20), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("reported_at", UtcDateTime(), nullable=False),
        sa.Column("reported_by", sa.JSON, nullable=False),
        sa.Column("closed_at", UtcDateTime()),
        sa.Column("closed_by", sa.JSON),
        sa.Column("closing_note", sa.Text),
    )
    op.create_index("ix_task_reports_document_id", "task_reports", ["document_id"])
    op.create_index("ix_task_reports_reported_at", "task_reports", ["reported_at"])


def downgrade() -> None:
    op.drop_table("task_reports")
    op.drop_table("document_files")
