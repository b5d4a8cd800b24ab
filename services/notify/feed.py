"""The public event feed: notify republishes the public event types on `<ns>.public` for agencies.

Exactly once per event: the handler records the event in `public_feed` (unique event id) in the
same transaction as notify's inbox entry, so a redelivered event or a second notify worker adds
no second row. A relay (the outbox relay pointed at the public exchange) publishes unpublished
rows with publisher confirms and marks them published in the transaction that selected them;
on PostgreSQL `FOR UPDATE SKIP LOCKED` keeps two workers off the same rows. Should a worker die
between the broker's confirm and the commit, the row is published again with the same CloudEvent
id (also the AMQP message id): subscribers that must not see a repeat drop ids they have seen.

What leaves the province: the CloudEvents attributes `specversion, id, source, type, time,
subject, datacontenttype, data`. `correlationid` is internal tracing and is dropped, and so are
the acting person's account id and name (`data.actor.sub`, `data.actor.name`): an agency learns
which unit and role acted, never who; nor which officer answers for a task inside its unit
(`data.officer`, Đ21). Webhook bodies are built by the same `public_envelope`
(handlers.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text

from services.notify import outbound
from services.notify.store import insert_ignoring, metadata
from shared.bus import Bus
from shared.clock import Clock
from shared.db import Database, UtcDateTime
from shared.events import Event, encode
from shared.outbox import OutboxRelay
from shared.topology import PUBLIC_FEED_EVENT_TYPES

PUBLIC_ATTRIBUTES = ("specversion", "id", "source", "type", "time", "subject", "datacontenttype")
PERSONAL_ACTOR_FIELDS = ("sub", "name")

# Same columns as the outbox, so the outbox relay can publish it.
public_feed = Table(
    "public_feed",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("event_id", String(200), nullable=False, unique=True),
    Column("event_type", String(100), nullable=False),
    Column("body", Text, nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("published_at", UtcDateTime()),
)
Index("ix_public_feed_published_at", public_feed.c.published_at)


def public_envelope(raw: dict[str, Any]) -> dict[str, Any]:
    """The CloudEvent as agencies see it, on the feed and in a webhook body alike: public
    attributes and data, nothing personal."""
    envelope = {name: raw[name] for name in PUBLIC_ATTRIBUTES if raw.get(name) is not None}
    data = dict(raw["data"])
    actor = data.get("actor")
    if isinstance(actor, dict):
        data["actor"] = {k: v for k, v in actor.items() if k not in PERSONAL_ACTOR_FIELDS}
    data.pop("officer", None)  # a person, like the actor's sub and name
    envelope["data"] = data
    return envelope


def record(conn: Connection, events: list[Event], now: datetime) -> None:
    """Queue the public events among `events` for the feed, in order, one statement; an event
    id already recorded adds nothing."""
    rows = [
        {
            "event_id": event.id,
            "event_type": event.type,
            "body": encode(public_envelope(event.raw)),
            "created_at": now,
            "published_at": None,
        }
        for event in events
        if event.type in PUBLIC_FEED_EVENT_TYPES
    ]
    if rows:
        conn.execute(insert_ignoring(conn, public_feed), rows)
        outbound.written.feed = True


def feed_relay(database: Database, bus: Bus, clock: Clock) -> OutboxRelay:
    """Publishes `public_feed` rows on the public exchange, persistent, with confirms."""
    return OutboxRelay(
        database,
        public_feed,
        bus,
        clock,
        service="notify.public",
        exchange=bus.topology.public_exchange(),
    )
