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

import orjson
from sqlalchemy import Column, Connection, Index, Integer, String, Table, Text

from services.notify import outbound
from services.notify.store import insert_ignoring, metadata
from shared.bus import Bus
from shared.clock import Clock
from shared.db import Database, DriverStatement, UtcDateTime, is_postgres, rows_on_driver
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


def _rows(events: list[Event], now: datetime) -> list[dict[str, Any]]:
    return [
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


def record(conn: Connection, events: list[Event], now: datetime) -> None:
    """Queue the public events among `events` for the feed, in order, one statement; an event
    id already recorded adds nothing."""
    rows = _rows(events, now)
    if rows:
        conn.execute(insert_ignoring(conn, public_feed), rows)
        outbound.written.feed = True


# On PostgreSQL, a batch's feed rows and the webhook subscriptions in one statement, run on the
# driver (shared/db.py, rows_on_driver): one round trip and one statement's client work instead
# of two, for each batch of task events. The rows go in in the batch's order (the relay
# publishes by `seq`), an id already recorded adds nothing (as `insert_ignoring`), and the
# subscriptions are read as `outbound.list_subscriptions` reads them (a data-modifying WITH is
# run to its end whatever the outer query reads).
_RECORD_AND_SUBSCRIPTIONS = (
    "WITH feed AS ("
    f"INSERT INTO {public_feed.name} (event_id, event_type, body, created_at, published_at) "
    "SELECT f.event_id, f.event_type, f.body, %(now)s, NULL "
    "FROM ROWS FROM (json_to_recordset(CAST(%(rows)s AS json)) "
    "AS (event_id text, event_type text, body text)) WITH ORDINALITY "
    "AS f(event_id, event_type, body, n) ORDER BY f.n "
    "ON CONFLICT DO NOTHING) "
    f"SELECT {', '.join(c.name for c in outbound.subscriptions.c)} "
    f"FROM {outbound.subscriptions.name} ORDER BY created_at, id"
)
_UTC = UtcDateTime()
_SUBSCRIPTIONS_ON_DRIVER: list[DriverStatement] = []


def record_and_subscriptions(
    conn: Connection, events: list[Event], now: datetime, *, subscriptions: bool
) -> list[dict[str, Any]]:
    """`record(conn, events, now)`, then, if `subscriptions`, every webhook subscription
    (`outbound.list_subscriptions(conn, None)`; else none): on PostgreSQL one statement when
    both have work."""
    rows = _rows(events, now)
    postgres = is_postgres(conn)
    if not (rows and subscriptions and postgres):
        if rows:
            conn.execute(insert_ignoring(conn, public_feed), rows)
            outbound.written.feed = True
        if not subscriptions:
            return []
        if not postgres:
            return outbound.list_subscriptions(conn, None)
        # No feed row (a webhook-public type that is not on the feed): the subscriptions alone,
        # on the driver all the same.
        if not _SUBSCRIPTIONS_ON_DRIVER:
            _SUBSCRIPTIONS_ON_DRIVER.append(DriverStatement(outbound._SUBSCRIPTIONS, conn.dialect))
        driver = _SUBSCRIPTIONS_ON_DRIVER[0]
        return [
            outbound.subscription_of(dict(zip(driver.keys, row, strict=True)))
            for row in driver.rows(conn, {})
        ]
    dialect = conn.dialect
    # The rows as one JSON text (the bodies as JSON strings, which PostgreSQL reads back as
    # they are): a text array would be escaped by the driver character by character in Python.
    feed_rows = [
        {"event_id": row["event_id"], "event_type": row["event_type"], "body": row["body"]}
        for row in rows
    ]
    params = {
        "now": _UTC.process_bind_param(now, dialect),
        "rows": orjson.dumps(feed_rows).decode("utf-8"),
    }
    found = rows_on_driver(conn, _RECORD_AND_SUBSCRIPTIONS, params)
    outbound.written.feed = True
    keys = [c.name for c in outbound.subscriptions.c]
    read = [dict(zip(keys, row, strict=True)) for row in found]
    for row in read:
        row["created_at"] = _UTC.process_result_value(row["created_at"], dialect)
    return [outbound.subscription_of(row) for row in read]


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
