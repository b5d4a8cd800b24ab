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

from marshmallow import EXCLUDE, RAISE, Schema, ValidationError, fields, validate

SPECVERSION = "1.0"
CONTENT_TYPE = "application/cloudevents+json"
DATA_CONTENT_TYPE = "application/json"

CADENCES = ("quarterly", "half_yearly", "yearly")
TASK_STATUSES = (
    "assigned",
    "in_progress",
    "returned",
    "submitted",
    "rework",
    "completed",
    "withdrawn",
)


class EventError(ValueError):
    """A message that is not a valid event of a known type; `errors` says why."""

    def __init__(self, message: str, errors: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors or {})


class _Data(Schema):
    class Meta:
        # A newer producer may add fields; consumers read what they know.
        unknown = EXCLUDE


class Actor(_Data):
    sub = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True)
    unit = fields.String(load_default=None, allow_none=True)


class UnitUpdated(_Data):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf(("office", "department", "commune", "ward", "other"))
    )
    active = fields.Boolean(required=True)
    successor = fields.String(load_default=None, allow_none=True)


class DocumentReceived(_Data):
    document_id = fields.String(required=True)
    source_id = fields.String(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)
    assigned_by = fields.String(required=True)
    issued_on = fields.Date(required=True)
    urgency = fields.String(required=True)
    summary = fields.String(required=True)
    task_count = fields.Integer(required=True)
    received_at = fields.AwareDateTime(required=True)


class DocumentReleased(_Data):
    document_id = fields.String(required=True)
    number = fields.String(required=True)
    issued_on = fields.Date(required=True)
    released_at = fields.AwareDateTime(required=True)
    intake_deadline = fields.Date(required=True)
    released_late = fields.Boolean(required=True)
    task_ids = fields.List(fields.String(), required=True)


class TaskReleased(_Data):
    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    assigned_by = fields.String(required=True)
    issued_on = fields.Date(required=True)
    content = fields.String(required=True)
    lead_unit = fields.String(required=True)
    coordinating_units = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(required=True, allow_none=True)
    cadence = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CADENCES))
    released_at = fields.AwareDateTime(required=True)


class TaskChanged(_Data):
    """Every task.* event from the workflow carries the task's state after the change."""

    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    lead_unit = fields.String(required=True)
    coordinating_units = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)
    assigned_on = fields.Date(required=True)
    assigned_by = fields.String(load_default=None, allow_none=True)
    content = fields.String(load_default=None, allow_none=True)
    action = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    actor = fields.Nested(Actor, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)


class _OfficeCorrection(_Data):
    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    actor = fields.Nested(Actor, required=True)


class TaskAmended(_OfficeCorrection):
    """The Office corrected a released task (Đ5.2a); `changes` maps each field to [old, new]."""

    changes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), required=True
    )
    content = fields.String(required=True)
    lead_unit = fields.String(load_default=None, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    cadence = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CADENCES))
    coordinating_units = fields.List(fields.String(), load_default=list)
    amended_at = fields.AwareDateTime(required=True)


class TaskTransferred(_OfficeCorrection):
    from_unit = fields.String(required=True)
    to_unit = fields.String(required=True)
    reason = fields.String(required=True)
    transferred_at = fields.AwareDateTime(required=True)


class TaskWithdrawnByOffice(_OfficeCorrection):
    """The Office's order; the workflow answers with its own task.withdrawn."""

    reason = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class ReportPublished(_Data):
    """The Office published a period's results (Đ16.2): the public figures, nothing internal."""

    id = fields.String(required=True)
    period = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    as_of = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True)
    totals = fields.Dict(required=True)
    units = fields.List(fields.Dict(), required=True)


TASK_EVENT_TYPES = (
    "task.assigned",
    "task.accepted",
    "task.returned",
    "task.return_resolved",
    "task.progress_reported",
    "task.result_submitted",
    "task.rework_requested",
    "task.completed",
    "task.withdrawn",
    "task.due_soon",  # announced by a diagram's deadline timer (Đ16.4)
    "task.overdue",
    "task.extension_requested",  # Đ5.2c
    "task.extension_decided",
    "task.urged",  # the Office's đôn đốc (Đ8.1)
    "task.corrected",  # intake's transfer or amendment applied (Đ5.2a); action says which
)

SCHEMAS: dict[str, Schema] = {
    "unit.updated": UnitUpdated(),
    "document.received": DocumentReceived(),
    "document.released": DocumentReleased(),
    "task.released": TaskReleased(),
    "task.amended": TaskAmended(),
    "task.transferred": TaskTransferred(),
    "task.withdrawn_by_office": TaskWithdrawnByOffice(),
    "report.published": ReportPublished(),
    **{event_type: TaskChanged() for event_type in TASK_EVENT_TYPES},
}


class _Envelope(Schema):
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
    json_data = json.loads(json.dumps(dict(data), default=_json_default))
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
    envelope_errors = _ENVELOPE.validate(envelope)
    if envelope_errors:
        raise EventError("invalid CloudEvent envelope", envelope_errors)
    return envelope


def parse_event(body: bytes | str) -> Event:
    """Decode and validate a message body; raises EventError naming what is wrong."""
    try:
        raw = json.loads(body)
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
    return json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))


def _as_errors(exc: ValidationError) -> dict[str, Any]:
    messages = exc.messages
    return dict(messages) if isinstance(messages, dict) else {"_schema": messages}


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset, tuple)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")
