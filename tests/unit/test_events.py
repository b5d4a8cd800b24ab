"""The event contract: CloudEvents envelopes, one schema per type, validated both ways."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest

from shared.events import (
    SCHEMAS,
    SPECVERSION,
    TASK_EVENT_TYPES,
    EventError,
    encode,
    make_event,
    parse_event,
)

ICT = timezone(timedelta(hours=7))
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=ICT)
UNIT = {"code": "so-tai-chinh", "name": "Sở Tài chính", "kind": "department", "active": True}


def task_data(**changes: Any) -> dict[str, Any]:
    data: dict[str, Any] = {
        "task_id": "t-1",
        "document_id": "d-1",
        "status": "assigned",
        "lead_unit": "so-tai-chinh",
        "coordinating_units": ["so-xay-dung"],
        "due_on": date(2026, 3, 31),
        "overdue": False,
        "assigned_on": date(2026, 3, 2),
        "occurred_at": NOW,
    }
    data.update(changes)
    return data


def envelope(**changes: Any) -> dict[str, Any]:
    event = make_event("unit.updated", UNIT, source="/nhiemvu/intake", time=NOW)
    event.update(changes)
    return event


def error_of(call: Any) -> EventError:
    with pytest.raises(EventError) as caught:
        call()
    return caught.value


# -- make_event ----------------------------------------------------------------------------------
def test_make_event_builds_a_cloudevent_with_json_ready_data():
    event = make_event(
        "task.assigned", task_data(), source="/nhiemvu/workflow", time=NOW, subject="t-1"
    )

    assert event["specversion"] == SPECVERSION == "1.0"
    assert event["type"] == "task.assigned"
    assert event["source"] == "/nhiemvu/workflow"
    assert event["subject"] == "t-1"
    assert event["time"] == "2026-03-02T09:30:00+07:00"
    assert event["datacontenttype"] == "application/json"
    assert len(event["id"]) == 32
    assert event["data"]["due_on"] == "2026-03-31"
    assert event["data"]["occurred_at"] == "2026-03-02T09:30:00+07:00"
    json.dumps(event)  # nothing left that JSON cannot carry


def test_make_event_gives_each_event_a_new_id_unless_one_is_given():
    first = make_event("unit.updated", UNIT, source="/s", time=NOW)
    second = make_event("unit.updated", UNIT, source="/s", time=NOW)
    chosen = make_event("unit.updated", UNIT, source="/s", time=NOW, event_id="abc")

    assert first["id"] != second["id"]
    assert chosen["id"] == "abc"


@pytest.mark.parametrize(
    ("event_type", "data", "field"),
    [
        ("unit.updated", {**UNIT, "kind": "province"}, "kind"),
        ("unit.updated", {k: v for k, v in UNIT.items() if k != "name"}, "name"),
        ("unit.updated", {**UNIT, "active": "maybe"}, "active"),
        ("task.completed", task_data(status="finished"), "status"),
        ("task.completed", task_data(occurred_at="2026-03-02T09:30:00"), "occurred_at"),
        ("task.released", {"task_id": "t-1"}, "lead_unit"),
        ("document.released", {"document_id": "d-1"}, "task_ids"),
    ],
)
def test_make_event_refuses_invalid_data_naming_the_field(event_type, data, field):
    error = error_of(lambda: make_event(event_type, data, source="/s", time=NOW))

    assert field in error.errors
    assert event_type in str(error)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"time": datetime(2026, 3, 2, 9, 30)}, "time"),
        ({"source": ""}, "source"),
        ({"event_id": "x" * 201}, "id"),
    ],
    ids=["naive-time", "empty-source", "overlong-id"],
)
def test_make_event_refuses_an_envelope_that_consumers_would_refuse(changes, field):
    arguments: dict[str, Any] = {"source": "/s", "time": NOW, **changes}
    error = error_of(lambda: make_event("unit.updated", UNIT, **arguments))

    assert field in error.errors


def test_make_event_refuses_an_unknown_event_type():
    error = error_of(lambda: make_event("task.exploded", task_data(), source="/s", time=NOW))

    assert "task.exploded" in str(error)


def test_every_task_event_type_has_the_task_schema():
    assert set(TASK_EVENT_TYPES) <= set(SCHEMAS)
    assert len({type(SCHEMAS[t]) for t in TASK_EVENT_TYPES}) == 1


# -- parse_event ---------------------------------------------------------------------------------
def test_parse_event_reads_back_what_make_event_built():
    built = make_event(
        "task.assigned", task_data(), source="/nhiemvu/workflow", time=NOW, subject="t-1"
    )

    event = parse_event(encode(built).encode("utf-8"))

    assert event.id == built["id"]
    assert event.type == "task.assigned"
    assert event.source == "/nhiemvu/workflow"
    assert event.subject == "t-1"
    assert event.time == NOW
    assert event.data["due_on"] == date(2026, 3, 31)
    assert event.data["occurred_at"] == NOW
    assert event.data["coordinating_units"] == ["so-xay-dung"]
    assert event.raw == built


def test_parse_event_accepts_text_as_well_as_bytes():
    built = envelope()
    assert parse_event(encode(built)).id == parse_event(encode(built).encode()).id


def test_parse_event_ignores_data_fields_a_newer_producer_added():
    event = parse_event(json.dumps(envelope(data={**UNIT, "population": 12})))
    assert "population" not in event.data


def test_an_old_document_released_without_the_signer_still_parses_with_none():
    old = {
        "document_id": "d-1",
        "number": "25/2026/CT-UBND",
        "issued_on": "2026-11-27",
        "released_at": NOW.isoformat(),
        "intake_deadline": "2026-11-30",
        "released_late": False,
        "task_ids": ["t-1"],
    }
    body = envelope(type="document.released", data=old)
    event = parse_event(json.dumps(body))
    assert (event.data["signer_name"], event.data["signer_position"]) == (None, None)
    signed = {**old, "signer_name": "Trần Thị B", "signer_position": "Phó Chủ tịch"}
    event = parse_event(json.dumps(envelope(type="document.released", data=signed)))
    assert event.data["signer_name"] == "Trần Thị B"


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"{",
        b"\xff\xfe",
        b"null",
        b"[]",
        b"42",
        b'"unit.updated"',
        b"[" * 100_000,
        b'{"id": ' + b"9" * 5_000 + b"}",
    ],
    ids=[
        "empty",
        "truncated",
        "not-utf8",
        "null",
        "array",
        "number",
        "string",
        "too-deep",
        "too-many-digits",
    ],
)
def test_parse_event_refuses_a_body_that_is_not_a_json_object(body):
    error = error_of(lambda: parse_event(body))
    assert "JSON" in str(error)


def _without(key: str) -> dict[str, Any]:
    event = envelope()
    del event[key]
    return event


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        (_without("specversion"), "specversion"),
        (envelope(specversion="0.3"), "specversion"),
        (envelope(extra="surprise"), "extra"),
        (_without("id"), "id"),
        (envelope(id=""), "id"),
        (_without("source"), "source"),
        (envelope(type="unit.exploded"), "type"),
        (envelope(time="2026-03-02T09:30:00"), "time"),
        (envelope(time="yesterday"), "time"),
        (_without("data"), "data"),
        (envelope(data=["not", "an", "object"]), "data"),
    ],
)
def test_parse_event_refuses_a_bad_envelope_naming_the_field(bad, field):
    error = error_of(lambda: parse_event(json.dumps(bad)))

    assert "envelope" in str(error)
    assert field in error.errors


def test_parse_event_refuses_data_that_does_not_fit_the_type():
    error = error_of(lambda: parse_event(json.dumps(envelope(data={**UNIT, "kind": "moon"}))))

    assert "unit.updated" in str(error)
    assert "kind" in error.errors


# -- correlation ids and text --------------------------------------------------------------------
def test_the_correlation_id_travels_in_the_envelope():
    built = make_event("unit.updated", UNIT, source="/s", time=NOW, correlation_id="req-42")

    assert built["correlationid"] == "req-42"
    assert parse_event(encode(built)).correlation_id == "req-42"


def test_an_event_without_a_correlation_id_has_none():
    built = make_event("unit.updated", UNIT, source="/s", time=NOW)

    assert "correlationid" not in built
    assert parse_event(encode(built)).correlation_id is None


def test_vietnamese_text_stays_nfc_and_unescaped_when_encoded():
    name = unicodedata.normalize("NFC", "Ủy ban nhân dân xã Hoằng Hóa, Thanh Hóa")
    built = make_event("unit.updated", {**UNIT, "name": name}, source="/s", time=NOW)

    body = encode(built)

    assert name in body
    assert "\\u" not in body
    assert unicodedata.is_normalized("NFC", body)
    assert parse_event(body.encode("utf-8")).data["name"] == name


def test_event_times_keep_their_offset():
    built = make_event("unit.updated", UNIT, source="/s", time=datetime(2026, 1, 1, tzinfo=UTC))
    assert parse_event(encode(built)).time.utcoffset() == timedelta(0)
