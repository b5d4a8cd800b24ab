"""The outbox relay's own PostgreSQL session (shared/outbox.py, `OutboxRelay._own_connection`):
the batch taken by walking the unpublished index whatever the planner's statistics, the mark
committed without waiting for the WAL flush, and a session the server ended opened again.

Each test gets a fresh database (conftest.pg_database_url) and a memory:// bus namespace of its own.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import psycopg
import pytest
from sqlalchemy import text

from tests.integration.buskit import TinyService, unit_data

pytestmark = pytest.mark.services

Factory = Callable[..., TinyService]


@pytest.fixture
def make_service(tmp_path, bus_namespace, pg_database_url) -> Iterator[Factory]:
    made: list[TinyService] = []

    def make() -> TinyService:
        env = {
            "DATA_DIR": str(tmp_path),
            "BUS_NAMESPACE": bus_namespace,
            "NOTIFY_DATABASE_URL": pg_database_url,
        }
        service = TinyService(env)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


def _emit_many(service: TinyService, count: int) -> None:
    with service.platform.unit_of_work() as uow:
        for n in range(count):
            uow.emit("unit.updated", unit_data(f"don-vi-{n}"))


def test_the_relay_walks_the_unpublished_index_and_commits_its_mark_asynchronously(
    make_service,
):
    service = make_service()
    relay = service.platform.relay
    _emit_many(service, 300)
    relay.drain()
    # 300 rows marked and never vacuumed: their entries stay in the partial index. The planner
    # has no statistics for the table (not analyzed yet, as in a busy new database), which made
    # it take a bitmap scan, visiting the heap page of every marked row at each round.
    sql, params = relay._driver_sql or ("", {})
    own = relay._own_connection()
    with own.cursor() as cursor:
        cursor.execute(f"EXPLAIN {sql}", {**params, "now": None})
        plan = "\n".join(row[0] for row in cursor.fetchall())
        cursor.execute("SHOW synchronous_commit")
        synchronous = cursor.fetchone()
    own.rollback()

    assert "Index Scan using ix_outbox_unpublished" in plan, plan
    assert "Bitmap" not in plan, plan
    assert synchronous == ("off",)
    # The pool's sessions keep the server's settings: requests' commits wait for the flush.
    with service.platform.database.engine.connect() as conn:
        assert conn.execute(text("SHOW synchronous_commit")).scalar_one() == "on"
        assert conn.execute(text("SHOW enable_bitmapscan")).scalar_one() == "on"


def test_a_relay_whose_session_the_server_ended_opens_another_and_publishes(
    make_service, pg_database_url
):
    service = make_service()
    relay = service.platform.relay
    service.emit("truoc")
    assert relay.publish_pending() == 1
    ended = relay._own_connection().info.backend_pid
    plain_url = pg_database_url.replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(plain_url, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (ended,))

    service.emit("sau")

    assert relay.publish_pending() == 1  # no failed round: the ended session is seen first
    assert relay._own_connection().info.backend_pid != ended
    assert all(row.published_at is not None for row in service.outbox_rows())
