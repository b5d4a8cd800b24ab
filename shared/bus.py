"""The message bus on kombu: connections, publishing with confirms, and topology declaration.

`memory://` is the embedded profile's in-process broker; `amqp://` is RabbitMQ. Only the
differences that matter are handled here (quorum queues, TTL retry queues, publisher confirms).
"""

from __future__ import annotations

import errno
import logging
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from queue import Queue as ThreadQueue
from typing import Any

from amqp.exceptions import MessageNacked, PreconditionFailed
from amqp.transport import TCPTransport
from kombu.connection import Connection
from kombu.entity import Exchange, Queue
from kombu.messaging import Producer
from kombu.transport import memory, pyamqp, virtual

from shared.topology import SUBSCRIPTIONS, Topology

log = logging.getLogger(__name__)


# What one read from the broker's socket may take ahead of the frame being read.
READ_AHEAD_BYTES = 65536


class _ReadAheadTCPTransport(TCPTransport):  # type: ignore[misc]
    """py-amqp's TCP transport, reading what the socket holds instead of exactly the bytes asked
    for. py-amqp asks for each frame's header, payload and end byte in turn, so a delivery (a
    method, a header and a body frame) cost nine `recv` calls; the rest of what one `recv`
    returns stays in the transport's read buffer, which py-amqp reads first and keeps across a
    timeout, as it does a partial read."""

    def _read(
        self, n: int, initial: bool = False, _errnos: tuple[int, ...] = (errno.EAGAIN, errno.EINTR)
    ) -> bytes:
        recv = self._quick_recv
        rbuf: bytes = self._read_buffer  # type: ignore[has-type]
        try:
            while len(rbuf) < n:
                try:
                    chunk = recv(max(n - len(rbuf), READ_AHEAD_BYTES))
                except OSError as exc:
                    if exc.errno in _errnos:
                        if initial and self.raise_on_initial_eintr:
                            raise TimeoutError() from exc
                        continue
                    raise
                if not chunk:
                    raise OSError("Server unexpectedly closed connection")
                rbuf += chunk
        except BaseException:
            self._read_buffer = rbuf
            raise
        result: bytes = rbuf[:n]
        self._read_buffer = rbuf[n:]
        return result


class _AmqpConnection(pyamqp.Connection):
    def Transport(  # py-amqp's name
        self,
        host: str,
        connect_timeout: float | None,
        ssl: Any = False,
        read_timeout: float | None = None,
        write_timeout: float | None = None,
        socket_settings: Any = None,
        **kwargs: Any,
    ) -> Any:
        if ssl:
            return super().Transport(
                host, connect_timeout, ssl, read_timeout, write_timeout, socket_settings, **kwargs
            )
        return _ReadAheadTCPTransport(
            host,
            connect_timeout=connect_timeout,
            ssl=ssl,
            read_timeout=read_timeout,
            write_timeout=write_timeout,
            socket_settings=socket_settings,
            **kwargs,
        )


class AmqpTransport(pyamqp.Transport):
    """kombu's py-amqp transport on `_ReadAheadTCPTransport` (TLS connections unchanged)."""

    Connection = _AmqpConnection


class _MemoryChannel(memory.Channel):
    """kombu's memory channel, safe with threads: its channels share one dict of queues, which
    kombu's own channel checks then fills, and walks (to no effect) when any channel closes; a
    channel closing in one thread while another declares a queue raised "dictionary changed size
    during iteration", and two threads naming a new queue at once could each make one."""

    def _new_queue(self, queue: str, **kwargs: Any) -> None:
        self._queue_for(queue)

    def _queue_for(self, queue: str) -> Any:
        found = self.queues.get(queue)
        return found if found is not None else self.queues.setdefault(queue, ThreadQueue())

    def close(self) -> None:
        virtual.Channel.close(self)
        self.queues = {}


class _MemoryTransport(memory.Transport):
    Channel = _MemoryChannel


class Bus:
    def __init__(self, url: str, topology: Topology) -> None:
        self.url = url
        self.topology = topology
        self._warned: set[str] = set()

    @property
    def is_memory(self) -> bool:
        return self.url.startswith("memory://")

    def connect(self, connection: Connection) -> None:
        """Open `connection` now, or raise: one quick try and one retry, never kombu's
        growing sleeps (the callers' own loops back off, briefly, and notice a broker that is
        back within a second or two)."""
        connection.ensure_connection(
            max_retries=1, interval_start=0.2, interval_step=0.2, interval_max=0.5, timeout=10
        )

    def connection(self, *, heartbeat: int = 30) -> Connection:
        """A new connection. Pass heartbeat=0 for one that only publishes: heartbeats are only
        read while draining events, so a publish-only connection would be dropped when idle."""
        if self.is_memory:
            # The in-process broker is polled; keep hops snappy without burning the CPU.
            return Connection(
                self.url, transport=_MemoryTransport, transport_options={"polling_interval": 0.01}
            )
        return Connection(
            self.url,
            transport=AmqpTransport if self.url.startswith("amqp://") else None,
            heartbeat=heartbeat,
            transport_options={"confirm_publish": True},
            connect_timeout=5,
        )

    def declare(self, connection: Connection, service: str, event_types: Iterable[str]) -> Queue:
        """Declare the exchange and the service's queues (idempotent); returns the service queue
        as it is on the broker."""
        channel = connection.default_channel
        quorum = not self.is_memory
        self.topology.exchange()(channel).declare()
        self.topology.dead_letter_queue(service, quorum=quorum)(channel).declare()
        if not self.is_memory:
            for queue in self.topology.retry_queues(service):
                queue(channel).declare()
        queue = self.topology.service_queue(service, event_types, quorum=quorum)
        try:
            # On a channel of its own: a refused declaration closes the channel it was sent on.
            with connection.channel() as own:
                queue(own).declare()
        except PreconditionFailed as exc:
            if service not in self._warned:
                self._warned.add(service)
                log.warning(
                    "queue %s was declared without the delivery limit and keeps its arguments "
                    "(%s); see deploy/README.md, 'Queues of an older release'",
                    queue.name,
                    exc,
                )
            queue = self.topology.service_queue(service, event_types, quorum=quorum, guarded=False)
            with connection.channel() as own:
                queue(own).declare()
        return queue

    def declare_all(self, connection: Connection) -> None:
        """Declare every service's queues and the public exchange: publishers call this before
        their first event."""
        self.topology.public_exchange()(connection.default_channel).declare()
        for service, event_types in SUBSCRIPTIONS.items():
            if event_types:
                self.declare(connection, service, event_types)

    def ping(self) -> None:
        with self.connection() as conn:
            conn.ensure_connection(max_retries=1, timeout=3)


