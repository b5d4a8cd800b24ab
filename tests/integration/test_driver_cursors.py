"""Statements on the driver (shared/db.py, `rows_on_driver`) keep a cursor per statement on each
pooled connection: what a statement reads is the same run after run whatever ran in between,
its parameters may change type (None, then a value), a failed statement does not leave its
cursor behind, and a connection invalidated and opened again starts with no cursor of the old
one."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from shared import db
from shared.db import make_engine, rows_on_driver
from tests.integration import test_audit_postgres

pg_engine = test_audit_postgres.pg_engine

READ = "SELECT %(a)s::int + %(b)s::int, %(a)s::int, '100%%'"
OTHER = "SELECT n FROM generate_series(1, %(upto)s::int) AS n ORDER BY n"
MAYBE = "SELECT %(v)s::text IS NULL, %(v)s::text"


def kept(conn) -> dict:
    entry = conn.connection.info.get(db._CURSORS)
    assert entry is not None and entry[0] is conn.connection.dbapi_connection
    return entry[1]


def test_placeholders_become_positional_once() -> None:
    query, names = db._positional(READ)
    assert query == "SELECT %s::int + %s::int, %s::int, '100%%'"
    assert names == ("a", "b", "a")
    assert db._positional(READ) is db._positional(READ)  # converted once, the same objects


def test_each_statement_keeps_its_cursor_and_reads_afresh(pg_engine) -> None:
    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with engine.begin() as conn:
            assert rows_on_driver(conn, READ, {"a": 1, "b": 2}) == [(3, 1, "100%")]
            first = kept(conn)[db._positional(READ)[0]]
            assert rows_on_driver(conn, OTHER, {"upto": 3}) == [(1,), (2,), (3,)]
            assert rows_on_driver(conn, READ, {"a": 40, "b": 2}) == [(42, 40, "100%")]
            assert kept(conn)[db._positional(READ)[0]] is first
            assert rows_on_driver(conn, OTHER, {"upto": 1}) == [(1,)]
            assert len(kept(conn)) == 2
            # A parameter's type may change between runs of one statement.
            assert rows_on_driver(conn, MAYBE, {"v": None}) == [(True, None)]
            assert rows_on_driver(conn, MAYBE, {"v": "có"}) == [(False, "có")]
            assert rows_on_driver(conn, MAYBE, {"v": None}) == [(True, None)]
        with engine.begin() as conn:  # the pool's one connection again, its cursors kept
            assert kept(conn)[db._positional(READ)[0]] is first
            assert rows_on_driver(conn, READ, {"a": 2, "b": 2}) == [(4, 2, "100%")]
    finally:
        engine.dispose()


def test_a_failed_statement_drops_its_cursor(pg_engine) -> None:
    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    failing = "SELECT 1 / %(d)s::int"
    try:
        with engine.begin() as conn:
            assert rows_on_driver(conn, failing, {"d": 1}) == [(1,)]
            cursor = kept(conn)[db._positional(failing)[0]]
            with pytest.raises(exc.DataError):
                rows_on_driver(conn, failing, {"d": 0})
            assert cursor.closed and db._positional(failing)[0] not in kept(conn)
        with engine.begin() as conn:
            assert rows_on_driver(conn, failing, {"d": 1}) == [(1,)]
            assert kept(conn)[db._positional(failing)[0]] is not cursor
    finally:
        engine.dispose()


def test_a_reconnected_connection_has_none_of_the_old_cursors(pg_engine) -> None:
    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with engine.connect() as conn:
            assert rows_on_driver(conn, READ, {"a": 1, "b": 1}) == [(2, 1, "100%")]
            old = conn.connection.dbapi_connection
            old_cursor = kept(conn)[db._positional(READ)[0]]
            conn.invalidate()
            conn.rollback()
            assert rows_on_driver(conn, READ, {"a": 1, "b": 5}) == [(6, 1, "100%")]
            assert conn.connection.dbapi_connection is not old
            assert kept(conn)[db._positional(READ)[0]] is not old_cursor
    finally:
        engine.dispose()


def test_at_most_so_many_cursors_are_kept(pg_engine) -> None:
    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with engine.begin() as conn:
            for n in range(db.DRIVER_CURSORS + 3):
                assert rows_on_driver(conn, f"SELECT {n} + %(x)s::int", {"x": 1}) == [(n + 1,)]
            assert len(kept(conn)) == db.DRIVER_CURSORS
            assert rows_on_driver(conn, text("SELECT 1").text, {}) == [(1,)]
    finally:
        engine.dispose()


def test_whether_the_server_hashes_audit_records_is_asked_once_per_connection(pg_engine) -> None:
    from shared import audit_postgres

    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    try:
        with engine.connect() as conn:
            assert audit_postgres._hashes_in_sql(conn) is True
            kept_for = conn.connection.info[audit_postgres._HASHES_IN_SQL]
            assert kept_for[0] is conn.connection.dbapi_connection
            conn.invalidate()
            conn.rollback()
            assert audit_postgres._hashes_in_sql(conn) is True  # asked again of the new one
            again = conn.connection.info[audit_postgres._HASHES_IN_SQL]
            assert again[0] is conn.connection.dbapi_connection and again[0] is not kept_for[0]
    finally:
        engine.dispose()


def test_a_statement_is_prepared_at_its_first_run(pg_engine) -> None:
    engine = make_engine(str(pg_engine.url.render_as_string(hide_password=False)), pool_size=1)
    prepared = "SELECT count(*) FROM pg_prepared_statements WHERE statement = %(sql)s"
    try:
        with engine.begin() as conn:
            sql = db._positional(OTHER)[0].replace("%s", "$1")
            assert rows_on_driver(conn, prepared, {"sql": sql}) == [(0,)]
            assert rows_on_driver(conn, OTHER, {"upto": 2}) == [(1,), (2,)]
            assert rows_on_driver(conn, prepared, {"sql": sql}) == [(1,)]
            assert rows_on_driver(conn, OTHER, {"upto": 1}) == [(1,)]
    finally:
        engine.dispose()
