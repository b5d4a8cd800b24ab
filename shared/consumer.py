"""The bus entrypoint of a service: manual acks after commit, batches, reconnection.

Messages are collected while they arrive back to back (up to `batch_size`), applied by the
`EventApplier` (inbox, one transaction per batch, retries, dead letters) and acked only after
that commit. A batch is applied once no message has come for `BATCH_WINDOW_SECONDS` (or it is
full); while messages keep coming (the batch began less than `STREAM_SECONDS` after the last
one was applied), not before `GATHER_SECONDS` after its first message either, so that events
arriving a few milliseconds apart share one transaction and one wake-up instead of paying each
their own; a message after a quiet spell waits no longer than the short window. A read model's
consumer (`quiet_seconds` given) gathers a stream's batch for up to `READ_MODEL_GATHER_SECONDS`
but applies it as soon as no message has come for `READ_MODEL_QUIET_SECONDS`: a batch costs
about the same whatever its size, so a steady stream is applied in fewer, larger batches, and
the last batch of a stream does not wait for the whole window.

If the database is unreachable nothing is acked: the consumer backs off (briefly: at most
`MAX_BACKOFF_SECONDS`), reconnects and the broker delivers the same messages again. Nothing
stops the loop but `stop()`.

Everything about an incoming message is untrusted: its body, its headers and its properties.
A message that cannot be read (a body that is not bytes, a content type that is not JSON, headers
that are not a table or carry an impossible attempt number, a bug that raises while applying it)
is dead-lettered with the reason and acked: it never reaches the connection loop, where it would
come back for ever. Every dead letter is logged at error level with its id, type and reason, and
counted (`nhiemvu_dead_letters_total`, and the worker's health status).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from kombu.connection import Connection
from kombu.exceptions import OperationalError as BrokerUnavailable
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
from shared.incoming import as_bytes, describe, plain, read
from shared.metrics import DEAD_LETTERS
from shared.platform import ServicePlatform
from shared.topology import SUBSCRIPTIONS

log = logging.getLogger(__name__)

__all__ = [
    "ATTEMPT_HEADER",
    "DEAD_AT_HEADER",
    "READ_MODEL_GATHER_SECONDS",
    "READ_MODEL_QUIET_SECONDS",
    "REASON_HEADER",
    "SERVICE_HEADER",
    "EventConsumer",
    "Handler",
    "describe",
]

# After a message arrives, wait this long for another before applying what has been collected.
BATCH_WINDOW_SECONDS = 0.005
# While messages keep coming (a batch begins within STREAM_SECONDS of the last one's start), a
# batch also waits until GATHER_SECONDS after its first message: one transaction for what
# arrives meanwhile.
STREAM_SECONDS = 0.1
GATHER_SECONDS = 0.02
# A read model's consumer (notify, reporting) may gather longer: what it applies is read by
# people, a tenth of a second later makes no difference, and a bigger batch costs less per event
# (a batch's transaction, commit, ack and notify's feed round cost about the same for 2 events
# as for 30). It applies a streaming batch once no message has come for the quiet window, or
# once the gathering window has passed since its first message, whichever comes first.
READ_MODEL_GATHER_SECONDS = 0.15
READ_MODEL_QUIET_SECONDS = 0.03
# Reconnection back-off: doubles from the first value up to the second. Kept short so that a
# consumer resumes within a second or two of its broker or database coming back.
FIRST_BACKOFF_SECONDS = 0.25
MAX_BACKOFF_SECONDS = 2.0
DEAD_AT_HEADER = "x-nhiemvu-dead-at"
SERVICE_HEADER = "x-nhiemvu-service"


class EventConsumer:
    def __init__(
        self,
        platform: ServicePlatform,
        handlers: Mapping[str, Handler],
        *,
        prefetch: int | None = None,
        batch_size: int = 100,
        gather_seconds: float = GATHER_SECONDS,
        quiet_seconds: float | None = None,
    ) -> None:
        self.platform = platform
        self.handlers = dict(handlers)
        self.prefetch = prefetch or platform.settings.consumer_prefetch
        self.batch_size = max(1, min(batch_size, self.prefetch))
        self.gather_seconds = gather_seconds
        self.quiet_seconds = quiet_seconds
        self.topology = platform.bus.topology
        self.service = platform.service
        self.applier = EventApplier(platform, self.handlers, self)
        self.ready = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer: Producer | None = None
        self._pending: list[Message] = []
        # When the pending batch is to be applied, the end of its gathering window, and when
        # the last one was applied (monotonic).
        self._apply_by = 0.0
        self._gather_until = 0.0
        self._applied_at = float("-inf")
        self._broker_errors: tuple[type[BaseException], ...] = (OSError, BrokerUnavailable)
        # What the worker's health check reads (shared/worker_health.py).
        self.last_progress = time.monotonic()
        self.disconnected_since: float | None = time.monotonic()
        self.acked = 0
        self.dead_lettered = 0
        self.delivery_limit = False
        self._started_once = False

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

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def run(self) -> None:
        backoff = FIRST_BACKOFF_SECONDS
        while not self._stop.is_set():
            try:
                self._consume()
                backoff = FIRST_BACKOFF_SECONDS
            except Exception as exc:
                self.ready.clear()
                first = self.disconnected_since is None
                if first:
                    self.disconnected_since = time.monotonic()
                infrastructure = isinstance(exc, (InfrastructureError, *self._broker_errors))
                # The first failure of an outage is worth a line; the retries every second or
                # two are not (they would flood the log while a dependency is down).
                log.log(
                    (logging.WARNING if infrastructure else logging.ERROR)
                    if first
                    else logging.DEBUG,
                    "consumer %s stopped (%s); reconnecting in %.1fs",
                    self.service,
                    exc,
                    backoff,
                    exc_info=not infrastructure,
                )
                self._stop.wait(backoff)
                backoff = min(backoff * 2, MAX_BACKOFF_SECONDS)
            finally:
                self._producer = None
                self._pending = []

    def _consume(self) -> None:
        bus = self.platform.bus
        # Retries and dead letters go out on a connection of their own: waiting for their
        # publisher confirms on the consuming connection would dispatch further deliveries
        # re-entrantly. Publish-only connections need no heartbeat.
        with bus.connection() as conn, bus.connection(heartbeat=0) as publish_conn:
            self._broker_errors = (
                OSError,
                BrokerUnavailable,
                *conn.connection_errors,
                *conn.channel_errors,
            )
            bus.connect(conn)
            bus.connect(publish_conn)
            event_types = SUBSCRIPTIONS[self.service]
            queue = bus.declare(conn, self.service, event_types)
            self.delivery_limit = "x-delivery-limit" in (
                getattr(queue, "queue_arguments", None) or {}
            )
            self._producer = Producer(publish_conn.default_channel)
            consumer = Consumer(
                conn.channel(),
                queues=[queue],
                on_message=self._collect,
                prefetch_count=self.prefetch,
                no_ack=False,
                auto_declare=False,  # declared above, with the arguments the broker has
            )
            with consumer:
                self._connected()
                while not self._stop.is_set():
                    self._drain_once(conn)

    def _connected(self) -> None:
        if self.disconnected_since is not None and self._started_once:
            down = time.monotonic() - self.disconnected_since
            log.info("consumer %s consuming again after %.1fs", self.service, down)
        self._started_once = True
        self.disconnected_since = None
        self.last_progress = time.monotonic()
        self.ready.set()

    def _collect(self, message: Message) -> None:
        now = time.monotonic()
        if not self._pending:
            streaming = now - self._applied_at < STREAM_SECONDS
            window = self.gather_seconds if streaming else BATCH_WINDOW_SECONDS
            self._apply_by = self._gather_until = now + window
            if streaming and self.quiet_seconds is not None:
                self._apply_by = min(self._gather_until, now + self.quiet_seconds)
        elif self.quiet_seconds is None:
            self._apply_by = max(self._apply_by, now + BATCH_WINDOW_SECONDS)
        else:
            # Until the gathering window ends, or the stream pauses for the quiet window;
            # messages closer than the short window keep extending it, as always.
            quiet = min(self._gather_until, now + self.quiet_seconds)
            self._apply_by = max(quiet, now + BATCH_WINDOW_SECONDS)
        self._pending.append(message)

    def _drain_once(self, conn: Connection) -> None:
        if self._pending:
            timeout = self._apply_by - time.monotonic()
            if timeout <= 0:
                self._flush()
                return
        else:
            timeout = 0.5
        try:
            conn.drain_events(timeout=timeout)
        except TimeoutError:
            if self._pending:
                self._flush()
            else:
                # Nothing delivered: the consumer is keeping up.
                self.last_progress = time.monotonic()
                conn.heartbeat_check()
            return
        if len(self._pending) >= self.batch_size:
            self._flush()

    def _flush(self) -> None:
        batch, self._pending = self._pending, []
        self._applied_at = time.monotonic()
        readable: list[tuple[Message, Delivery]] = []
        for message in batch:
            delivery, problem = read(message)
            if delivery is None:
                self._dead_and_ack(message, problem)
            else:
                readable.append((message, delivery))
        if not readable:
            return
        deliveries = [delivery for _, delivery in readable]
        try:
            self.applier.apply_batch(deliveries)
        except InfrastructureError:
            if self.platform.bus.is_memory:
                # The in-process broker does not redeliver unacked messages: put them back.
                for delivery in deliveries:
                    self._republish(delivery.body, delivery.headers)
                for message, _ in readable:
                    message.ack()
            raise
        except Exception as exc:
            if isinstance(exc, self._broker_errors):
                raise
            # A bug, not the broker: settle each message alone so that only the one that
            # raises is dead-lettered, rather than the batch coming back for ever.
            log.exception("applying a batch of %d raised; settling one by one", len(readable))
            for message, delivery in readable:
                self._settle_alone(message, delivery)
            return
        self._ack_together([message for message, _ in readable])
        self._progressed(len(readable))

    def _ack_together(self, messages: list[Message]) -> None:
        """Ack a settled batch. On RabbitMQ one `basic.ack` with `multiple` covers it (one frame
        and one write instead of one each): every delivery on this channel up to the batch's
        last tag is settled by now (earlier batches were, and the batch's dead letters were
        acked alone), and no delivery arrives while a batch is applied (retries and dead
        letters go out on another connection). The in-process broker acks one at a time."""
        if self.platform.bus.is_memory or len(messages) == 1:
            for message in messages:
                message.ack()
            return
        max(messages, key=lambda m: int(m.delivery_tag)).ack(multiple=True)

    def _settle_alone(self, message: Message, delivery: Delivery) -> None:
        try:
            self.applier.apply_one(delivery.body, delivery.headers)
        except InfrastructureError:
            raise
        except Exception as exc:
            if isinstance(exc, self._broker_errors):
                raise
            self._dead_and_ack(message, f"consumer error: {type(exc).__name__}: {exc}")
            return
        message.ack()
        self._progressed(1)

    def _dead_and_ack(self, message: Message, reason: str) -> None:
        body = message.body if isinstance(message.body, bytes) else as_bytes(message.body)
        headers = message.headers if isinstance(message.headers, Mapping) else {}
        self.dead_letter(body, headers, reason)
        message.ack()
        self._progressed(1)

    def _progressed(self, count: int) -> None:
        self.acked += count
        self.last_progress = time.monotonic()

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
