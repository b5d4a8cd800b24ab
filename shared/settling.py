# mypy: disallow-untyped-calls=False
"""How a service's consumer settles a message it does not ack as applied: a retry through the
TTL queue of its delay, or a dead letter with the reason (shared/consumer.py, the applier's
`Settler`)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kombu.connection import Connection
from kombu.messaging import Producer

from shared.applier import REASON_HEADER
from shared.bus import publish_raw
from shared.incoming import describe, plain
from shared.metrics import DEAD_LETTERS
from shared.platform import ServicePlatform
from shared.topology import Topology

# The consumer's logger: dead letters are logged under the name they always were.
log = logging.getLogger("shared.consumer")

DEAD_AT_HEADER = "x-nhiemvu-dead-at"
SERVICE_HEADER = "x-nhiemvu-service"


class BusSettler:
    """Retries and dead letters, published on a connection of their own."""

    platform: ServicePlatform
    topology: Topology
    service: str
    dead_lettered: int
    _producer: Producer | None
    _broker_errors: tuple[type[BaseException], ...]

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
        event_id, event_type = describe(body)
        log.error(
            "dead-lettered event %s of type %s: %s",
            event_id,
            event_type,
            reason[:500],
            extra={
                "event_id": event_id,
                "event_type": event_type,
                "reason": reason[:2000],
                "service": self.service,
            },
        )
        DEAD_LETTERS.labels(self.service, event_type).inc()
        self.dead_lettered += 1
        dead_headers = {
            **headers,
            REASON_HEADER: reason[:2000],
            SERVICE_HEADER: self.service,
            DEAD_AT_HEADER: datetime.now(UTC).isoformat(timespec="seconds"),
        }
        producer = self._require_producer()
        queue = self.topology.dead_letter_queue_name(self.service)
        try:
            publish_raw(producer, queue, body, dead_headers, "application/octet-stream")
        except Exception as exc:
            if isinstance(exc, self._broker_errors):
                raise
            # A header that the client library cannot encode again: keep it as text.
            safe = {str(k): plain(v) for k, v in dead_headers.items()}
            publish_raw(producer, queue, body, safe, "application/octet-stream")

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
