"""The public event feed's contract: which types, which exchange, what leaves the province."""

from __future__ import annotations

import pytest

from services.notify import domain
from services.notify.feed import public_envelope
from shared.events import SCHEMAS
from shared.topology import PUBLIC_FEED_EVENT_TYPES, SUBSCRIPTIONS, Topology

ENVELOPE = {
    "specversion": "1.0",
    "id": "e1",
    "source": "/nhiemvu/workflow",
    "type": "task.completed",
    "time": "2026-12-01T09:00:00+07:00",
    "subject": "t1",
    "datacontenttype": "application/json",
    "correlationid": "req-123",
    "data": {
        "task_id": "t1",
        "note": "Đã xong",
        "actor": {"sub": "u-42", "name": "Nguyễn Văn A", "role": "unit_lead", "unit": "SO_TC"},
    },
}


def test_the_public_exchange_is_a_durable_topic_exchange_named_after_the_namespace():
    exchange = Topology(namespace="nv").public_exchange()
    assert (exchange.name, exchange.type, exchange.durable) == ("nv.public", "topic", True)


@pytest.mark.parametrize("event_type", PUBLIC_FEED_EVENT_TYPES)
def test_each_public_event_type_has_a_schema_and_reaches_notify(event_type):
    assert event_type in SCHEMAS
    assert event_type in SUBSCRIPTIONS["notify"]


def test_the_public_feed_lists_each_type_once_and_no_internal_ones():
    assert len(PUBLIC_FEED_EVENT_TYPES) == len(set(PUBLIC_FEED_EVENT_TYPES))
    internal = {"unit.updated", "document.received", "task.transferred", "task.amended"}
    assert not internal & set(PUBLIC_FEED_EVENT_TYPES)
    # Task types on the feed are also offered to webhook subscribers.
    tasks = {t for t in PUBLIC_FEED_EVENT_TYPES if t.startswith("task.")}
    assert tasks <= set(domain.PUBLIC_EVENT_TYPES)


def test_a_public_event_keeps_the_cloudevent_attributes_and_drops_the_correlation_id():
    public = public_envelope(ENVELOPE)
    assert set(public) == {
        "specversion",
        "id",
        "source",
        "type",
        "time",
        "subject",
        "datacontenttype",
        "data",
    }


def test_a_public_event_names_the_acting_unit_and_role_but_not_the_person():
    public = public_envelope(ENVELOPE)
    assert public["data"]["actor"] == {"role": "unit_lead", "unit": "SO_TC"}
    assert public["data"]["note"] == "Đã xong"
    assert ENVELOPE["data"]["actor"]["sub"] == "u-42"  # the consumed event is left alone


def test_a_public_event_does_not_name_the_officer_responsible_in_the_unit_D21():
    officer = {"sub": "an@SO_TC", "name": "Nguyễn Văn An"}
    raw = {**ENVELOPE, "data": {**ENVELOPE["data"], "officer": officer}}
    public = public_envelope(raw)
    assert "officer" not in public["data"]
    assert public["data"]["task_id"] == "t1"
    assert raw["data"]["officer"] == officer  # the consumed event is left alone


def test_a_public_event_without_subject_or_actor_is_passed_on_as_it_is():
    raw = {k: v for k, v in ENVELOPE.items() if k not in ("subject", "correlationid")}
    raw = {**raw, "data": {"task_id": "t1", "actor": None}}
    assert public_envelope(raw) == raw
