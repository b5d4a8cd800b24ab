"""A tiny service on the real plumbing, for the bus and outbox tests.

It owns one table, `applied`, where its only handler (for `unit.updated`) writes a row per event it
applies. The handler can be told to fail the first N times it sees a unit code; since a failing
handler's transaction rolls back, `applied` holds exactly the applications that committed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import amqp
from kombu import Producer, Queue
from sqlalchemy import Column, Integer, MetaData, String, Table, func, insert, select

from shared.bus import publish_event, publish_raw
from shared.clock import SystemClock
from shared.config import PlatformSettings
from shared.consumer import EventConsumer
from shared.events import Event, encode, make_event
from shared.platform import ServicePlatform, UnitOfWork
from tests.polling import wait_for

SERVICE = "notify"  # a service that SUBSCRIPTIONS binds to unit.updated


def unit_data(code: str) -> dict[str, Any]:
    return {"code": code, "name": f"Sở Tài chính {code}", "kind": "department", "active": True}


def unit_event(code: str) -> dict[str, Any]:
    return make_event(
        "unit.updated", unit_data(code), source="/tests", time=SystemClock().now(), subject=code
    )


@dataclass
class DeadLetter:
    body: bytes
    headers: dict[str, Any]


class TinyService:
    def __init__(self, env: Mapping[str, str], *, handlers: Mapping[str, Any] | None = None):
        self.metadata = MetaData()
        self.applied = Table(
            "applied",
            self.metadata,
            Column("seq", Integer, primary_key=True, autoincrement=True),
            Column("event_id", String(200), nullable=False),
            Column("code", String(100), nullable=False),
        )
        settings = PlatformSettings.from_env(SERVICE, {"OUTBOX_POLL_SECONDS": "0.05", **env})
        self.platform = ServicePlatform(settings, self.metadata, SystemClock())
        self.metadata.create_all(self.platform.database.engine)
        self.fail_times: dict[str, int] = {}
        self.attempts: Counter[str] = Counter()
        self.on_handle: Callable[[UnitOfWork, Event], None] | None = None
        self._lock = threading.Lock()
        self.consumer = EventConsumer(
            self.platform, handlers if handlers is not None else {"unit.updated": self.handle}
        )
        self.dead: list[DeadLetter] = []

    # -- the service's own behaviour ---------------------------------------------------------
    def handle(self, uow: UnitOfWork, event: Event) -> None:
        code = event.data["code"]
        with self._lock:
            self.attempts[code] += 1
            attempt = self.attempts[code]
        uow.conn.execute(insert(self.applied).values(event_id=event.id, code=code))
        if self.on_handle is not None:
            self.on_handle(uow, event)
        if attempt <= self.fail_times.get(code, 0):
            raise RuntimeError(f"handler refused {code} (attempt {attempt})")

    def emit(self, code: str) -> str:
        with self.platform.unit_of_work() as uow:
            return str(uow.emit("unit.updated", unit_data(code), subject=code)["id"])

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self, *, relay: bool = True, consumer: bool = True) -> TinyService:
        if relay:
            self.platform.start()
        if consumer:
            self.consumer.start()
            wait_for(self.consumer.ready.is_set, what="the consumer to be ready")
        return self

    def stop(self) -> None:
        self.consumer.stop()
        self.platform.stop()

    # -- what happened -----------------------------------------------------------------------
    def applied_count(self, code: str) -> int:
        with self.platform.database.engine.connect() as conn:
            return int(
                conn.execute(
                    select(func.count())
                    .select_from(self.applied)
                    .where(self.applied.c.code == code)
                ).scalar_one()
            )

    def wait_applied(self, code: str, timeout: float = 10.0) -> None:
        wait_for(lambda: self.applied_count(code) > 0, timeout, f"{code} to be applied")

    def outbox_rows(self) -> list[Any]:
        outbox = self.platform.tables.outbox
        with self.platform.database.engine.connect() as conn:
            return list(conn.execute(select(outbox).order_by(outbox.c.seq)).all())

    # -- the bus, from outside the service ---------------------------------------------------
    def publish(self, *envelopes: Mapping[str, Any]) -> None:
        """Publish events to the exchange, as another service's relay would."""
        with self.platform.bus.connection() as conn:
            self.platform.bus.declare_all(conn)
            producer = Producer(conn.default_channel)
            for envelope in envelopes:
                publish_event(
                    producer,
                    self.platform.bus.topology.exchange(),
                    str(envelope["type"]),
                    encode(envelope),
                    str(envelope["id"]),
                )

    def publish_to_queue(self, body: bytes) -> None:
        """Put any bytes straight on the service's queue."""
        queue = self.platform.bus.topology.queue_name(SERVICE)
        with self.platform.bus.connection() as conn:
            publish_raw(Producer(conn.default_channel), queue, body, {})

    def take_dead_letters(self) -> list[DeadLetter]:
        name = self.platform.bus.topology.dead_letter_queue_name(SERVICE)
        with self.platform.bus.connection() as conn:
            queue = Queue(name, no_declare=True)(conn.default_channel)
            while (message := queue.get(no_ack=True)) is not None:
                self.dead.append(DeadLetter(bytes(message.body), dict(message.headers or {})))
        return self.dead

    def wait_dead_letters(self, count: int, timeout: float = 10.0) -> list[DeadLetter]:
        wait_for(lambda: len(self.take_dead_letters()) >= count, timeout, f"{count} dead letter(s)")
        return self.dead


def raw_publish(url: str, queue: str, body: bytes, **properties: Any) -> None:
    """Publish with exactly these properties (kombu would fill in a content type)."""
    parts = urlsplit(url)
    connection = amqp.Connection(
        host=f"{parts.hostname}:{parts.port}",
        userid=parts.username,
        password=parts.password,
        virtual_host=parts.path.lstrip("/"),
    )
    connection.connect()
    try:
        channel = connection.channel()
        channel.basic_publish(amqp.Message(body, **properties), exchange="", routing_key=queue)
        channel.close()
    finally:
        connection.close()
