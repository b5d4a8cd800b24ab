"""A service's pool outlives a restarted PostgreSQL: the connections the server dropped are
found at checkout and replaced, without a round trip per checkout (shared/db.py,
`_check_on_checkout`; docs/architecture.md, Benchmarks)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import Engine, event, text

from shared import db
from shared.db import Database, make_engine
from tests.conftest import _admin_connection

pytestmark = pytest.mark.services


@pytest.fixture
def engine(pg_database_url: str) -> Iterator[Engine]:
    made = make_engine(pg_database_url, pool_size=3)
    try:
        yield made
    finally:
        made.dispose()


def _backends(engine: Engine) -> set[int]:
    """The server processes of the pool's connections, all checked out at once then back."""
    conns = [engine.connect() for _ in range(3)]
    try:
        return {int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one()) for conn in conns}
    finally:
        for conn in conns:
            conn.close()


def _terminate(pids: set[int]) -> None:
    """What a restart does to each connection: the server sends its FATAL and closes."""
    with _admin_connection() as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        # Until each backend has gone, its socket may not show its FATAL yet.
        while admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = ANY(%s)", (list(pids),)
        ).fetchone() != (0,):
            pass


def _statements(engine: Engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_every_request_after_a_restart_succeeds_on_fresh_connections(engine: Engine) -> None:
    database = Database(engine)
    before = _backends(engine)
    _terminate(before)
    for _ in range(5):
        with database.transaction() as conn:
            assert conn.execute(text("SELECT 1")).scalar_one() == 1
    assert _backends(engine).isdisjoint(before)


def test_a_connection_back_from_a_moment_ago_is_not_pinged(engine: Engine) -> None:
    pinged: list[object] = []
    real = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pinged.append(conn) or real(conn)  # type: ignore[method-assign]
    database = Database(engine)
    for _ in range(5):
        with database.transaction() as conn:
            conn.execute(text("SELECT 1"))
    assert pinged == []


def test_a_connection_idle_for_long_is_pinged(
    engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db, "IDLE_PING_SECONDS", 0.0)
    pinged: list[object] = []
    real = engine.dialect.do_ping
    engine.dialect.do_ping = lambda conn: pinged.append(conn) or real(conn)  # type: ignore[method-assign]
    database = Database(engine)
    for _ in range(3):
        with database.transaction() as conn:
            conn.execute(text("SELECT 1"))
    assert len(pinged) == 2  # not the first checkout: a fresh connection
