"""The active version of each process model, and where each version came from.

Revision ID: 0009
Revises: 0008

New instances start on the active version (one per process, a partial unique index keeps it
so); a version deployed by a process owner stays active across restarts, which deploy the
diagrams of bpmn/ only when their content is new (docs/adding-a-process.md). Existing databases
keep using their newest version: it becomes the active one, chosen by whoever deployed it, and a
version deployed by someone other than the start-up (`bpmn/`) is recorded as come from the API.
"""

import sqlalchemy as sa
from alembic import op

from shared.db import UtcDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column(
        "process_models",
        sa.Column("source", sa.String(10), nullable=False, server_default="file"),
    )
    op.add_column(
        "process_models",
        sa.Column("active", sa.Boolean(), nullable=False, server_default=sa.false()),
    )
    op.add_column("process_models", sa.Column("activated_at", UtcDateTime()))
    op.add_column("process_models", sa.Column("activated_by", sa.String(200)))
    models = sa.table(
        "process_models",
        sa.column("process_id", sa.String),
        sa.column("version", sa.Integer),
        sa.column("deployed_at", UtcDateTime()),
        sa.column("deployed_by", sa.String),
        sa.column("source", sa.String),
        sa.column("active", sa.Boolean),
        sa.column("activated_at", UtcDateTime()),
        sa.column("activated_by", sa.String),
    )
    op.execute(
        models.update()
        .where(sa.or_(models.c.deployed_by.is_(None), models.c.deployed_by != "bpmn/"))
        .values(source="api")
    )
    newer = sa.alias(models, "newer")
    newest = ~sa.exists().where(
        newer.c.process_id == models.c.process_id, newer.c.version > models.c.version
    )
    op.execute(
        models.update()
        .where(newest)
        .values(active=True, activated_at=models.c.deployed_at, activated_by=models.c.deployed_by)
    )
    op.create_index(
        "ux_process_models_active",
        "process_models",
        ["process_id"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )


def downgrade() -> None:
    op.drop_index("ux_process_models_active", table_name="process_models")
    for column in ("activated_by", "activated_at", "active", "source"):
        op.drop_column("process_models", column)
