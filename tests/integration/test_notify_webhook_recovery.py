"""A webhook receiver that answers again gets its backlog at once, not after each delivery's
back-off (issue 13, item 3): a subscription waiting for retries is probed every few seconds, one
success makes the subscription's other waiting deliveries due, and a delivery being sent keeps
its lease."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from services.notify import outbound
from services.notify.delivery import PROBE_INTERVAL
from tests.integration.notifykit import Receiver, auth, task_event

AGENCY = auth("agency", "BO_KHCN", sub="bo-khcn")


def rows(service: Any) -> list[dict[str, Any]]:
    with service.runtime.platform.database.read() as conn:
        found, _ = outbound.list_deliveries(conn, None, None, 500, 0)
    return sorted(found, key=lambda row: row["created_at"])


def subscribe(service: Any, url: str) -> None:
    body = {"url": url, "event_types": ["task.completed"], "secret": "s" * 24}
    answer = service.client.post("/api/notify/subscriptions", json=body, headers=AGENCY)
    assert answer.status_code == 201, answer.get_json()


def test_a_receiver_back_up_gets_every_waiting_delivery_within_the_probe_interval(
    notify: Any,
) -> None:
    receiver = Receiver()  # down
    subscribe(notify, receiver.url)
    for _ in range(5):
        notify.consumer.process(task_event("task.completed", "completed"), {})
    for attempt in range(4):  # failures push the back-offs out: 10 s, 20 s, 40 s, 80 s (± 50 %)
        if attempt:
            latest = max(r["next_attempt_at"] for r in rows(notify))
            notify.runtime.clock.advance(latest - notify.runtime.clock.now())
        assert notify.worker.run_once() >= 1
    notify.runtime.clock.advance(PROBE_INTERVAL)
    waiting = rows(notify)
    assert all(r["status"] == "pending" and r["last_error"] for r in waiting)
    earliest: datetime = min(r["next_attempt_at"] for r in waiting)
    assert earliest - notify.runtime.clock.now() > timedelta(seconds=30)

    receiver.up()
    try:
        # One probe for the subscription (not one try per delivery): it succeeds, and the
        # others are due at once.
        assert notify.worker.run_once() == 1
        assert notify.worker.run_once() == 4
    finally:
        receiver.down()
    assert len(receiver.received) == 5
    assert all(r["status"] == "delivered" for r in rows(notify))


def test_a_subscription_is_probed_once_per_interval_while_its_receiver_is_down(
    notify: Any,
) -> None:
    subscribe(notify, Receiver().url)
    for _ in range(3):
        notify.consumer.process(task_event("task.completed", "completed"), {})
    assert notify.worker.run_once() == 3  # each new delivery's first try
    assert notify.worker.run_once() == 0  # tried just now
    notify.runtime.clock.advance(PROBE_INTERVAL - timedelta(seconds=1))
    assert notify.worker.run_once() == 0
    notify.runtime.clock.advance(timedelta(seconds=1))
    assert notify.worker.run_once() == 1  # one probe, however many wait
    assert notify.worker.run_once() == 0


def test_a_success_does_not_bring_forward_a_delivery_another_worker_is_sending(
    notify: Any,
) -> None:
    receiver = Receiver()
    subscribe(notify, receiver.url)
    for _ in range(2):
        notify.consumer.process(task_event("task.completed", "completed"), {})
    assert notify.worker.run_once() == 2  # both fail
    notify.runtime.clock.advance(timedelta(hours=2))
    first, second = rows(notify)
    lease = notify.runtime.clock.now() + timedelta(minutes=5)
    # another worker is sending `second`
    with notify.runtime.platform.database.transaction() as conn:
        assert outbound.claim(conn, second, lease)
    receiver.up()
    try:
        assert notify.worker.run_once() == 1
    finally:
        receiver.down()
    first, second = rows(notify)
    assert first["status"] == "delivered"
    assert second["status"] == "pending" and second["next_attempt_at"] == lease
