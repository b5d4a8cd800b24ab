"""Indexes for search and the list filters: trigram indexes on the folded text (PostgreSQL).

Search matches every folded word of `q` anywhere in `search_text` (LIKE '%word%'). A btree cannot
serve an infix LIKE; a GIN trigram index can, so on PostgreSQL the `pg_trgm` extension is enabled
and both folded columns get one. Where the role may not create extensions, the migration warns
and carries on: search then stays correct, only slower. SQLite gets only the plain btrees.

Revision ID: 0004
Revises: 0003
"""

import logging

from alembic import op
from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

log = logging.getLogger("nhiemvu.migrations")

TRIGRAM_INDEXES = {
    "ix_documents_search_trgm": "documents",
    "ix_units_search_trgm": "units",
}
# Every filter of the document and unit lists, and the order of the document list.
BTREE_INDEXES = {
    "ix_documents_status": ("documents", ["status"]),
    "ix_documents_type": ("documents", ["type"]),
    "ix_documents_assigned_by": ("documents", ["assigned_by"]),
    "ix_documents_issued_on": ("documents", ["issued_on"]),
    "ix_documents_received_at": ("documents", ["received_at"]),
    "ix_tasks_lead_unit": ("tasks", ["lead_unit"]),
    "ix_units_kind": ("units", ["kind", "code"]),
}


def upgrade() -> None:
    for name, (table, columns) in BTREE_INDEXES.items():
        op.create_index(name, table, columns)
    bind = op.get_bind()
    if bind.dialect.name != "postgresql":
        return
    if not _trigram_available(bind):
        log.warning(
            "pg_trgm is not available and this role may not create it: search works without "
            "a trigram index (sequential scan). Run CREATE EXTENSION pg_trgm as a superuser, "
            "then re-create the indexes %s.",
            ", ".join(TRIGRAM_INDEXES),
        )
        return
    for name, table in TRIGRAM_INDEXES.items():
        op.create_index(
            name,
            table,
            ["search_text"],
            postgresql_using="gin",
            postgresql_ops={"search_text": "gin_trgm_ops"},
            # Without a pending list a new document is searchable through the index at once;
            # with one, the planner shuns the index until (auto)vacuum flushes it. Intake inserts
            # documents one at a time, so the slower insert is a fraction of a millisecond.
            postgresql_with={"fastupdate": "off"},
        )


def downgrade() -> None:
    bind = op.get_bind()
    if bind.dialect.name == "postgresql":
        for name in TRIGRAM_INDEXES:
            op.execute(f"DROP INDEX IF EXISTS {name}")
    for name, (table, _columns) in BTREE_INDEXES.items():
        op.drop_index(name, table_name=table)


def _trigram_available(bind: Connection) -> bool:
    # The migration runs in one transaction: a refused CREATE EXTENSION must only roll back its
    # savepoint, not the whole upgrade.
    try:
        with bind.begin_nested():
            bind.exec_driver_sql("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    except DBAPIError as exc:
        log.warning("CREATE EXTENSION pg_trgm refused: %s", str(exc.orig).strip()[:200])
    installed = bind.exec_driver_sql("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
    return installed.first() is not None
