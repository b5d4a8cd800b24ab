"""Search on PostgreSQL: migration 0004's trigram index serves `q=` on a realistic table.

Kept apart from test_intake_search.py (SQLite, through the API) because it needs a server and
builds its 20,000 rows with SQL rather than through the API.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, event, text
from sqlalchemy.engine import make_url

from services.intake import store, unit_store
from services.intake.app import MIGRATIONS
from shared.db import make_engine, migrate

pytestmark = pytest.mark.services

ROWS = 20_000
# Rows whose folded text contains the rare words searched for below.
RARE = (777, 4242, 15000)

FILL = f"""
INSERT INTO documents (id, source_id, content_hash, number, type, assigned_by, signer,
    issued_on, urgency, summary, status, origin, intake_deadline, received_at, search_text)
SELECT md5(i::text), 'bulk-' || i, md5(i::text), i || '/UBND-VX', 'cong_van', 'ubnd_tinh',
    '{{"name": "Người ký", "position": "Chủ tịch"}}', date '2026-01-01' + mod(i, 300), 'thuong',
    'Văn bản ' || i, CASE WHEN mod(i, 10) = 0 THEN 'released' ELSE 'received' END, 'office',
    date '2026-01-02', timestamptz '2026-01-01 00:00Z' + i * interval '1 minute',
    i || '/ubnd-vx van ban ' || i || ' ve ' || CASE
        WHEN i IN {RARE} THEN 'xay dung cau hoang quy'
        ELSE (ARRAY['quan ly dat dai', 'phong chong thien tai', 'chuyen doi so',
                    'giao duc dao tao', 'y te du phong', 'giao thong nong thon',
                    'cai cach hanh chinh'])[1 + mod(i, 7)]
    END
FROM generate_series(1, {ROWS}) AS i;
INSERT INTO tasks (id, document_id, position, content, lead_unit, coordinating_units, due_on)
SELECT md5('t' || i), md5(i::text), 0, 'Nhiệm vụ ' || i,
    (ARRAY['SO_TC', 'SO_XD', 'SO_YT', 'SO_NV'])[1 + mod(i, 4)],
    CASE WHEN i IN {RARE[:2]} THEN '["14812", "SO_TP"]' ELSE '[]' END::json,
    date '2026-12-31'
FROM generate_series(1, {ROWS}) AS i;
ANALYZE documents;
ANALYZE tasks;
"""


@pytest.fixture()
def engine(pg_database_url: str) -> Iterator[Engine]:
    engine = make_engine(pg_database_url)
    migrate(engine, MIGRATIONS)
    yield engine
    engine.dispose()


def _page_statement(engine: Engine, **filters: Any) -> tuple[list[dict[str, Any]], str, Any]:
    """Run the store's own list query; hand back its rows and the SQL it sent for the page."""
    sent: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        sent.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    try:
        with engine.connect() as conn:
            items, total = store.list_documents(
                conn, limit=50, offset=0, **{"status": None, "q": None, **filters}
            )
    finally:
        event.remove(engine, "before_cursor_execute", capture)
    statement, parameters = next((s, p) for s, p in sent if "LIMIT" in s)
    assert total == len(items) or len(items) == 50
    return items, statement, parameters


def test_a_search_on_20000_documents_uses_the_trigram_index(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.exec_driver_sql(FILL)
        indexes = {
            row.indexname: row.indexdef
            for row in conn.execute(text("SELECT indexname, indexdef FROM pg_indexes"))
        }
    assert "gin_trgm_ops" in indexes["ix_documents_search_trgm"]
    assert "gin_trgm_ops" in indexes["ix_units_search_trgm"]
    assert {"ix_documents_status", "ix_documents_issued_on", "ix_tasks_lead_unit"} <= set(indexes)

    items, statement, parameters = _page_statement(engine, q="hoang quy")
    assert sorted(item["source_id"] for item in items) == sorted(f"bulk-{i}" for i in RARE)
    with engine.connect() as conn:
        plan = "\n".join(row[0] for row in conn.exec_driver_sql("EXPLAIN " + statement, parameters))
    assert "ix_documents_search_trgm" in plan, plan
    assert "Seq Scan on documents" not in plan, plan

    # The filters give the same answers on PostgreSQL as on SQLite.
    items, *_ = _page_statement(engine, q="hoang quy", unit="14812")
    assert sorted(item["source_id"] for item in items) == sorted(f"bulk-{i}" for i in RARE[:2])
    items, *_ = _page_statement(engine, q="cau hoang", unit="SO_XD", status="received")
    assert [item["source_id"] for item in items] == ["bulk-777"]
    items, *_ = _page_statement(engine, q="hoang quy", issued_from=date(2026, 2, 10))
    assert sorted(item["source_id"] for item in items) == ["bulk-4242", "bulk-777"]
    assert _page_statement(engine, q="100%")[0] == []  # '%' is a character, not a wildcard
    with engine.connect() as conn:
        found, total = unit_store.list_units(
            conn, kind=None, q="hoa quy", active=None, limit=50, offset=0
        )
    assert "Xã Hoá Quỳ" in [unit["name"] for unit in found] and total == len(found)


def test_without_permission_for_pg_trgm_the_migration_warns_and_carries_on(
    pg_database_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    admin = make_engine(pg_database_url)
    role = f"nvtest_limited_{uuid.uuid4().hex[:8]}"
    with admin.begin() as conn:
        # PostgreSQL 15: a role may create a trusted extension only with CREATE on the database,
        # which this one lacks; it owns the schema, so it can still make tables.
        conn.exec_driver_sql(f'CREATE ROLE "{role}" LOGIN')
        conn.exec_driver_sql(f'ALTER SCHEMA public OWNER TO "{role}"')
    limited = make_engine(make_url(pg_database_url).set(username=role).render_as_string(False))
    caplog.set_level(logging.WARNING, logger="nhiemvu.migrations")
    try:
        migrate(limited, MIGRATIONS)
        with limited.connect() as conn:
            names = {r[0] for r in conn.execute(text("SELECT indexname FROM pg_indexes"))}
            version = conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one()
            items, total = store.list_documents(
                conn, status=None, q="quyet dinh", limit=10, offset=0
            )
        assert version >= "0004" and "ix_documents_status" in names
        assert "ix_documents_search_trgm" not in names
        assert items == [] and total == 0
        assert "pg_trgm" in caplog.text
    finally:
        limited.dispose()
        with admin.begin() as conn:
            conn.exec_driver_sql('ALTER SCHEMA public OWNER TO "pg_database_owner"')
            conn.exec_driver_sql(f'DROP OWNED BY "{role}"')
            conn.exec_driver_sql(f'DROP ROLE "{role}"')
        admin.dispose()
