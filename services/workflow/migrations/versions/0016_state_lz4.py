"""An instance's state (the engine's JSON, some 14 KB a task) compressed with LZ4 rather than
PostgreSQL's default pglz: every action writes it anew, and pglz's compression of it was a
large part of the server's work per action (docs/architecture.md, Benchmarks). Values written
before keep pglz and read as ever. PostgreSQL 14 and later built with LZ4; elsewhere (SQLite,
an older server, a server without LZ4) nothing changes.

Revision ID: 0016
Revises: 0015
"""

import logging

from alembic import op
from sqlalchemy.exc import DBAPIError

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

log = logging.getLogger(__name__)

_STATES = ("task_instances", "cases")


def upgrade() -> None:
    _set_compression("lz4")


def downgrade() -> None:
    _set_compression("pglz")


def _set_compression(method: str) -> None:
    bind = op.get_bind()
    if bind.dialect.name != "postgresql" or (bind.dialect.server_version_info or (0,)) < (14,):
        return
    try:
        # A server built without LZ4 refuses it: only the savepoint rolls back, not the upgrade.
        with bind.begin_nested():
            for table in _STATES:
                bind.exec_driver_sql(
                    f"ALTER TABLE {table} ALTER COLUMN state SET COMPRESSION {method}"
                )
    except DBAPIError as exc:
        log.warning("state compression %s refused: %s", method, str(exc.orig).strip()[:200])
