"""A version of the unit directory, moved on by every change to `units` (a trigger), so that a
process keeps the directory it resolves callers from and reads one row per request instead of
every unit (shared/scoping.py; docs/architecture.md, Benchmarks).

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

_BUMP = "UPDATE units_version SET version = version + 1 WHERE id = 1"


def upgrade() -> None:
    op.create_table(
        "units_version",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("version", sa.BigInteger, nullable=False),
    )
    op.execute("INSERT INTO units_version (id, version) VALUES (1, 0)")
    if op.get_bind().dialect.name == "postgresql":
        op.execute(
            "CREATE FUNCTION units_version_bump() RETURNS trigger LANGUAGE plpgsql AS "
            f"$$ BEGIN {_BUMP}; RETURN NULL; END $$"
        )
        op.execute(
            "CREATE TRIGGER units_version_bump AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
            "ON units FOR EACH STATEMENT EXECUTE FUNCTION units_version_bump()"
        )
        return
    for change in ("INSERT", "UPDATE", "DELETE"):
        op.execute(
            f"CREATE TRIGGER units_version_{change.lower()} AFTER {change} ON units "
            f"BEGIN {_BUMP}; END"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER units_version_bump ON units")
        op.execute("DROP FUNCTION units_version_bump()")
    else:
        for change in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER units_version_{change}")
    op.drop_table("units_version")
