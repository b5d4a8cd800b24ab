"""The Office's annual report on this regulation (Đ20.1): the facts it needs beyond tasks —
inspections and their conclusions (Đ10–Đ15), the year's inspection plans (Đ10.1a), feedback and
how the Office handled it (Đ16.6, Đ17.2, Đ17.3) — and the Office's written sections of each
annual report, from annual_report.* events.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "inspection_facts",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("form", sa.String(20)),
        sa.Column("units", sa.Text(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("opened_on", sa.Date(), nullable=False),
        sa.Column("ended_on", sa.Date()),
        sa.Column("reported_on", sa.Date()),
        sa.Column("presented_on", sa.Date()),
        sa.Column("cancelled", sa.Boolean(), nullable=False),
        sa.Column("conclusions", sa.Text()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_inspection_facts_ended", "inspection_facts", ["ended_on"])
    op.create_table(
        "inspection_plan_facts",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("items", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("approved_on", sa.Date()),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_table(
        "feedback_facts",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("about_unit", sa.String(40), nullable=False),
        sa.Column("problem", sa.String(40)),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("due_on", sa.Date()),
        sa.Column("handled_on", sa.Date()),
        sa.Column("outcome", sa.String(20)),
        sa.Column("updated_at", UtcDateTime(), nullable=False),
    )
    op.create_index("ix_feedback_facts_received", "feedback_facts", ["received_on"])
    op.create_table(
        "annual_evaluations",
        sa.Column("case_id", sa.String(32), primary_key=True),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("report_id", sa.String(32), nullable=False),
        sa.Column("sections", sa.Text(), nullable=False),
        sa.Column("submitted_at", UtcDateTime(), nullable=False),
        sa.Column("published_at", UtcDateTime()),
        sa.Column("published_by", sa.String(200)),
        sa.Column("number", sa.String(60)),
    )
    op.create_index("ix_annual_evaluations_report", "annual_evaluations", ["report_id"])


def downgrade() -> None:
    op.drop_index("ix_annual_evaluations_report", "annual_evaluations")
    op.drop_table("annual_evaluations")
    op.drop_index("ix_feedback_facts_received", "feedback_facts")
    op.drop_table("feedback_facts")
    op.drop_table("inspection_plan_facts")
    op.drop_index("ix_inspection_facts_ended", "inspection_facts")
    op.drop_table("inspection_facts")