def publish_event(
    producer: Producer, exchange: Exchange, routing_key: str, body: str, event_id: str
) -> None:
    """Publish one CloudEvent, persistent; with confirms on, returns once the broker has it."""
    producer.publish(
        body.encode("utf-8"),
        exchange=exchange,
        routing_key=routing_key,
        content_type="application/cloudevents+json",
        content_encoding="utf-8",
        delivery_mode=2,
        message_id=event_id,
        retry=False,
    )


@contextmanager
def confirmed_together(producer: Producer, timeout: float = 30.0) -> Iterator[None]:
    """Publish the block's messages without waiting for each one's confirm, then wait until the
    broker has confirmed them all (one round trip and, for quorum queues, one write to disk for
    the batch instead of one per message); raises MessageNacked if it refused any, and the
    block's exception or a timeout leaves them unconfirmed, as a failed publish would: the
    caller publishes them again. On a channel without publisher confirms (the in-process
    broker) the block runs as it is."""
    channel = producer.channel
    connection: Any = getattr(channel, "connection", None)
    if not getattr(connection, "confirm_publish", False) or not hasattr(channel, "_basic_publish"):
        yield
        return
    if not channel._confirm_selected:
        channel._confirm_selected = True
        channel.confirm_select()
        channel.nhiemvu_published = 0  # the broker numbers a confirm channel's messages from 1
    if not hasattr(channel, "nhiemvu_published"):
        # Selected by a publish that waited for its own confirm: our numbering would be off.
        yield
        return
    first = channel.nhiemvu_published + 1
    outstanding: set[int] = set()
    refused: list[int] = []

    def sent(*args: Any, **kwargs: Any) -> Any:
        channel.nhiemvu_published += 1
        outstanding.add(channel.nhiemvu_published)
        return channel._basic_publish(*args, **kwargs)

    def confirmed(delivery_tag: int, multiple: bool) -> None:
        if multiple:
            outstanding.difference_update([t for t in outstanding if t <= delivery_tag])
        else:
            outstanding.discard(delivery_tag)

    def nacked(delivery_tag: int, multiple: bool) -> None:
        refused.append(delivery_tag)
        confirmed(delivery_tag, multiple)

    # The block's frames are written to the socket together, after it (one `sendall` for the
    # batch instead of one per message); py-amqp hands each frame over in a buffer it reuses.
    transport: Any = getattr(connection, "transport", None)
    direct: Any = getattr(transport, "_write", None)
    held: list[bytes] = []

    def send_held() -> None:
        if held:
            frames = b"".join(held)
            held.clear()
            direct(frames)

    channel.events["basic_ack"].add(confirmed)
    channel.events["basic_nack"].add(nacked)
    channel.basic_publish = sent
    if direct is not None:
        transport._write = lambda frame: held.append(bytes(frame))
    try:
        try:
            yield
        finally:
            if direct is not None:
                transport._write = direct
        send_held()
        while outstanding:
            connection.drain_events(timeout=timeout)
    except BaseException:
        try:
            send_held()  # what the block published goes out, as it would have one by one
        except Exception:
            log.debug("the held frames could not be written", exc_info=True)
        raise
    finally:
        channel.basic_publish = channel.basic_publish_confirm
        channel.events["basic_ack"].discard(confirmed)
        channel.events["basic_nack"].discard(nacked)
    if refused:
        raise MessageNacked(f"the broker refused messages {sorted(refused)} (from {first})")


def publish_raw(
    producer: Producer,
    queue_name: str,
    body: bytes,
    headers: Mapping[str, Any],
    content_type: str = "application/cloudevents+json",
) -> None:
    """Publish straight to a queue through the default exchange (retry and dead-letter paths)."""
    producer.publish(
        body,
        exchange="",
        routing_key=queue_name,
        content_type=content_type,
        content_encoding="binary",
        delivery_mode=2,
        headers=dict(headers),
        retry=False,
    )
