"""The outbox and the inbox on PostgreSQL: concurrent relays and concurrent consumers.

Each test gets a fresh database (conftest.pg_database_url) and a memory:// bus namespace of its own.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from kombu import Queue
from sqlalchemy import text

from shared.events import encode
from tests.integration.buskit import SERVICE, TinyService, unit_data, unit_event
from tests.polling import wait_for

pytestmark = pytest.mark.services

Factory = Callable[..., TinyService]


@pytest.fixture
def make_service(tmp_path, bus_namespace, pg_database_url) -> Iterator[Factory]:
    made: list[TinyService] = []

    def make(*, start: bool = True) -> TinyService:
        env = {
            "DATA_DIR": str(tmp_path),
            "BUS_NAMESPACE": bus_namespace,
            "NOTIFY_DATABASE_URL": pg_database_url,
        }
        service = TinyService(env)
        made.append(service)
        return service.start() if start else service

    yield make
    for service in made:
        service.stop()


def run_together(*calls: Callable[[], Any], timeout: float = 30.0) -> list[Any]:
    """Run the calls in threads released at the same moment; return their results in order."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = [None] * len(calls)
    errors: list[BaseException] = []

    def run(index: int, call: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout)
            results[index] = call()
        except BaseException as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
        assert not thread.is_alive(), "a concurrent call did not finish"
    if errors:
        raise errors[0]
    return results


def test_an_emitted_event_is_published_and_applied_exactly_once_on_postgresql(make_service):
    service = make_service()
    service.emit("so-y-te")
    service.wait_applied("so-y-te")
    service.emit("barrier")
    service.wait_applied("barrier")

    assert service.applied_count("so-y-te") == 1
    assert all(row.published_at is not None for row in service.outbox_rows())


def test_an_event_emitted_in_a_rolled_back_transaction_is_never_published_on_postgresql(
    make_service,
):
    service = make_service()
    with pytest.raises(RuntimeError), service.platform.unit_of_work() as uow:
        uow.emit("unit.updated", unit_data("rollback"))
        raise RuntimeError("the state change failed")
    service.emit("barrier")
    service.wait_applied("barrier")

    assert service.applied_count("rollback") == 0
    assert [json.loads(row.body)["data"]["code"] for row in service.outbox_rows()] == ["barrier"]


def test_two_relays_running_concurrently_publish_every_event_and_mark_all_published(make_service):
    first, second = make_service(start=False), make_service(start=False)
    with first.platform.unit_of_work() as uow:
        emitted = {uow.emit("unit.updated", unit_data(f"don-vi-{n}"))["id"] for n in range(400)}

    def relay_all(service: TinyService) -> int:
        service.platform.relay.batch_size = 10
        published = 0
        while batch := service.platform.relay.publish_pending():
            published += batch
        return published

    counts = run_together(lambda: relay_all(first), lambda: relay_all(second))

    published_ids: list[str] = []
    queue_name = first.platform.bus.topology.queue_name(SERVICE)
    with first.platform.bus.connection() as conn:
        queue = Queue(queue_name, no_declare=True)(conn.default_channel)
        while (message := queue.get(no_ack=True)) is not None:
            published_ids.append(json.loads(message.body)["id"])
    assert set(published_ids) == emitted
    assert all(row.published_at is not None for row in first.outbox_rows())
    # SKIP LOCKED hands each relay different rows: both worked, and nothing went out twice.
    assert all(count > 0 for count in counts), counts
    assert sum(counts) == len(published_ids) == len(emitted)


def test_two_consumers_processing_the_same_event_concurrently_apply_it_once(make_service):
    first, second = make_service(start=False), make_service(start=False)
    engine = first.platform.database.engine

    def others_blocked() -> bool:
        with engine.connect() as conn:
            waiting = conn.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar_one()
        return bool(waiting)

    def hold_until_the_other_consumer_waits(_uow: Any, _event: Any) -> None:
        # Keep this transaction open until the other consumer is stuck on the inbox row, so
        # that both really are processing the event at the same time.
        wait_for(others_blocked, timeout=10, what="the other consumer to wait on the inbox")

    first.on_handle = second.on_handle = hold_until_the_other_consumer_waits
    body = encode(unit_event("dong-thoi")).encode()

    outcomes = run_together(
        lambda: first.consumer.process(body, {}), lambda: second.consumer.process(body, {})
    )

    assert sorted(outcomes) == ["applied", "duplicate"]
    assert first.applied_count("dong-thoi") == 1
    assert first.attempts["dong-thoi"] + second.attempts["dong-thoi"] == 1
