"""The public event feed: notify republishes public events on `<ns>.public`, once each.

The first tests run on the embedded bus (memory://); the last runs examples/subscriber.py
(pika) against RabbitMQ in a fresh vhost.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from kombu.entity import Queue

from tests.integration.notifykit import task_event
from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
ACTOR = {"sub": "u-42", "name": "Nguyễn Văn A", "role": "unit_lead", "unit": "SO_TC"}


class Agency:
    """A queue bound to the public exchange, as an agency would have (kombu, memory://)."""

    def __init__(self, service: Any, binding: str = "#") -> None:
        bus = service.runtime.platform.bus
        self.connection = bus.connection()
        name = f"{bus.topology.namespace}.agency"
        self.queue = Queue(name, bus.topology.public_exchange(), routing_key=binding)
        self.queue(self.connection.default_channel).declare()

    def take(self) -> list[Any]:
        messages = []
        while (message := self.queue(self.connection.default_channel).get(no_ack=True)) is not None:
            messages.append(message)
        return messages


def test_a_public_event_is_republished_once_however_often_it_arrives_and_however_many_workers(
    notify, make_notify
):
    second = make_notify(data_dir=notify.data_dir)  # a second notify worker on the same database
    agency = Agency(notify)
    body = task_event("task.completed", "completed")
    try:
        assert notify.consumer.process(body, {}) == "applied"
        assert second.consumer.process(body, {}) == "duplicate"
        assert notify.worker.publish_feed() + second.worker.publish_feed() == 1
        assert notify.worker.publish_feed() + second.worker.publish_feed() == 0
    finally:
        second.worker.stop()
        second.runtime.platform.stop()

    [message] = agency.take()
    assert json.loads(message.body)["id"] == json.loads(body)["id"]
    assert message.delivery_info["routing_key"] == "task.completed"
    assert message.content_type == "application/cloudevents+json"
    assert message.properties["delivery_mode"] == 2
    assert message.properties["message_id"] == json.loads(body)["id"]


def test_the_feed_carries_the_cloudevent_without_correlation_id_or_the_actors_identity(notify):
    agency = Agency(notify)
    raw = json.loads(task_event("task.assigned", "assigned", actor=ACTOR))
    raw["correlationid"] = "req-123"
    assert notify.consumer.process(json.dumps(raw).encode(), {}) == "applied"
    notify.worker.publish_feed()

    [message] = agency.take()
    public = json.loads(message.body)
    assert "correlationid" not in public
    assert public["data"]["actor"] == {"role": "unit_lead", "unit": "SO_TC"}
    assert {k: v for k, v in public["data"].items() if k != "actor"} == {
        k: v for k, v in raw["data"].items() if k != "actor"
    }


def test_internal_events_stay_off_the_feed_and_published_reports_go_on_it(notify):
    agency = Agency(notify)
    assert notify.consumer.process(task_event("task.due_soon", "in_progress"), {}) == "applied"
    report = {
        "specversion": "1.0",
        "id": "bao-cao-quy-4",
        "source": "/nhiemvu/reporting",
        "type": "report.published",
        "time": "2026-12-01T09:00:00+07:00",
        "data": {
            "id": "r1",
            "period": "2026-Q4",
            "from": "2026-10-01",
            "to": "2026-12-31",
            "as_of": "2026-12-01T09:00:00+07:00",
            "published_at": "2026-12-01T09:00:00+07:00",
            "totals": {"completed": 3},
            "units": [],
        },
    }
    assert notify.consumer.process(json.dumps(report).encode(), {}) == "applied"
    notify.worker.run_round()

    assert [m.delivery_info["routing_key"] for m in agency.take()] == ["report.published"]


@pytest.mark.services
def test_the_pika_example_prints_a_task_completed_event_from_rabbitmq(make_notify, rabbit_url):
    notify = make_notify(BROKER_URL=rabbit_url)
    with notify.runtime.platform.bus.connection() as connection:
        notify.runtime.platform.bus.declare_all(connection)
    exchange = notify.runtime.platform.bus.topology.public_exchange_name
    command = [sys.executable, str(ROOT / "examples" / "subscriber.py"), "--url", rabbit_url]
    command += ["--exchange", exchange, "--binding", "task.#", "--count", "1"]
    example = subprocess.Popen(
        command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, encoding="utf-8"
    )
    try:
        assert example.stdout is not None
        assert example.stdout.readline().startswith("Đang chờ sự kiện")
        body = task_event("task.completed", "completed")
        assert notify.consumer.process(body, {}) == "applied"
        assert notify.consumer.process(body, {}) == "duplicate"
        wait_for(lambda: notify.worker.publish_feed() or None, what="the feed published")
        out, err = example.communicate(timeout=20)
    finally:
        if example.poll() is None:
            example.kill()
        notify.worker.stop()
        notify.runtime.platform.stop()

    assert example.returncode == 0, err
    event_id = json.loads(body)["id"]
    assert "Nhiệm vụ hoàn thành (task.completed)" in out
    assert f"mã sự kiện: {event_id}" in out
    assert "Đã nhận 1 sự kiện." in out


def test_a_commit_that_only_queues_feed_rows_wakes_the_worker_for_the_feed_alone(notify):
    """A consumer's batch of task events with no subscriber: the worker's round publishes the
    feed and leaves the deliveries to the next poll; any other commit wakes the whole round."""
    agency = Agency(notify)
    worker = notify.worker
    worker.run_round()  # the first round looks at everything
    looked: list[int] = []
    worker.run_once = lambda: looked.append(1) or 0
    worker._wake.clear()

    assert notify.consumer.process(task_event("task.assigned", "assigned"), {}) == "applied"
    assert worker._wake.is_set()
    worker.run_round()
    assert looked == []
    assert len(agency.take()) == 1

    with notify.runtime.platform.database.transaction():
        pass  # a commit that queued nothing known: the whole round, as before
    worker.run_round()
    assert looked == [1]
    assert 0.01 <= worker.wait_seconds() <= worker.poll_seconds
