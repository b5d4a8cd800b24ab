# mypy: disallow-untyped-calls=False
"""Dead letters of a service's queue, for operators: list them, and replay them after a fix.

Listing reads every message of `<ns>.<service>.dead` without acknowledging it and lets go of them
all at the end (the queue has no delivery limit, so reading never drops anything). Replaying
publishes a message back to the service's own queue, with publisher confirms, and only then
acknowledges (removes) its dead letter: a crash in between replays it twice, which the service's
inbox makes harmless.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from kombu.entity import Queue
from kombu.message import Message
from kombu.messaging import Producer

from shared.applier import ATTEMPT_HEADER, REASON_HEADER
from shared.bus import Bus, publish_raw
from shared.consumer import DEAD_AT_HEADER, SERVICE_HEADER
from shared.events import CONTENT_TYPE
from shared.incoming import describe

REPLAYED_HEADER = "x-nhiemvu-replayed-at"
# What a dead letter carries about its death, and nothing a replay should keep.
_DEATH_HEADERS = {REASON_HEADER, ATTEMPT_HEADER, SERVICE_HEADER, DEAD_AT_HEADER, "x-death"}
_BROKER_HEADERS = ("x-death", "x-first-death-reason", "x-first-death-queue", "x-delivery-count")


@dataclass
class DeadLetter:
    id: str
    type: str
    reason: str
    dead_at: str
    attempt: Any
    body: bytes = field(repr=False)
    headers: dict[str, Any] = field(repr=False)

    def summary(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "type": self.type,
            "dead_at": self.dead_at,
            "attempt": self.attempt,
            "reason": self.reason,
        }


def _letter(message: Message) -> DeadLetter:
    body = message.body if isinstance(message.body, bytes) else str(message.body).encode()
    headers = dict(message.headers or {}) if isinstance(message.headers, Mapping) else {}
    event_id, event_type = describe(body)
    if event_id == "?":
        event_id = "sha256:" + hashlib.sha256(body).hexdigest()[:16]
    reason = headers.get(REASON_HEADER)
    if not isinstance(reason, str):
        reason = _broker_reason(headers)
    dead_at = headers.get(DEAD_AT_HEADER)
    return DeadLetter(
        id=event_id,
        type=event_type,
        reason=reason,
        dead_at=dead_at if isinstance(dead_at, str) else "",
        attempt=headers.get(ATTEMPT_HEADER, 0),
        body=body,
        headers=headers,
    )


def _broker_reason(headers: Mapping[str, Any]) -> str:
    """The reason RabbitMQ gave when it dead-lettered the message itself (a delivery limit)."""
    deaths = headers.get("x-death")
    if isinstance(deaths, list) and deaths and isinstance(deaths[0], Mapping):
        death = deaths[0]
        return f"broker: {death.get('reason', '?')} in {death.get('queue', '?')}"
    return "unknown"


def _each(bus: Bus, service: str, visit: Callable[[Message, DeadLetter], None]) -> None:
    name = bus.topology.dead_letter_queue_name(service)
    with bus.connection(heartbeat=0) as conn:
        bus.connect(conn)
        channel = conn.channel()
        try:
            waiting = channel.queue_declare(queue=name, passive=True).message_count
            queue = Queue(name, no_declare=True)(channel)
            # No more than were there at the start: a dead letter arriving meanwhile waits.
            for _ in range(waiting):
                message = queue.get(no_ack=False)
                if message is None:
                    break
                visit(message, _letter(message))
        finally:
            channel.close()  # what was read and not acknowledged goes back to the queue


def list_dead_letters(bus: Bus, service: str) -> list[DeadLetter]:
    found: list[DeadLetter] = []
    _each(bus, service, lambda _message, letter: found.append(letter))
    return found


def replay_dead_letters(
    bus: Bus, service: str, ids: Iterable[str] | None = None
) -> list[DeadLetter]:
    """Send the dead letters with these ids (all when None) back to the service's queue."""
    wanted = None if ids is None else set(ids)
    replayed: list[DeadLetter] = []
    target = bus.topology.queue_name(service)
    with bus.connection(heartbeat=0) as publish_conn:
        bus.connect(publish_conn)
        producer = Producer(publish_conn.default_channel)

        def replay(message: Message, letter: DeadLetter) -> None:
            if wanted is not None and letter.id not in wanted:
                return
            headers = {
                k: v
                for k, v in letter.headers.items()
                if k not in _DEATH_HEADERS and k not in _BROKER_HEADERS
            }
            headers[REPLAYED_HEADER] = datetime.now(UTC).isoformat(timespec="seconds")
            publish_raw(producer, target, letter.body, headers, CONTENT_TYPE)
            message.ack()
            replayed.append(letter)

        _each(bus, service, replay)
    return replayed
