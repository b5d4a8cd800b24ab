"""Count by the unit's result, not the Office's confirmation (Đ5.2b, Đ6.2a): each task's latest
submission, its content for the Đ17.4 list, and one row per submission the Office decided on
(its confirmation lag, beside its Đ6.1 intake compliance).

Revision ID: 0007
Revises: 0006

The live model fills the new columns from the events that arrive from now on; the figures of
tasks applied before are recomputed by `nhiemvu reporting rebuild`, which replays the event log:
`task.result_submitted` carries the submission's time, `task.completed` and
`task.rework_requested` the Office's decision (README, "Moving to the unit's submission time").
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

PERIOD_COLUMNS = [
    "lead_unit",
    "due_on",
    "completed_at",
    "completed_on",
    "late_rework",
    "withdrawn_at",
]


def upgrade() -> None:
    op.add_column("task_facts", sa.Column("submitted_at", UtcDateTime()))
    op.add_column("task_facts", sa.Column("submitted_on", sa.Date()))
    op.add_column("task_facts", sa.Column("confirmed_at", UtcDateTime()))
    op.add_column("task_facts", sa.Column("content", sa.Text()))
    # The period index also answers the new rule (a result submitted in time, awaiting the
    # Office) from the index alone on PostgreSQL.
    op.drop_index("ix_task_facts_period", "task_facts")
    op.create_index(
        "ix_task_facts_period",
        "task_facts",
        ["assigned_on"],
        postgresql_include=[*PERIOD_COLUMNS, "status", "submitted_at", "submitted_on"],
    )
    op.create_table(
        "submissions",
        sa.Column("task_id", sa.String(32), primary_key=True),
        sa.Column("submitted_at", UtcDateTime(), primary_key=True),
        sa.Column("lead_unit", sa.String(40), nullable=False),
        sa.Column("decided_at", UtcDateTime()),
        sa.Column("decision", sa.String(20)),
    )
    op.create_index("ix_submissions_decided", "submissions", ["decided_at"])
    op.create_index("ix_submissions_open", "submissions", ["decision", "submitted_at"])


def downgrade() -> None:
    op.drop_index("ix_submissions_open", "submissions")
    op.drop_index("ix_submissions_decided", "submissions")
    op.drop_table("submissions")
    op.drop_index("ix_task_facts_period", "task_facts")
    op.create_index(
        "ix_task_facts_period", "task_facts", ["assigned_on"], postgresql_include=PERIOD_COLUMNS
    )
    for column in ("content", "confirmed_at", "submitted_on", "submitted_at"):
        op.drop_column("task_facts", column)
