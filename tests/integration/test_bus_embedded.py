"""The bus plumbing end to end in the embedded profile: SQLite files, kombu's memory:// broker."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

import shared.outbox
from shared.clock import SystemClock
from shared.consumer import ATTEMPT_HEADER, REASON_HEADER
from shared.events import encode, make_event
from tests.integration.buskit import TinyService, unit_event
from tests.polling import wait_for

Factory = Callable[..., TinyService]


@pytest.fixture
def make_service(tmp_path, bus_namespace) -> Iterator[Factory]:
    started: list[TinyService] = []

    def make(*, start: bool = True, **env: str) -> TinyService:
        settings = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace, **env}
        service = TinyService(settings)
        started.append(service)
        return service.start() if start else service

    yield make
    for service in started:
        service.stop()


def test_an_emitted_event_is_published_by_the_relay_and_applied_exactly_once(make_service):
    service = make_service()
    event_id = service.emit("so-tai-chinh")
    service.wait_applied("so-tai-chinh")
    # A later event behind it on the same queue: once it is applied, no second copy is pending.
    service.emit("barrier")
    service.wait_applied("barrier")

    assert service.applied_count("so-tai-chinh") == 1
    assert service.attempts["so-tai-chinh"] == 1
    rows = service.outbox_rows()
    assert rows[0].event_id == event_id
    assert all(row.published_at is not None for row in rows)
    assert service.take_dead_letters() == []


def test_a_duplicate_delivery_of_one_event_is_applied_once(make_service):
    service = make_service()
    envelope = unit_event("trung-lap")
    service.publish(envelope, envelope, unit_event("barrier"))
    service.wait_applied("barrier")

    assert service.applied_count("trung-lap") == 1
    assert service.attempts["trung-lap"] == 1
    assert service.consumer.process(encode(envelope).encode(), {}) == "duplicate"
    assert service.take_dead_letters() == []


@pytest.mark.parametrize("delays", ["0,0", "1"])
def test_a_handler_that_fails_once_is_retried_and_then_applied(make_service, delays):
    service = make_service(BUS_RETRY_DELAYS=delays)
    service.fail_times["lan-dau-loi"] = 1
    service.emit("lan-dau-loi")
    service.wait_applied("lan-dau-loi")

    assert service.attempts["lan-dau-loi"] == 2
    assert service.applied_count("lan-dau-loi") == 1
    assert service.take_dead_letters() == []


def test_a_handler_that_always_fails_ends_in_the_dead_letter_queue_with_the_reason(make_service):
    service = make_service(BUS_RETRY_DELAYS="0,0")
    service.fail_times["luon-loi"] = 1_000
    event_id = service.emit("luon-loi")
    [dead] = service.wait_dead_letters(1)

    assert json.loads(dead.body)["id"] == event_id
    reason = dead.headers[REASON_HEADER]
    assert "handler failed 3 times" in reason
    assert "RuntimeError: handler refused luon-loi" in reason
    assert dead.headers[ATTEMPT_HEADER] == 2
    assert dead.headers["x-nhiemvu-service"] == "notify"
    assert service.attempts["luon-loi"] == 3
    assert service.applied_count("luon-loi") == 0


def _envelope(**changes: Any) -> bytes:
    envelope = unit_event("hong")
    envelope.update(changes)
    return json.dumps(envelope).encode()


def _no_handler() -> bytes:
    # A valid event of a known type that the service is bound to but has no handler for.
    data = {
        "task_id": "t-1",
        "document_id": "d-1",
        "status": "assigned",
        "lead_unit": "so-tai-chinh",
        "due_on": None,
        "overdue": False,
        "assigned_on": "2026-01-05",
        "occurred_at": "2026-01-05T08:00:00+07:00",
    }
    event = make_event("task.assigned", data, source="/tests", time=SystemClock().now())
    return encode(event).encode()


BAD_BODIES = {
    "not JSON": (lambda: b"\xff{not json", "malformed: body is not JSON"),
    "not an object": (lambda: b'["unit.updated"]', "malformed: body is not a JSON object"),
    "too deep": (lambda: b"[" * 100_000, "malformed: body is not JSON"),
    "unknown type": (lambda: _envelope(type="unit.exploded"), "malformed: invalid CloudEvent"),
    "invalid data": (lambda: _envelope(data={"code": "x"}), "malformed: invalid data"),
    "no handler": (_no_handler, "no handler for task.assigned"),
}


@pytest.mark.parametrize("kind", list(BAD_BODIES))
def test_a_message_that_cannot_be_applied_is_dead_lettered_and_the_consumer_goes_on(
    make_service, kind
):
    make_body, reason = BAD_BODIES[kind]
    service = make_service()
    body = make_body()
    service.publish_to_queue(body)
    service.publish(unit_event("sau-do"))
    service.wait_applied("sau-do")

    [dead] = service.wait_dead_letters(1)
    assert dead.body == body
    assert dead.headers[REASON_HEADER].startswith(reason)
    assert service.consumer.ready.is_set()


def test_an_event_emitted_in_a_transaction_that_rolls_back_is_never_published(make_service):
    service = make_service()
    with pytest.raises(RuntimeError), service.platform.unit_of_work() as uow:
        uow.emit("unit.updated", {"code": "rollback", "name": "X", "kind": "other", "active": True})
        raise RuntimeError("the state change failed")
    service.emit("barrier")
    service.wait_applied("barrier")

    assert service.applied_count("rollback") == 0
    assert service.attempts["rollback"] == 0
    assert [json.loads(row.body)["data"]["code"] for row in service.outbox_rows()] == ["barrier"]


def test_the_relay_resumes_after_a_publishing_failure(make_service, monkeypatch):
    failures: list[str] = []
    real_publish = shared.outbox.publish_event

    def flaky_publish(producer, exchange, routing_key, body, event_id):  # type: ignore[no-untyped-def]
        if not failures:
            failures.append(event_id)
            raise ConnectionError("broker went away")
        real_publish(producer, exchange, routing_key, body, event_id)

    monkeypatch.setattr(shared.outbox, "publish_event", flaky_publish)
    service = make_service()
    event_id = service.emit("sau-su-co")
    service.wait_applied("sau-su-co")

    assert failures == [event_id]
    assert service.applied_count("sau-su-co") == 1
    wait_for(
        lambda: all(row.published_at is not None for row in service.outbox_rows()),
        what="the outbox row to be marked published",
    )


def test_the_relay_is_woken_after_a_commit_that_wrote_outbox_rows_and_only_then(make_service):
    service = make_service(start=False)
    platform = service.platform
    wakes: list[str] = []
    platform.relay.wake = lambda *_: wakes.append("wake")  # type: ignore[method-assign]

    with platform.unit_of_work() as uow:  # a transaction that emits nothing
        uow.conn.execute(service.applied.insert().values(event_id="e0", code="none"))
    assert wakes == []

    service.emit("so-noi-vu")
    assert wakes == ["wake"]

    # Emitted inside a scope: the relay is woken when the scope commits, not before.
    with platform.database.scope():
        with platform.unit_of_work() as uow:
            uow.emit("unit.updated", {**unit_event("so-ngoai-vu")["data"]}, subject="x")
        assert wakes == ["wake"]
    assert wakes == ["wake", "wake"]

    # A rolled-back transaction wakes nothing now; at worst the thread's next commit wakes it
    # once more than needed, never once less.
    with pytest.raises(RuntimeError), platform.unit_of_work() as uow:
        uow.emit("unit.updated", {**unit_event("so-y-te")["data"]}, subject="x")
        raise RuntimeError("refused")
    assert wakes == ["wake", "wake"]
    assert len(service.outbox_rows()) == 2
