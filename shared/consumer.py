"""The bus entrypoint of a service: manual acks after commit, batches, reconnection.

Messages are collected while they arrive back to back (up to `batch_size`), applied by the
`EventApplier` (inbox, one transaction per batch, retries, dead letters) and acked only after
that commit. If the database is unreachable nothing is acked: the consumer backs off, reconnects
and the broker delivers the same messages again. Nothing stops the loop but `stop()`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import Any

from kombu.connection import Connection
from kombu.message import Message
from kombu.messaging import Consumer, Producer

from shared.applier import (
    ATTEMPT_HEADER,
    REASON_HEADER,
    Delivery,
    EventApplier,
    Handler,
    InfrastructureError,
)
from shared.bus import publish_raw
from shared.platform import ServicePlatform
from shared.topology import SUBSCRIPTIONS

log = logging.getLogger(__name__)

__all__ = ["ATTEMPT_HEADER", "REASON_HEADER", "EventConsumer", "Handler"]

# After a message arrives, wait this long for another before applying what has been collected.
BATCH_WINDOW_SECONDS = 0.005


class EventConsumer:
    def __init__(
        self,
        platform: ServicePlatform,
        handlers: Mapping[str, Handler],
        *,
        prefetch: int | None = None,
        batch_size: int = 100,
    ) -> None:
        self.platform = platform
        self.handlers = dict(handlers)
        self.prefetch = prefetch or platform.settings.consumer_prefetch
        self.batch_size = max(1, min(batch_size, self.prefetch))
        self.topology = platform.bus.topology
        self.service = platform.service
        self.applier = EventApplier(platform, self.handlers, self)
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer: Producer | None = None
        self._pending: list[Message] = []

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        self._thread = threading.Thread(
            target=self.run, name=f"consumer-{self.service}", daemon=True
        )
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)

    def run(self) -> None:
        backoff = 0.5
        while not self._stop.is_set():
            try:
                self._consume()
                backoff = 0.5
            except Exception as exc:
                self.ready.clear()
                level = logging.WARNING if isinstance(exc, InfrastructureError) else logging.ERROR
                log.log(
                    level,
                    "consumer %s stopped (%s); reconnecting in %.1fs",
                    self.service,
                    exc,
                    backoff,
                    exc_info=not isinstance(exc, InfrastructureError),
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            finally:
                self._producer = None
                self._pending = []

    def _consume(self) -> None:
        bus = self.platform.bus
        # Retries and dead letters go out on a connection of their own: waiting for their
        # publisher confirms on the consuming connection would dispatch further deliveries
        # re-entrantly. Publish-only connections need no heartbeat.
        with bus.connection() as conn, bus.connection(heartbeat=0) as publish_conn:
            conn.ensure_connection(max_retries=3)
            publish_conn.ensure_connection(max_retries=3)
            event_types = SUBSCRIPTIONS[self.service]
            bus.declare(conn, self.service, event_types)
            queue = self.topology.service_queue(self.service, event_types, quorum=not bus.is_memory)
            self._producer = Producer(publish_conn.default_channel)
            consumer = Consumer(
                conn.channel(),
                queues=[queue],
                on_message=self._collect,
                prefetch_count=self.prefetch,
                no_ack=False,
            )
            with consumer:
                self.ready.set()
                while not self._stop.is_set():
                    self._drain_once(conn)

    def _collect(self, message: Message) -> None:
        self._pending.append(message)

    def _drain_once(self, conn: Connection) -> None:
        waiting = bool(self._pending)
        try:
            conn.drain_events(timeout=BATCH_WINDOW_SECONDS if waiting else 0.5)
        except TimeoutError:
            if waiting:
                self._flush()
            else:
                conn.heartbeat_check()
            return
        if len(self._pending) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        deliveries = [Delivery(_body(m), dict(m.headers or {})) for m in batch]
        try:
            self.applier.apply_batch(deliveries)
        except InfrastructureError:
            if self.platform.bus.is_memory:
                # The in-process broker does not redeliver unacked messages: put them back.
                for delivery in deliveries:
                    self._republish(delivery.body, delivery.headers)
                for message in batch:
                    message.ack()
            raise
        for message in batch:
            message.ack()

    def process(self, body: bytes, headers: Mapping[str, Any]) -> str:
        """Apply one message now; returns the outcome (applied, duplicate, retried, dead)."""
        return self.applier.apply_one(body, headers)

    # -- settling (the applier's Settler) ----------------------------------------------------
    def retry(self, body: bytes, headers: Mapping[str, Any], delay: int) -> None:
        if self.platform.bus.is_memory:
            # The in-process broker has no TTL queues: hold the message in a timer instead.
            timer = threading.Timer(delay, self._republish, args=(body, headers))
            timer.daemon = True
            timer.start()
            return
        publish_raw(
            self._require_producer(),
            self.topology.retry_queue_name(self.service, delay),
            body,
            headers,
        )

    def dead_letter(self, body: bytes, headers: Mapping[str, Any], reason: str) -> None:
        dead_headers = {**headers, REASON_HEADER: reason[:2000], "x-nhiemvu-service": self.service}
        publish_raw(
            self._require_producer(),
            self.topology.dead_letter_queue_name(self.service),
            body,
            dead_headers,
            content_type="application/octet-stream",
        )

    def _republish(self, body: bytes, headers: Mapping[str, Any]) -> None:
        with self.platform.bus.connection(heartbeat=0) as conn:
            publish_raw(
                Producer(conn.default_channel),
                self.topology.queue_name(self.service),
                body,
                headers,
            )

    def _require_producer(self) -> Producer:
        if self._producer is None:
            conn: Connection = self.platform.bus.connection(heartbeat=0)
            self._producer = Producer(conn.default_channel)
        return self._producer


def _body(message: Message) -> bytes:
    body = message.body
    return body if isinstance(body, bytes) else str(body).encode("utf-8")
