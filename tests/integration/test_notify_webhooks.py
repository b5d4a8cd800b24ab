"""Agencies' webhooks: signed CloudEvents, sent once, retried for a day, refused when unsafe."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
import json
from datetime import datetime, timedelta
from typing import Any

import pytest

from services.notify.delivery import DeliveryWorker
from tests.integration.notifykit import Receiver, auth, task_event

HOOK_SECRET = "agency-hook-secret-0123456789"
AGENCY = auth("agency", "BO_KHCN", sub="bo-khcn")


def subscribe(service: Any, url: str, who: dict[str, str] = AGENCY, **extra: Any) -> Any:
    body = {"url": url, "event_types": ["task.completed"], "secret": HOOK_SECRET, **extra}
    return service.client.post("/api/notify/subscriptions", json=body, headers=who)


def deliveries(service: Any, who: dict[str, str] = AGENCY) -> list[dict[str, Any]]:
    answer = service.client.get("/api/notify/deliveries", headers=who)
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["items"])


def test_an_agency_receives_the_signed_cloudevent_once_however_often_the_event_arrives(
    notify: Any,
) -> None:
    receiver = Receiver().up()
    try:
        assert subscribe(notify, receiver.url).status_code == 201
        body = task_event("task.completed", "completed")
        assert notify.consumer.process(body, {}) == "applied"
        assert notify.consumer.process(body, {}) == "duplicate"
        notify.worker.run_once()
        notify.worker.run_once()
    finally:
        receiver.down()

    assert len(receiver.received) == 1
    headers, raw = receiver.received[0]
    assert json.loads(raw) == json.loads(body)
    parts = dict(p.split("=", 1) for p in headers["X-Nhiemvu-Signature"].split(","))
    signed = parts["t"].encode() + b"." + raw
    expected = hmac.new(HOOK_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(parts["v1"], expected)
    assert int(parts["t"]) == int(notify.runtime.clock.now().timestamp())
    [row] = deliveries(notify)
    assert (row["status"], row["attempts"], row["channel"]) == ("delivered", 1, "webhook")
    assert deliveries(notify, auth("agency", "BO_TC", sub="bo-tc")) == []
    assert len(deliveries(notify, auth("office", "VP_UBND"))) == 1


def test_an_event_type_the_agency_did_not_choose_is_not_sent(notify: Any) -> None:
    assert subscribe(notify, "http://127.0.0.1:9/hook").status_code == 201
    notify.consumer.process(task_event("task.assigned", "assigned"), {})
    assert deliveries(notify) == []


def test_a_receiver_down_then_up_gets_the_event_exactly_once(notify: Any) -> None:
    receiver = Receiver()
    subscribe(notify, receiver.url)
    notify.consumer.process(task_event("task.completed", "completed"), {})
    assert notify.worker.run_once() == 1
    [row] = deliveries(notify)
    assert row["status"] == "pending" and row["attempts"] == 1
    assert "ConnectionError" in row["last_error"]
    assert notify.worker.run_once() == 0  # not due again before its back-off

    receiver.up()
    try:
        notify.runtime.clock.advance(timedelta(minutes=5))
        assert notify.worker.run_once() == 1
        notify.runtime.clock.advance(timedelta(hours=1))
        assert notify.worker.run_once() == 0
    finally:
        receiver.down()
    assert len(receiver.received) == 1
    [row] = deliveries(notify)
    assert (row["status"], row["attempts"], row["last_error"]) == ("delivered", 2, None)


def test_a_delivery_failing_for_24_hours_is_listed_as_failed_and_can_be_resent(
    notify: Any,
) -> None:
    receiver = Receiver()
    subscribe(notify, receiver.url)
    notify.consumer.process(task_event("task.completed", "completed"), {})
    start = notify.runtime.clock.now()
    delays = []
    while deliveries(notify)[0]["status"] == "pending":
        notify.worker.run_once()
        row = deliveries(notify)[0]
        due = row["next_attempt_at"]
        if row["status"] == "pending":
            delay = datetime.fromisoformat(due) - notify.runtime.clock.now()
            delays.append(delay)
            notify.runtime.clock.advance(delay)
    [row] = deliveries(notify, auth("office", "VP_UBND"))
    assert row["status"] == "failed"
    assert notify.runtime.clock.now() - start == timedelta(hours=24)
    assert delays[0] < delays[3] and max(delays) <= timedelta(hours=1, minutes=30)
    assert 10 < row["attempts"] < 60

    resend = notify.client.post(f"/api/notify/deliveries/{row['id']}/resend", headers=AGENCY)
    assert resend.status_code == 200 and resend.get_json()["status"] == "pending"
    receiver.up()
    try:
        assert notify.worker.run_once() == 1
    finally:
        receiver.down()
    assert deliveries(notify)[0]["status"] == "delivered"
    assert len(receiver.received) == 1


def test_an_agency_sees_and_deletes_only_its_own_subscriptions(notify: Any) -> None:
    mine = subscribe(notify, "http://127.0.0.1:9/a").get_json()
    other = auth("agency", "BO_TC", sub="bo-tc")
    theirs = subscribe(notify, "http://127.0.0.1:9/b", who=other).get_json()
    listed = notify.client.get("/api/notify/subscriptions", headers=AGENCY).get_json()["items"]
    assert [s["id"] for s in listed] == [mine["id"]]
    assert "secret" not in listed[0]
    gone = notify.client.delete(f"/api/notify/subscriptions/{theirs['id']}", headers=AGENCY)
    assert gone.status_code == 404
    gone = notify.client.delete(f"/api/notify/subscriptions/{mine['id']}", headers=AGENCY)
    assert gone.status_code == 200
    office = notify.client.get("/api/notify/subscriptions", headers=auth("office", "VP_UBND"))
    assert office.status_code == 403


@pytest.mark.parametrize(
    "url",
    ["http://10.1.2.3/hook", "https://169.254.169.254/latest", "ftp://127.0.0.1/x"],
)
def test_a_subscription_to_a_private_or_metadata_address_is_refused_even_in_development(
    notify: Any, url: str
) -> None:
    answer = subscribe(notify, url)
    assert answer.status_code == 422
    assert "url" in answer.get_json()["errors"]


def test_the_address_is_checked_again_at_delivery_time_in_production(notify: Any) -> None:
    receiver = Receiver().up()
    try:
        subscribe(notify, receiver.url)
        notify.consumer.process(task_event("task.completed", "completed"), {})
        production = dataclasses.replace(
            notify.worker.channels, development=False, webhook_loopback=False
        )
        DeliveryWorker(notify.runtime, production).run_once()
    finally:
        receiver.down()
    assert receiver.received == []
    [row] = deliveries(notify)
    assert row["status"] == "pending" and "https" in row["last_error"]
