"""The event contract: CloudEvents 1.0 envelopes and one marshmallow schema per event type.

Events travel as structured-mode CloudEvents JSON (never pickle). Every event is validated when it
is published and again when it is consumed; an event that fails is never applied.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from marshmallow import EXCLUDE, RAISE, ValidationError, validate

from shared.event_fields import LeanSchema
from shared.event_schemas import (
    CADENCES,
    CASE_EVENT_TYPES,
    SCHEMAS,
    TASK_EVENT_TYPES,
    TASK_STATUSES,
    fields,
)

__all__ = [
    "CADENCES",
    "CASE_EVENT_TYPES",
    "CONTENT_TYPE",
    "SCHEMAS",
    "TASK_EVENT_TYPES",
    "TASK_STATUSES",
    "Event",
    "EventError",
    "encode",
    "make_event",
    "parse_event",
]

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"


class EventError(ValueError):
    """A message that is not a valid event of a known type; `errors` says why."""

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


class _Envelope(LeanSchema):
    class Meta:
        unknown = RAISE

    specversion = fields.String(required=True, validate=validate.Equal(SPECVERSION))
    id = fields.String(required=True, validate=validate.Length(min=1, max=200))
    source = fields.String(required=True, validate=validate.Length(min=1))
    type = fields.String(required=True, validate=validate.OneOf(sorted(SCHEMAS)))
    time = fields.AwareDateTime(required=True)
    subject = fields.String(load_default=None, allow_none=True)
    datacontenttype = fields.String(load_default=DATA_CONTENT_TYPE)
    data = fields.Dict(required=True)
    correlationid = fields.String(load_default=None, allow_none=True)


_ENVELOPE = _Envelope()
# What make_event takes from its caller; the rest of an envelope it makes is fixed (specversion,
# datacontenttype), a known type (the SCHEMAS lookup) and data that its type's schema validated.
_CALLERS_PART = _Envelope(
    only=("id", "source", "time", "subject", "correlationid"), unknown=EXCLUDE
)


@dataclass(frozen=True)
class Event:
    """A consumed event: the envelope's fields plus its data loaded through the type's schema."""

    id: str
    type: str
    source: str
    time: datetime
    subject: str | None
    correlation_id: str | None
    data: dict[str, Any]
    raw: dict[str, Any]


def make_event(
    event_type: str,
    data: Mapping[str, Any],
    *,
    source: str,
    time: datetime,
    subject: str | None = None,
    correlation_id: str | None = None,
    event_id: str | None = None,
) -> dict[str, Any]:
    """Build a validated CloudEvent ready to be JSON-encoded; raises EventError if invalid."""
    schema = SCHEMAS.get(event_type)
    if schema is None:
        raise EventError(f"unknown event type {event_type!r}")
    json_data = _as_json(data)
    errors = schema.validate(json_data)
    if errors:
        raise EventError(f"invalid data for {event_type}", errors)
    envelope: dict[str, Any] = {
        "specversion": SPECVERSION,
        "id": event_id or uuid.uuid4().hex,
        "source": source,
        "type": event_type,
        "time": time.isoformat(),
        "datacontenttype": DATA_CONTENT_TYPE,
        "data": json_data,
    }
    if subject is not None:
        envelope["subject"] = subject
    if correlation_id is not None:
        envelope["correlationid"] = correlation_id
    # The envelope too: a naive time or an empty source would be refused by every consumer.
    envelope_errors = _CALLERS_PART.validate(envelope)
    if envelope_errors:
        raise EventError("invalid CloudEvent envelope", envelope_errors)
    return envelope


def parse_event(body: bytes | str) -> Event:
    """Decode and validate a message body; raises EventError naming what is wrong."""
    try:
        raw = _loads(body)
    except (ValueError, RecursionError) as exc:
        # ValueError covers bad UTF-8, bad syntax and over-long integers; RecursionError, nesting
        # too deep for the decoder. Any of them escaping would make a poison message.
        raise EventError(f"body is not JSON: {str(exc)[:200]}") from exc
    if not isinstance(raw, dict):
        raise EventError("body is not a JSON object")
    try:
        envelope = _ENVELOPE.load(raw)
    except ValidationError as exc:
        raise EventError("invalid CloudEvent envelope", _as_errors(exc)) from exc
    try:
        data = SCHEMAS[envelope["type"]].load(envelope["data"])
    except ValidationError as exc:
        raise EventError(f"invalid data for {envelope['type']}", _as_errors(exc)) from exc
    return Event(
        id=envelope["id"],
        type=envelope["type"],
        source=envelope["source"],
        time=envelope["time"],
        subject=envelope["subject"],
        correlation_id=envelope["correlationid"],
        data=data,
        raw=raw,
    )


def encode(envelope: Mapping[str, Any]) -> str:
    """The structured-mode body: compact JSON, UTF-8 text as it is (no \\u escapes)."""
    try:
        return orjson.dumps(envelope, option=orjson.OPT_NON_STR_KEYS).decode("utf-8")
    except orjson.JSONEncodeError:
        # What orjson refuses and the standard encoder writes (an integer beyond 64 bits).
        return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _loads(body: bytes | str) -> Any:
    """A body as JSON. orjson reads every JSON text the standard decoder reads, alike, but an
    integer beyond 64 bits (as a float, as most JSON parsers do); what it refuses (NaN,
    Infinity, UTF-16, nesting beyond 1,024 levels) goes to the standard decoder, which reads
    it as before or says what is wrong."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return json.loads(body)


def _as_json(data: Mapping[str, Any]) -> Any:
    """`data` as a JSON document reads it back: dates and times as ISO 8601 text, sets as sorted
    lists, tuples as lists (what marshmallow then validates)."""
    try:
        plain = data if isinstance(data, dict) else dict(data)
        return orjson.loads(
            orjson.dumps(plain, default=_json_default, option=orjson.OPT_NON_STR_KEYS)
        )
    except orjson.JSONEncodeError:
        # An integer beyond 64 bits, or a value neither encoder writes (the standard one then
        # raises its TypeError, as before).
        return json.loads(json.dumps(dict(data), default=_json_default))


def _as_errors(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return dict(messages) if isinstance(messages, dict) else {"_schema": messages}


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")
