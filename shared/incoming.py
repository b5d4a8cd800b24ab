"""An incoming bus message, untrusted in its body, headers and properties: read into a
`Delivery` or refused with the reason it is dead-lettered for (shared/consumer.py)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from kombu.message import Message

from shared.applier import Delivery
from shared.events import CONTENT_TYPE

JSON_CONTENT_TYPES = (CONTENT_TYPE, "application/json")


def read(message: Message) -> tuple[Delivery | None, str]:
    """A message as a Delivery, or None and why it cannot be read."""
    try:
        body = message.body
        if not isinstance(body, (bytes, bytearray, memoryview, str)):
            return None, f"unreadable body of type {type(body).__name__}"
        headers = message.headers
        if headers is None:
            headers = {}
        if not isinstance(headers, Mapping):
            return None, f"unreadable headers of type {type(headers).__name__}"
        content_type = message.content_type
        if not isinstance(content_type, str) or not content_type.strip():
            return None, "malformed: no content type (expected a CloudEvent in JSON)"
        media_type = content_type.split(";", 1)[0].strip().lower()
        if media_type not in JSON_CONTENT_TYPES:
            return None, f"malformed: content type {content_type[:100]!r} is not JSON"
        return Delivery(as_bytes(body), dict(headers)), ""
    except Exception as exc:  # a property the client library could not decode, say
        return None, f"unreadable message: {type(exc).__name__}: {exc}"


def as_bytes(body: Any) -> bytes:
    if isinstance(body, bytes):
        return body
    if isinstance(body, (bytearray, memoryview)):
        return bytes(body)
    if isinstance(body, str):
        return body.encode("utf-8", errors="surrogateescape")
    return repr(body).encode("utf-8")


def plain(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool)) or value is None else repr(value)


def describe(body: bytes) -> tuple[str, str]:
    """The CloudEvent id and type of a message body, as far as they can be read ("?" if not)."""
    try:
        raw = json.loads(body)
    except (ValueError, RecursionError):
        return "?", "?"
    if not isinstance(raw, dict):
        return "?", "?"
    event_id, event_type = raw.get("id"), raw.get("type")
    return (
        event_id[:200] if isinstance(event_id, str) and event_id else "?",
        event_type[:100] if isinstance(event_type, str) and event_type else "?",
    )
