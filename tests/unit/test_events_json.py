"""Events' bodies are encoded and decoded with orjson: the same JSON as the standard library's,
and what orjson refuses still goes through as before (shared/events.py)."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from shared.events import _ENVELOPE, EventError, encode, make_event, parse_event

NOW = datetime(2026, 12, 1, 2, 30, 15, 123456, tzinfo=UTC)
HANOI = timezone(timedelta(hours=7))


def _assigned(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "task_id": "t1",
        "document_id": "d1",
        "status": "assigned",
        "lead_unit": "SO_TC",
        "coordinating_units": ("SO_XD", "SO_YT"),
        "due_on": date(2026, 12, 20),
        "overdue": False,
        "assigned_on": date(2026, 12, 1),
        "content": "Rà soát vốn đầu tư công \u201cđợt 2\u201d\n\ttab",
        "occurred_at": datetime(2026, 12, 1, 9, 30, 15, 5, tzinfo=HANOI),
        "actor": {"sub": "u1", "name": "Nguyễn Văn A", "role": None, "unit": "SO_TC"},
    }
    data.update(overrides)
    return data


def _case(details: dict[str, object]) -> dict[str, object]:
    return {
        "case_id": "c1",
        "kind": "feedback",
        "title": "Phản ánh",
        "status": "open",
        "action": "receive",
        "details": details,
        "occurred_at": NOW,
    }


def test_the_body_is_the_standard_librarys_compact_json() -> None:
    envelope = make_event(
        "task.assigned", _assigned(), source="/nhiemvu/workflow", time=NOW, subject="t1"
    )
    body = encode(envelope)
    assert body == json.dumps(envelope, ensure_ascii=False, separators=(",", ":"))
    assert json.loads(body) == envelope
    assert envelope["data"]["occurred_at"] == "2026-12-01T09:30:15.000005+07:00"
    assert envelope["data"]["due_on"] == "2026-12-20"
    assert envelope["data"]["coordinating_units"] == ["SO_XD", "SO_YT"]


def test_data_is_read_as_the_standard_library_reads_it() -> None:
    details = {1: "one", "set": {"b", "a"}, "when": NOW, "float": 0.1, "nested": [{"x": None}]}
    envelope = make_event("feedback.received", _case(details), source="/s", time=NOW)
    assert envelope["data"]["details"] == json.loads(json.dumps(details, default=_default))


def _default(value: object) -> object:
    if isinstance(value, set):
        return sorted(value)
    return value.isoformat()  # type: ignore[attr-defined]


def test_an_integer_beyond_64_bits_is_written_as_it_is() -> None:
    big = 2**70
    envelope = make_event("feedback.received", _case({"n": big}), source="/s", time=NOW)
    assert envelope["data"]["details"] == {"n": big}
    assert f'"n":{big}' in encode(envelope)


def test_what_json_cannot_write_is_still_refused() -> None:
    with pytest.raises(TypeError):
        make_event("feedback.received", _case({"x": object()}), source="/s", time=NOW)


def test_a_body_orjson_refuses_is_read_by_the_standard_decoder() -> None:
    envelope = make_event("feedback.received", _case({}), source="/s", time=NOW)
    body = encode(envelope).replace('"details":{}', '"details":{"x":NaN}')
    event = parse_event(body.encode())
    assert event.data["details"]["x"] != event.data["details"]["x"]  # NaN, as json reads it
    assert parse_event(encode(envelope).encode("utf-16")).id == envelope["id"]


@pytest.mark.parametrize("body", [b"{", b"\xff\xfe\x00", b"[1]", b"{" * 5000 + b"}" * 5000])
def test_a_body_that_is_not_a_json_object_is_refused(body: bytes) -> None:
    with pytest.raises(EventError):
        parse_event(body)


@pytest.mark.parametrize("subject", [None, "t1"])
@pytest.mark.parametrize("correlation_id", [None, "c0ffee"])
def test_what_make_event_validates_of_the_envelope_leaves_nothing_the_whole_would_refuse(
    subject: str | None, correlation_id: str | None
) -> None:
    envelope = make_event(
        "task.assigned",
        _assigned(),
        source="/nhiemvu/workflow",
        time=NOW,
        subject=subject,
        correlation_id=correlation_id,
    )
    assert _ENVELOPE.validate(envelope) == {}
    assert parse_event(encode(envelope)).raw == envelope
