"""Poison messages against a real RabbitMQ: every header and property of an incoming message is
untrusted; whatever cannot be read is dead-lettered with its reason, and the consumer goes on.

The queues' delivery limit is the last guard (a message that keeps coming back unacknowledged is
moved to the dead-letter queue by RabbitMQ itself); a queue of an older release, declared without
it, keeps working.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from kombu import Queue

from shared.consumer import ATTEMPT_HEADER, REASON_HEADER
from shared.deadletters import list_dead_letters
from shared.events import encode
from shared.metrics import DEAD_LETTERS
from tests.integration.buskit import SERVICE, TinyService, raw_publish, unit_event
from tests.polling import wait_for

pytestmark = pytest.mark.services

Factory = Callable[..., TinyService]


@pytest.fixture
def make_service(tmp_path: Path, bus_namespace: str, rabbit_url: str) -> Iterator[Factory]:
    started: list[TinyService] = []

    def make(*, consumer: bool = True, **env: str) -> TinyService:
        settings = {
            "DATA_DIR": str(tmp_path),
            "BUS_NAMESPACE": bus_namespace,
            "BROKER_URL": rabbit_url,
            "BUS_RETRY_DELAYS": "1",
            **env,
        }
        service = TinyService(settings)
        started.append(service)
        return service.start(relay=False, consumer=consumer)

    yield make
    for service in started:
        service.stop()


def good(code: str) -> bytes:
    return encode(unit_event(code)).encode()


CE = "application/cloudevents+json"


def attempt(value: Any) -> dict[str, Any]:
    return {"content_type": CE, "application_headers": {ATTEMPT_HEADER: value}}


# case: (body, or None for a valid event; properties; words of the dead letter's reason)
POISON: dict[str, tuple[bytes | None, dict[str, Any], str]] = {
    "attempt is a word": (None, attempt("x"), "unreadable header"),
    "attempt is negative": (None, attempt(-1), "unreadable header"),
    "attempt is huge": (None, attempt(10**15), "unreadable header"),
    "attempt is a fraction": (None, attempt(1.5), "unreadable header"),
    "attempt is a boolean": (None, attempt(True), "unreadable header"),
    "attempt is a table": (None, attempt({"n": 1}), "unreadable header"),
    "attempt is a list": (None, attempt([1, 2]), "unreadable header"),
    "no content type": (None, {}, "no content type"),
    "content type is not JSON": (None, {"content_type": "text/plain"}, "is not JSON"),
    "odd content encoding": (None, {"content_type": CE, "content_encoding": "x-nowhere"}, ""),
    "body is not JSON": (b"\xff\xfe{", {"content_type": CE}, "body is not JSON"),
    "body is a JSON list": (b"[1, 2]", {"content_type": CE}, "not a JSON object"),
    "invalid CloudEvent": (b'{"specversion": "0.3"}', {"content_type": CE}, "invalid CloudEvent"),
    "deeply nested": (b"[" * 100_000 + b"]" * 100_000, {"content_type": CE}, "body is not JSON"),
}


def test_poison_messages_are_dead_lettered_with_their_reasons_and_the_consumer_goes_on(
    make_service: Factory, rabbit_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service()
    queue = service.platform.bus.topology.queue_name(SERVICE)
    caplog.set_level(logging.INFO)
    for case, (body, properties, _reason) in POISON.items():
        headers = {**properties.get("application_headers", {}), "x-case": case}
        code = "ma-la-" + str(sorted(POISON).index(case))
        raw_publish(
            rabbit_url,
            queue,
            good(code) if body is None else body,
            **{**properties, "application_headers": headers},
        )
    service.publish(unit_event("sau-do"))
    service.wait_applied("sau-do")

    # A body is bytes whatever encoding it claims: that one is applied, every other is dead.
    service.wait_applied("ma-la-" + str(sorted(POISON).index("odd content encoding")))
    dead = {d.headers["x-case"]: d for d in service.wait_dead_letters(len(POISON) - 1)}
    assert sorted(dead) == sorted(set(POISON) - {"odd content encoding"})
    for case, letter in dead.items():
        assert POISON[case][2] in letter.headers[REASON_HEADER], case
        assert service.applied_count("ma-la-" + str(sorted(POISON).index(case))) == 0
    logged = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len([m for m in logged if "dead-lettered event" in m]) == len(dead)
    # None of them looked like a lost connection: the consumer stayed connected throughout.
    assert service.consumer.ready.is_set() and service.consumer.disconnected_since is None
    assert not [r for r in caplog.records if "reconnecting" in r.getMessage()]
    assert service.consumer.dead_lettered == len(dead)


def test_a_failing_handler_with_a_word_for_its_attempt_does_not_stop_the_consumer(
    make_service: Factory, rabbit_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    """Issue 13: such a message raised into the connection loop and came back for ever."""
    service = make_service()
    service.fail_times["hong"] = 1_000
    poison = unit_event("hong")
    queue = service.platform.bus.topology.queue_name(SERVICE)
    before = DEAD_LETTERS.labels(SERVICE, "unit.updated")._value.get()
    caplog.set_level(logging.ERROR)
    raw_publish(
        rabbit_url,
        queue,
        encode(poison).encode(),
        content_type=CE,
        application_headers={ATTEMPT_HEADER: "x"},
    )
    service.publish(*(unit_event(f"tiep-{n}") for n in range(100)))
    wait_for(
        lambda: all(service.applied_count(f"tiep-{n}") == 1 for n in range(100)),
        20,
        "the next 100 events",
    )

    [dead] = service.wait_dead_letters(1)
    assert json.loads(dead.body)["id"] == poison["id"]
    assert ATTEMPT_HEADER in dead.headers[REASON_HEADER]
    assert service.applied_count("hong") == 0
    assert DEAD_LETTERS.labels(SERVICE, "unit.updated")._value.get() == before + 1
    [line] = [r for r in caplog.records if "dead-lettered event" in r.getMessage()]
    assert poison["id"] in line.getMessage() and "unit.updated" in line.getMessage()
    assert (line.event_id, line.event_type) == (poison["id"], "unit.updated")  # type: ignore[attr-defined]
    assert service.consumer.dead_lettered == 1


def test_a_message_that_keeps_coming_back_unacknowledged_is_moved_aside_by_the_broker(
    make_service: Factory, rabbit_url: str
) -> None:
    service = make_service(consumer=False)
    bus = service.platform.bus
    with bus.connection() as conn:
        bus.declare(conn, SERVICE, ["unit.updated"])
    envelope = unit_event("chet-giua-chung")
    service.publish(envelope)
    returned = 0
    with bus.connection() as conn:
        channel = conn.channel()
        queue = Queue(bus.topology.queue_name(SERVICE), no_declare=True)(channel)
        # A consumer that dies on the message, over and over: it is never acknowledged.
        while (message := queue.get(no_ack=False)) is not None:
            message.requeue()
            returned += 1
            assert returned <= 50, "the delivery limit did not stop the redeliveries"
    [dead] = wait_for(lambda: list_dead_letters(bus, SERVICE), 10, "the dead letter")
    assert dead.id == envelope["id"]
    assert dead.reason == f"broker: delivery_limit in {bus.topology.queue_name(SERVICE)}"
    assert returned == bus.topology.delivery_limit + 1


def test_a_queue_declared_by_an_older_release_keeps_working_without_the_limit(
    make_service: Factory, caplog: pytest.LogCaptureFixture
) -> None:
    service = make_service(consumer=False)
    bus = service.platform.bus
    legacy = bus.topology.service_queue(SERVICE, ["unit.updated"], quorum=True, guarded=False)
    with bus.connection() as conn:
        legacy(conn.channel()).declare()
    caplog.set_level(logging.WARNING)
    service.consumer.start()
    wait_for(service.consumer.ready.is_set, what="the consumer on the old queue")
    service.publish(unit_event("hang-cu"))
    service.wait_applied("hang-cu")

    assert service.consumer.delivery_limit is False
    assert any("without the delivery limit" in r.getMessage() for r in caplog.records)
