"""The outbox relay's rounds, on SQLite and on PostgreSQL (whose relay runs its statement on the
driver's connection): a batch is marked only once it is all published, in the order written; a
round woken by commits takes the rows of every commit before it, and owes them no second round.

Each test gets a memory:// bus namespace of its own; the relay's thread is not started, the
test runs its rounds.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import psycopg
import pytest
from kombu import Queue

import shared.outbox
from tests.integration.buskit import SERVICE, TinyService, unit_data

Factory = Callable[[], TinyService]


@pytest.fixture(params=["sqlite", "postgresql"])
def make_service(request, tmp_path, bus_namespace) -> Iterator[Factory]:
    env = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace}
    if request.param == "postgresql":
        env["NOTIFY_DATABASE_URL"] = request.getfixturevalue("pg_database_url")
    made: list[TinyService] = []

    def make() -> TinyService:
        service = TinyService(env)
        made.append(service)
        return service

    yield make
    for service in made:
        service.stop()


def emit_many(service: TinyService, codes: list[str]) -> None:
    with service.platform.unit_of_work() as uow:
        for code in codes:
            uow.emit("unit.updated", unit_data(code), subject=code)


def published_codes(service: TinyService) -> list[str]:
    queue_name = service.platform.bus.topology.queue_name(SERVICE)
    codes: list[str] = []
    with service.platform.bus.connection() as conn:
        service.platform.bus.declare_all(conn)
        queue = Queue(queue_name, no_declare=True)(conn.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            codes.append(json.loads(message.body)["data"]["code"])
    return codes


def declare(service: TinyService) -> None:
    with service.platform.bus.connection() as conn:
        service.platform.bus.declare_all(conn)


def test_a_round_publishes_its_batch_in_the_order_written_and_marks_every_row(make_service):
    service = make_service()
    declare(service)
    codes = [f"don-vi-{n}" for n in range(12)]
    emit_many(service, codes[:5])
    emit_many(service, codes[5:])

    assert service.platform.relay.publish_pending() == 12

    assert published_codes(service) == codes
    assert all(row.published_at is not None for row in service.outbox_rows())
    assert service.platform.relay.publish_pending() == 0


def test_a_batch_that_fails_half_way_stays_unmarked_and_goes_out_whole_at_the_next_round(
    make_service, monkeypatch
):
    service = make_service()
    declare(service)
    codes = [f"so-{n}" for n in range(4)]
    emit_many(service, codes)
    real = shared.outbox.publish_event
    sent: list[str] = []

    def failing_third(*args: Any) -> None:
        if len(sent) == 2:
            raise ConnectionError("the broker went away")
        sent.append(args[4])
        real(*args)

    monkeypatch.setattr(shared.outbox, "publish_event", failing_third)
    with pytest.raises(ConnectionError):
        service.platform.relay.publish_pending()
    assert all(row.published_at is None for row in service.outbox_rows())

    monkeypatch.setattr(shared.outbox, "publish_event", real)
    assert service.platform.relay.publish_pending() == 4

    # At least once: the two published before the failure go out again, in order.
    assert published_codes(service) == codes[:2] + codes
    assert all(row.published_at is not None for row in service.outbox_rows())


def test_the_wake_ups_of_commits_before_a_round_are_that_rounds(make_service):
    service = make_service()
    declare(service)
    relay = service.platform.relay
    service.emit("mot")
    service.emit("hai")
    relay.wake()  # the commits' hook wakes it (the relay's thread is not running here)

    relay.run_round()

    # Both rows went out in that round; no second round is owed to the wake-ups.
    assert not relay._wake.is_set()
    assert published_codes(service) == ["mot", "hai"]
    service.emit("ba")
    assert relay._wake.is_set()  # a commit after the round's start wakes another


# A server's backend to terminate: PostgreSQL only.
@pytest.mark.parametrize("make_service", ["postgresql"], indirect=True)
def test_a_round_whose_database_connection_breaks_leaves_its_batch_to_the_next_round(
    make_service, monkeypatch
):
    service = make_service()
    declare(service)
    emit_many(service, ["mot", "hai"])
    url = service.platform.database.engine.url.set(drivername="postgresql")
    real = shared.outbox.publish_event
    cut: list[bool] = []

    def cutting_the_connection(*args: Any) -> None:
        if not cut:
            cut.append(True)
            # The round's backend goes away before its mark is committed.
            with psycopg.connect(url.render_as_string(hide_password=False)) as admin:
                admin.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
        real(*args)

    monkeypatch.setattr(shared.outbox, "publish_event", cutting_the_connection)
    with pytest.raises(Exception):  # noqa: B017 (psycopg's error, as the driver words it)
        service.platform.relay.publish_pending()

    assert service.platform.relay.publish_pending() == 2
    assert published_codes(service) == ["mot", "hai", "mot", "hai"]
    assert all(row.published_at is not None for row in service.outbox_rows())
