"""The bus entrypoint of a service: inbox, manual acks, bounded retries and dead letters.

For each message: decode and validate the CloudEvent; in one transaction record its id in the
inbox and run the handler; commit; then ack. A redelivered event finds its id in the inbox and is
acked without running again. A handler that raises is retried after each delay of the topology;
then, like a malformed message or one nobody handles, it goes to the dead-letter queue with the
reason in its headers. Nothing stops the loop but `stop()`.
"""

from __future__ import annotations

import logging
import threading
import traceback
from collections.abc import Callable, Mapping
from typing import Any

from kombu import Connection, Consumer, Producer
from kombu.message import Message
from sqlalchemy import insert
from sqlalchemy.exc import IntegrityError

from shared.bus import publish_raw
from shared.events import Event, EventError, parse_event
from shared.logs import correlation
from shared.platform import ServicePlatform, UnitOfWork
from shared.topology import SUBSCRIPTIONS

log = logging.getLogger(__name__)

Handler = Callable[[UnitOfWork, Event], None]
ATTEMPT_HEADER = "x-nhiemvu-attempt"
REASON_HEADER = "x-nhiemvu-death-reason"


class _AlreadyProcessed(Exception):
    pass


class EventConsumer:
    def __init__(
        self,
        platform: ServicePlatform,
        handlers: Mapping[str, Handler],
        *,
        prefetch: int | None = None,
    ) -> None:
        self.platform = platform
        self.handlers = dict(handlers)
        self.prefetch = prefetch or platform.settings.consumer_prefetch
        self.topology = platform.bus.topology
        self.service = platform.service
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._producer: Producer | None = None
        self.ready = threading.Event()

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
            except Exception:
                self.ready.clear()
                log.exception("consumer %s lost its connection; retrying", self.service)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, 30.0)
            finally:
                self._producer = None  # its connection is closed

    def _consume(self) -> None:
        bus = self.platform.bus
        with bus.connection() as conn, bus.connection(heartbeat=0) as publish_conn:
            conn.ensure_connection(max_retries=3)
            publish_conn.ensure_connection(max_retries=3)
            event_types = SUBSCRIPTIONS[self.service]
            bus.declare(conn, self.service, event_types)
            queue = self.topology.service_queue(self.service, event_types, quorum=not bus.is_memory)
            channel = conn.channel()
            # Retries and dead letters go out on a connection of their own: waiting for their
            # publisher confirms on the consuming connection would dispatch the next deliveries
            # re-entrantly, nesting one message's processing inside another's (up to prefetch).
            self._producer = Producer(publish_conn.default_channel)
            consumer = Consumer(
                channel,
                queues=[queue],
                on_message=self._on_message,
                prefetch_count=self.prefetch,
                no_ack=False,
            )
            with consumer:
                self.ready.set()
                while not self._stop.is_set():
                    try:
                        conn.drain_events(timeout=0.5)
                    except TimeoutError:
                        conn.heartbeat_check()

    # -- one message -----------------------------------------------------------------------
    def _on_message(self, message: Message) -> None:
        headers = dict(message.headers or {})
        body: bytes = (
            message.body if isinstance(message.body, bytes) else str(message.body).encode("utf-8")
        )
        try:
            self.process(body, headers)
        except Exception:
            # process() only raises if even the retry/dead-letter publish failed: leave the
            # message unacked so the broker redelivers it after we reconnect.
            log.exception("could not settle a message; it will be redelivered")
            raise
        message.ack()

    def process(self, body: bytes, headers: Mapping[str, Any]) -> str:
        """Apply one message; returns the outcome (applied, duplicate, retried, dead)."""
        try:
            event = parse_event(body)
        except EventError as exc:
            return self._dead_letter(body, headers, f"malformed: {exc} {exc.errors}")
        handler = self.handlers.get(event.type)
        if handler is None:
            return self._dead_letter(body, headers, f"no handler for {event.type}")
        with correlation(event.correlation_id):
            try:
                self._apply(event, handler)
            except _AlreadyProcessed:
                log.info("duplicate event %s skipped", event.id)
                return "duplicate"
            except Exception as exc:
                log.warning("handler for %s failed: %s", event.type, exc, exc_info=True)
                return self._retry_or_dead_letter(body, headers, exc)
        log.info("applied %s", event.type, extra={"event_id": event.id,
                                                   "subject": event.subject})
        return "applied"

    def _apply(self, event: Event, handler: Handler) -> None:
        with self.platform.unit_of_work() as uow:
            try:
                uow.conn.execute(
                    insert(self.platform.tables.inbox).values(
                        event_id=event.id, event_type=event.type, processed_at=uow.now
                    )
                )
            except IntegrityError as exc:
                raise _AlreadyProcessed() from exc
            handler(uow, event)

    def _retry_or_dead_letter(self, body: bytes, headers: Mapping[str, Any], exc: Exception) -> str:
        attempt = int(headers.get(ATTEMPT_HEADER, 0) or 0)
        delays = self.topology.retry_delays
        if attempt >= len(delays):
            reason = "".join(traceback.format_exception_only(type(exc), exc)).strip()
            return self._dead_letter(body, headers, f"handler failed {attempt + 1} times: {reason}")
        retry_headers = {**headers, ATTEMPT_HEADER: attempt + 1}
        delay = delays[attempt]
        if self.platform.bus.is_memory:
            # The in-process broker has no TTL queues: hold the message in a timer instead.
            timer = threading.Timer(delay, self._requeue_in_memory, args=(body, retry_headers))
            timer.daemon = True
            timer.start()
        else:
            publish_raw(
                self._require_producer(),
                self.topology.retry_queue_name(self.service, delay),
                body,
                retry_headers,
            )
        return "retried"

    def _requeue_in_memory(self, body: bytes, headers: Mapping[str, Any]) -> None:
        with self.platform.bus.connection() as conn:
            publish_raw(
                Producer(conn.default_channel),
                self.topology.queue_name(self.service),
                body,
                headers,
            )

    def _dead_letter(self, body: bytes, headers: Mapping[str, Any], reason: str) -> str:
        log.error("dead-lettering a message: %s", reason[:500])
        dead_headers = {**headers, REASON_HEADER: reason[:2000], "x-nhiemvu-service": self.service}
        publish_raw(
            self._require_producer(),
            self.topology.dead_letter_queue_name(self.service),
            body,
            dead_headers,
            content_type="application/octet-stream",
        )
        return "dead"

    def _require_producer(self) -> Producer:
        if self._producer is None:
            conn: Connection = self.platform.bus.connection(heartbeat=0)
            self._producer = Producer(conn.default_channel)
        return self._producer
