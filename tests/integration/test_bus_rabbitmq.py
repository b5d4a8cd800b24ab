"""The bus plumbing against a real RabbitMQ: quorum queues, confirms, TTL retries, dead letters.

Each test gets a fresh vhost (conftest.rabbit_vhost) and SQLite files in tmp_path.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from shared.bus import Bus
from shared.consumer import ATTEMPT_HEADER, REASON_HEADER, EventConsumer
from tests.conftest import rabbitmqctl_json
from tests.integration.buskit import TinyService, unit_data, unit_event

pytestmark = pytest.mark.services

Factory = Callable[..., TinyService]


@pytest.fixture
def make_service(tmp_path, bus_namespace, rabbit_url) -> Iterator[Factory]:
    started: list[TinyService] = []

    def make(*, relay: bool = True, **env: str) -> TinyService:
        settings = {
            "DATA_DIR": str(tmp_path),
            "BUS_NAMESPACE": bus_namespace,
            "BROKER_URL": rabbit_url,
            **env,
        }
        service = TinyService(settings)
        started.append(service)
        return service.start(relay=relay)

    yield make
    for service in started:
        service.stop()


def record_deliveries(service: TinyService) -> list[dict[str, Any]]:
    """Headers of every message the consumer processes, in order."""
    seen: list[dict[str, Any]] = []
    apply_batch = service.consumer.applier.apply_batch

    def recording(deliveries: Any) -> list[str]:
        seen.extend(dict(delivery.headers) for delivery in deliveries)
        return apply_batch(deliveries)

    service.consumer.applier.apply_batch = recording  # type: ignore[method-assign]
    return seen


def test_service_queues_are_quorum_and_retry_queues_send_back_after_their_delay(
    make_service, rabbit_vhost, bus_namespace
):
    make_service(relay=False, BUS_RETRY_DELAYS="1,10")
    queues = {
        q["name"]: q
        for q in rabbitmqctl_json(
            "list_queues", "-p", rabbit_vhost, "name", "type", "arguments", "durable"
        )
    }
    ns = bus_namespace

    assert queues[f"{ns}.notify"]["type"] == "quorum"
    assert queues[f"{ns}.notify.dead"]["type"] == "quorum"
    for delay in (1, 10):
        retry = queues[f"{ns}.notify.retry.{delay}s"]
        arguments = {name: value for name, _type, value in retry["arguments"]}
        assert retry["type"] == "classic"
        assert retry["durable"] is True
        assert arguments["x-message-ttl"] == delay * 1000
        assert arguments["x-dead-letter-exchange"] == ""
        assert arguments["x-dead-letter-routing-key"] == f"{ns}.notify"


def test_an_emitted_event_is_published_with_confirms_and_applied_exactly_once(
    make_service, rabbit_vhost
):
    service = make_service()
    service.emit("so-xay-dung")
    service.wait_applied("so-xay-dung")
    service.emit("barrier")
    service.wait_applied("barrier")

    assert service.applied_count("so-xay-dung") == 1
    assert all(row.published_at is not None for row in service.outbox_rows())
    channels = [
        c
        for c in rabbitmqctl_json("list_channels", "vhost", "confirm")
        if c["vhost"] == rabbit_vhost
    ]
    assert any(c["confirm"] for c in channels), channels


def test_a_duplicate_delivery_is_applied_once(make_service):
    service = make_service(relay=False)
    envelope = unit_event("trung-lap")
    service.publish(envelope, envelope, unit_event("barrier"))
    service.wait_applied("barrier")

    assert service.applied_count("trung-lap") == 1
    assert service.attempts["trung-lap"] == 1


def test_a_failed_event_comes_back_through_the_ttl_retry_queue_and_is_applied(
    make_service, bus_namespace, rabbit_vhost
):
    service = make_service(relay=False, BUS_RETRY_DELAYS="1")
    seen = record_deliveries(service)
    service.fail_times["lan-dau-loi"] = 1
    service.publish(unit_event("lan-dau-loi"))
    service.wait_applied("lan-dau-loi", timeout=30)

    assert service.attempts["lan-dau-loi"] == 2
    first, second = seen
    assert ATTEMPT_HEADER not in first
    assert second[ATTEMPT_HEADER] == 1
    assert second["x-death"][0]["queue"] == f"{bus_namespace}.notify.retry.1s"
    # It came back when its 1 s in the retry queue expired, not at once.
    assert second["x-death"][0]["reason"] == "expired"
    retry_queue = f"{bus_namespace}.notify.retry.1s"
    [arguments] = [
        {name: value for name, _type, value in q["arguments"]}
        for q in rabbitmqctl_json("list_queues", "-p", rabbit_vhost, "name", "arguments")
        if q["name"] == retry_queue
    ]
    assert arguments["x-message-ttl"] == 1000
    assert service.take_dead_letters() == []


def test_an_event_that_keeps_failing_is_dead_lettered_with_the_reason(make_service):
    service = make_service(relay=False, BUS_RETRY_DELAYS="1")
    service.fail_times["luon-loi"] = 1_000
    envelope = unit_event("luon-loi")
    service.publish(envelope)
    [dead] = service.wait_dead_letters(1)

    assert json.loads(dead.body)["id"] == envelope["id"]
    assert "handler failed 2 times" in dead.headers[REASON_HEADER]
    assert "RuntimeError: handler refused luon-loi" in dead.headers[REASON_HEADER]
    assert dead.headers[ATTEMPT_HEADER] == 1
    assert service.attempts["luon-loi"] == 2
    assert service.applied_count("luon-loi") == 0


def test_a_malformed_message_is_dead_lettered_and_the_consumer_goes_on(make_service):
    service = make_service(relay=False)
    service.publish_to_queue(b"\x00 not a cloudevent")
    service.publish(unit_event("sau-do"))
    service.wait_applied("sau-do")

    [dead] = service.wait_dead_letters(1)
    assert dead.body == b"\x00 not a cloudevent"
    assert dead.headers[REASON_HEADER].startswith("malformed: body is not JSON")


def test_a_batch_is_acked_as_a_whole_and_nothing_comes_back_after_a_restart(make_service):
    # One `basic.ack` with `multiple` settles a batch; a dead letter inside it is acked alone.
    service = make_service(relay=False, CONSUMER_PREFETCH="64")
    service.consumer.stop()  # the messages wait in the queue, to be delivered back to back
    codes = [f"don-vi-{n}" for n in range(60)]
    service.publish(*(unit_event(code) for code in codes[:30]))
    service.publish_to_queue(b"\x00 not a cloudevent")
    service.publish(*(unit_event(code) for code in codes[30:]))
    fresh_consumer(service)
    batches: list[int] = []
    apply_batch = service.consumer.applier.apply_batch

    def recording(deliveries: Any) -> list[str]:
        batches.append(len(deliveries))
        return apply_batch(deliveries)

    service.consumer.applier.apply_batch = recording  # type: ignore[method-assign]
    service.start(relay=False)
    for code in codes:
        service.wait_applied(code)
    assert len(service.wait_dead_letters(1)) == 1
    assert max(batches) > 1  # batches, not one message at a time

    # A consumer that stops gives back what it left unacknowledged: the next one would get it.
    service.consumer.stop()
    fresh_consumer(service)
    redelivered: list[Any] = []
    apply_again = service.consumer.applier.apply_batch

    def recording_again(deliveries: Any) -> list[str]:
        redelivered.extend(deliveries)
        return apply_again(deliveries)

    service.consumer.applier.apply_batch = recording_again  # type: ignore[method-assign]
    service.start(relay=False)
    service.publish(unit_event("sau-do"))
    service.wait_applied("sau-do")
    assert [json.loads(d.body)["data"]["code"] for d in redelivered] == ["sau-do"]
    assert all(service.attempts[code] == 1 for code in codes)


def fresh_consumer(service: TinyService) -> None:
    """A new consumer in place of a stopped one (a stopped consumer does not start again)."""
    service.consumer = EventConsumer(service.platform, service.consumer.handlers)


def test_a_burst_of_failing_events_is_processed_one_message_at_a_time(make_service):
    # Waiting for a retry's publisher confirm must not pump the consuming connection: that would
    # run the next delivery's handler nested inside this one's (as deep as the prefetch).
    service = make_service(relay=False, BUS_RETRY_DELAYS="1", CONSUMER_PREFETCH="64")
    depth = {"now": 0, "max": 0}
    apply_batch = service.consumer.applier.apply_batch

    def measuring(deliveries: Any) -> list[str]:
        depth["now"] += 1
        depth["max"] = max(depth["max"], depth["now"])
        try:
            return apply_batch(deliveries)
        finally:
            depth["now"] -= 1

    service.consumer.applier.apply_batch = measuring  # type: ignore[method-assign]
    count = 100
    for n in range(count):
        service.fail_times[f"loi-{n}"] = 1_000
    service.publish(*(unit_event(f"loi-{n}") for n in range(count)), unit_event("sau-do"))
    service.wait_applied("sau-do")
    dead = service.wait_dead_letters(count, timeout=20)

    assert sorted(json.loads(d.body)["data"]["code"] for d in dead) == sorted(
        f"loi-{n}" for n in range(count)
    )
    # Each event was delivered twice (first try, one retry) before it was given up. Its handler
    # may have run more often: a batch that fails is rolled back and replayed event by event.
    assert all(d.headers[ATTEMPT_HEADER] == 1 for d in dead)
    assert depth["max"] == 1


def test_publishing_connections_survive_an_idle_spell_longer_than_the_heartbeat(
    make_service, monkeypatch, caplog
):
    # With 1 s heartbeats the broker drops a connection whose heartbeats nobody reads after
    # about 2 s of silence; the relay and the consumer's retry publisher sit idle like that.
    connection = Bus.connection
    monkeypatch.setattr(
        Bus, "connection", lambda self, heartbeat=1: connection(self, heartbeat=heartbeat)
    )
    service = make_service(BUS_RETRY_DELAYS="1")
    service.fail_times["sau-khi-nghi"] = 1
    service.emit("truoc-khi-nghi")
    service.wait_applied("truoc-khi-nghi")
    time.sleep(3.5)  # deliberately idle: nothing to poll for
    caplog.clear()
    service.emit("sau-khi-nghi")
    service.wait_applied("sau-khi-nghi")

    assert service.attempts["sau-khi-nghi"] == 2
    failures = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert failures == []


def test_the_relay_has_a_batch_confirmed_as_a_whole_and_marks_it_published_after(
    make_service, monkeypatch
):
    """A batch's messages are sent without waiting for each one's confirm (a wait per message
    costs a quorum queue's write to disk each), then the relay waits for the broker's confirms
    of them all before it marks the rows published."""
    import amqp.channel

    waited_one_by_one: list[Any] = []
    real = amqp.channel.Channel.basic_publish_confirm

    def counting(self: Any, *args: Any, **kwargs: Any) -> Any:
        waited_one_by_one.append(args)
        return real(self, *args, **kwargs)

    monkeypatch.setattr(amqp.channel.Channel, "basic_publish_confirm", counting)
    service = make_service(relay=False)
    codes = [f"don-vi-{n}" for n in range(50)]
    with service.platform.unit_of_work() as uow:
        for code in codes:
            uow.emit("unit.updated", unit_data(code), subject=code)

    assert service.platform.relay.publish_pending() == 50

    assert waited_one_by_one == []
    assert all(row.published_at is not None for row in service.outbox_rows())
    for code in codes:
        service.wait_applied(code)
    assert all(service.applied_count(code) == 1 for code in codes)


def test_the_relay_writes_a_batchs_messages_to_the_socket_at_once(make_service):
    """The frames of a batch's messages go out in one socket write after the batch, not one
    write per message (shared/bus.py `confirmed_together`); every message still arrives."""
    service = make_service(relay=False)
    relay = service.platform.relay
    service.emit("lan-dau")  # the channel's first batch also selects publisher confirms
    assert relay.publish_pending() == 1
    transport = relay._connection.connection.transport
    writes: list[int] = []
    direct = transport._write

    def counted(data: Any) -> None:
        writes.append(len(data))
        direct(data)

    transport._write = counted
    codes = [f"mot-lan-{n}" for n in range(40)]
    with service.platform.unit_of_work() as uow:
        for code in codes:
            uow.emit("unit.updated", unit_data(code), subject=code)

    assert relay.publish_pending() == 40

    assert len(writes) == 1
    assert transport._write is counted  # put back after the batch
    for code in codes:
        service.wait_applied(code)
    assert all(service.applied_count(code) == 1 for code in codes)
