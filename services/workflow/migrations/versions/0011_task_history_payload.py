"""What each task action and correction gave the diagram, kept in the task's history.

Revision ID: 0011
Revises: 0010

`task_history.payload` holds the engine's payload of an action (e.g. a request's `new_due_on`, a
decision's `approve`), the changes of a correction from the Office (`due_on`, `cadence`…) and,
on the release's entry, the data the instance started with: what the deploy preview replays
against a candidate diagram (docs/adding-a-process.md, "Changing a process while it runs").
Entries written before this revision have none; the preview derives what it can from their notes
and counts those tasks apart.
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("task_history", sa.Column("payload", sa.JSON()))


def downgrade() -> None:
    with op.batch_alter_table("task_history") as batch:
        batch.drop_column("payload")
