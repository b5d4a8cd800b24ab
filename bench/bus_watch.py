"""What reaches the bus, and when: `BusWatch` records the arrival time (time.time()) of every event
of the given types at a queue of its own bound to the domain exchange, per (event type, subject)
(bench/workflow.py's action and timer figures)."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

import orjson
from kombu.connection import Connection
from kombu.entity import Queue, binding
from kombu.messaging import Consumer

from shared.topology import Topology


class BusWatch(threading.Thread):
    """Records when events of the given types reach a queue of ours bound to the exchange."""

    def __init__(self, broker_url: str, event_types: Iterable[str]) -> None:
        super().__init__(daemon=True, name="bus-watch")
        self.broker_url = broker_url
        self.event_types = sorted(set(event_types))
        self.arrivals: dict[tuple[str, str], float] = {}
        self.ready = threading.Event()
        self._halt = threading.Event()
        self._changed = threading.Condition()

    def run(self) -> None:
        exchange = Topology().exchange()
        queue = Queue(
            f"bench.watch.{uuid.uuid4().hex[:8]}",
            bindings=[binding(exchange, routing_key=t) for t in self.event_types],
            exclusive=True,
            auto_delete=True,
        )
        with Connection(self.broker_url, heartbeat=0) as conn:
            channel = conn.channel()
            exchange(channel).declare()
            queue(channel).declare()
            with (
                Consumer(channel, queues=[queue], on_message=self._arrived, no_ack=True),
                _read_ahead(conn, 0.2),
            ):
                self.ready.set()
                while not self._halt.is_set():
                    with contextlib.suppress(TimeoutError):
                        conn.drain_events(timeout=0.2)

    def _arrived(self, message: Any) -> None:
        at = time.time()
        event = orjson.loads(message.body)
        with self._changed:
            self.arrivals.setdefault((event["type"], event.get("subject") or ""), at)
            self._changed.notify_all()

    def wait_for(self, keys: Iterable[tuple[str, str]], timeout: float) -> int:
        """Wait until every key has arrived (or the timeout); returns how many are missing."""
        wanted = set(keys)
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                missing = len(wanted - self.arrivals.keys())
                left = deadline - time.monotonic()
                if not missing or left <= 0:
                    return missing
                self._changed.wait(min(left, 0.5))

    def __enter__(self) -> BusWatch:
        self.start()
        if not self.ready.wait(15):
            raise RuntimeError("could not watch the bus")
        return self

    def __exit__(self, *_: object) -> None:
        self._halt.set()
        self.join(5)


@contextlib.contextmanager
def _read_ahead(conn: Connection, timeout: float) -> Iterator[None]:
    """The AMQP transport takes what the socket holds, up to 64 KiB, at each read, and its
    socket keeps the `timeout` that every `drain_events` gives: py-amqp asks the socket for
    exactly the bytes it needs next (a frame's header, its payload, its end octet: nine reads per
    delivery, the first waiting for readiness) and keeps what comes beyond in its own buffer,
    which it reads first; it sets the socket's timeout before each frame and restores it after,
    unless it is already the one asked for. One read then brings a batch of deliveries, and this
    thread spends about a quarter less CPU per event. Both are put back before the connection
    closes."""
    transport = conn.connection.transport
    recv, sock = transport._quick_recv, transport.sock
    previous = sock.gettimeout()
    transport._quick_recv = lambda size: recv(max(size, 65536))
    sock.settimeout(timeout)
    try:
        yield
    finally:
        sock.settimeout(previous)
        transport._quick_recv = recv
