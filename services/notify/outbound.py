"""Notify's outgoing channels: webhook subscriptions, unit contacts, preferences and deliveries.

A delivery row is written in the same transaction that applies the event, keyed by
(event id, recipient, channel): a redelivered event or a second worker cannot add a second one.
The delivery worker then claims due rows one by one, so each is sent by one worker at a time.
A claimed row has no `last_error` until its attempt is settled: a pending row with an error is
waiting for a retry, one without (and attempts > 0) is being sent, and only the former may be
brought forward when its receiver answers again.
"""

from __future__ import annotations

import json
import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    Column,
    Connection,
    Index,
    Integer,
    String,
    Table,
    Text,
    delete,
    func,
    select,
    update,
)

from services.notify.store import _insert, insert_ignoring, metadata
from shared.db import UtcDateTime

WEBHOOK = "webhook"
EMAIL = "email"
# Status messages to the document system (Đ3.2): EDXML bodies, signed like webhooks.
DOCUMENT_SYSTEM = "qlvb"
PENDING, DELIVERED, FAILED, HELD, DIGESTED = "pending", "delivered", "failed", "held", "digested"
# How a unit or a person takes its e-mail: each message at once, one daily digest, or (a person
# only) none at all.
IMMEDIATE, DIGEST, NO_EMAIL = "immediate", "digest", "none"
UNIT_MODES = (IMMEDIATE, DIGEST)
PERSON_DELIVERIES = (IMMEDIATE, DIGEST, NO_EMAIL)
PERSON_OWNER = "user:"  # deliveries.owner of a person's e-mail: "user:<sub>"

subscriptions = Table(
    "webhook_subscriptions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner", String(200), nullable=False),
    Column("url", String(2000), nullable=False),
    Column("event_types", Text, nullable=False),  # JSON list
    Column("secret", String(500), nullable=False),
    Column("created_at", UtcDateTime(), nullable=False),
)
Index("ix_webhook_subscriptions_owner", subscriptions.c.owner)

deliveries = Table(
    "deliveries",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("event_id", String(200), nullable=False),
    Column("recipient", String(320), nullable=False),
    Column("channel", String(20), nullable=False),
    Column("owner", String(200), nullable=False),
    Column("target", String(2000), nullable=False),
    Column("event_type", String(100), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", UtcDateTime(), nullable=False),
    Column("expires_at", UtcDateTime(), nullable=False),
    Column("last_error", String(1000)),
    Column("created_at", UtcDateTime(), nullable=False),
    Column("delivered_at", UtcDateTime()),
)
Index(
    "ux_deliveries_key",
    deliveries.c.event_id,
    deliveries.c.recipient,
    deliveries.c.channel,
    unique=True,
)
Index("ix_deliveries_due", deliveries.c.status, deliveries.c.next_attempt_at)
Index("ix_deliveries_owner", deliveries.c.owner, deliveries.c.created_at)

unit_contacts = Table(
    "unit_contacts",
    metadata,
    Column("unit", String(40), primary_key=True),
    Column("email", String(320), nullable=False),
    Column("email_mode", String(20), nullable=False),  # immediate | digest
    Column("updated_at", UtcDateTime(), nullable=False),
)

# A person's own e-mail choice, keyed by the token's `sub`; `unit` and `name` are the token's
# claims at the last change (the unit's people who chose the digest get their unit's messages).
person_preferences = Table(
    "person_preferences",
    metadata,
    Column("sub", String(200), primary_key=True),
    Column("unit", String(40)),
    Column("name", String(300), nullable=False),
    Column("email", String(320)),
    Column("delivery", String(20), nullable=False),  # immediate | digest | none
    Column("updated_at", UtcDateTime(), nullable=False),
)
Index("ix_person_preferences_unit", person_preferences.c.unit, person_preferences.c.delivery)

digest_runs = Table(
    "digest_runs",
    metadata,
    Column("day", String(10), primary_key=True),  # local date, ISO
    Column("ran_at", UtcDateTime(), nullable=False),
)


# -- subscriptions ------------------------------------------------------------------------------
def add_subscription(conn: Connection, row: dict[str, Any]) -> dict[str, Any]:
    stored = {**row, "event_types": json.dumps(sorted(set(row["event_types"])))}
    conn.execute(subscriptions.insert().values(**stored))
    return row


_SUBSCRIPTIONS = select(subscriptions).order_by(subscriptions.c.created_at, subscriptions.c.id)


def list_subscriptions(conn: Connection, owner: str | None) -> list[dict[str, Any]]:
    # Every subscription is read for each batch of public events: that statement is built once.
    query = _SUBSCRIPTIONS
    if owner is not None:
        query = query.where(subscriptions.c.owner == owner)
    return [subscription_of(row) for row in conn.execute(query).mappings()]


def delete_subscription(conn: Connection, owner: str, sub_id: str) -> int:
    statement = delete(subscriptions).where(
        subscriptions.c.id == sub_id, subscriptions.c.owner == owner
    )
    return conn.execute(statement).rowcount


def subscribed_to(subscriptions: list[dict[str, Any]], event_type: str) -> list[dict[str, Any]]:
    # Subscriptions are few (one or two per agency): filtering in Python keeps the schema portable.
    return [s for s in subscriptions if event_type in s["event_types"]]


def subscription_of(row: Any) -> dict[str, Any]:
    """A subscription as read: its event types decoded."""
    return {**dict(row), "event_types": json.loads(row["event_types"])}


# -- contacts -----------------------------------------------------------------------------------
def set_contact(conn: Connection, unit: str, email: str, now: datetime) -> None:
    row = {"unit": unit, "email": email, "email_mode": "immediate", "updated_at": now}
    statement = _insert(conn)(unit_contacts).values(**row)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[unit_contacts.c.unit], set_={"email": email, "updated_at": now}
        )
    )


def set_email_mode(conn: Connection, unit: str, mode: str, now: datetime) -> None:
    # A unit may choose its mode before the Office has recorded its address (email "").
    row = {"unit": unit, "email": "", "email_mode": mode, "updated_at": now}
    statement = _insert(conn)(unit_contacts).values(**row)
    conn.execute(
        statement.on_conflict_do_update(
            index_elements=[unit_contacts.c.unit], set_={"email_mode": mode, "updated_at": now}
        )
    )


def contacts(conn: Connection, units: set[str]) -> dict[str, dict[str, Any]]:
    if not units:
        return {}
    rows = conn.execute(select(unit_contacts).where(unit_contacts.c.unit.in_(units))).mappings()
    return {row["unit"]: dict(row) for row in rows}


# -- people -------------------------------------------------------------------------------------
def person_owner(sub: str) -> str:
    return f"{PERSON_OWNER}{sub}"


def set_person(conn: Connection, row: dict[str, Any]) -> None:
    statement = _insert(conn)(person_preferences).values(**row)
    changed = {k: v for k, v in row.items() if k != "sub"}
    conn.execute(
        statement.on_conflict_do_update(index_elements=[person_preferences.c.sub], set_=changed)
    )


def people(conn: Connection, subs: set[str]) -> dict[str, dict[str, Any]]:
    if not subs:
        return {}
    query = select(person_preferences).where(person_preferences.c.sub.in_(subs))
    return {row["sub"]: _person(row) for row in conn.execute(query).mappings()}


def digest_followers(conn: Connection, units: set[str]) -> dict[str, list[dict[str, Any]]]:
    """Per unit, its people who chose the daily digest and gave an address."""
    if not units:
        return {}
    query = (
        select(person_preferences)
        .where(
            person_preferences.c.unit.in_(units),
            person_preferences.c.delivery == DIGEST,
            person_preferences.c.email.is_not(None),
        )
        .order_by(person_preferences.c.sub)
    )
    found: dict[str, list[dict[str, Any]]] = {}
    for row in conn.execute(query).mappings():
        found.setdefault(row["unit"], []).append(_person(row))
    return found


def _person(row: Any) -> dict[str, Any]:
    return {**dict(row), "name": row["name"] or row["sub"]}


# -- deliveries ---------------------------------------------------------------------------------
def new_delivery(
    *,
    event_id: str,
    recipient: str,
    channel: str,
    owner: str,
    target: str,
    event_type: str,
    payload: str,
    now: datetime,
    max_age: timedelta,
    status: str = PENDING,
) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "event_id": event_id,
        "recipient": recipient,
        "channel": channel,
        "owner": owner,
        "target": target,
        "event_type": event_type,
        "payload": payload,
        "status": status,
        "attempts": 0,
        "next_attempt_at": now,
        "expires_at": now + max_age,
        "last_error": None,
        "created_at": now,
        "delivered_at": None,
    }


# What the transaction under way on this thread queued: deliveries, public feed rows. Read and
# cleared after each commit by the delivery worker's hook (`DeliveryWorker.committed`): a commit
# that queued feed rows and no delivery wakes it for the feed alone; one that is known to have
# queued neither (`queues_marked`) does not wake it.
written = threading.local()


def queues_marked() -> None:
    """Say, once its writes are done, that the transaction under way queued deliveries and feed
    rows only through `add_deliveries` and `feed.record`, which mark what they queue (notify's
    event handlers): if it queued neither, its commit gives the delivery worker nothing to do.
    A mark left by a transaction that failed later stays until the thread's next commit (the
    consumer's thread commits nothing but handlers' work); the worker's poll looks anyway."""
    written.known = True


def add_deliveries(conn: Connection, rows: list[dict[str, Any]]) -> None:
    if rows:
        conn.execute(insert_ignoring(conn, deliveries), rows)
        written.deliveries = True


def due(conn: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
    query = (
        select(deliveries)
        .where(deliveries.c.status == PENDING, deliveries.c.next_attempt_at <= now)
        .order_by(deliveries.c.next_attempt_at)
        .limit(limit)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def claim(conn: Connection, row: dict[str, Any], lease_until: datetime) -> bool:
    """Take a due row for one attempt; false when another worker took it first."""
    statement = (
        update(deliveries)
        .where(
            deliveries.c.id == row["id"],
            deliveries.c.status == PENDING,
            deliveries.c.attempts == row["attempts"],
        )
        .values(attempts=row["attempts"] + 1, next_attempt_at=lease_until, last_error=None)
    )
    return conn.execute(statement).rowcount == 1


def waiting_for_retry(conn: Connection, now: datetime, channel: str) -> list[dict[str, Any]]:
    """Per recipient of `channel`, its earliest row that failed and waits for a later retry."""
    waiting = (
        select(
            deliveries.c.recipient,
            func.min(deliveries.c.next_attempt_at).label("next_attempt_at"),
        )
        .where(
            deliveries.c.status == PENDING,
            deliveries.c.channel == channel,
            deliveries.c.last_error.is_not(None),
            deliveries.c.next_attempt_at > now,
        )
        .group_by(deliveries.c.recipient)
        .subquery()
    )
    query = (
        select(deliveries)
        .join(
            waiting,
            (deliveries.c.recipient == waiting.c.recipient)
            & (deliveries.c.next_attempt_at == waiting.c.next_attempt_at),
        )
        .where(
            deliveries.c.status == PENDING,
            deliveries.c.channel == channel,
            deliveries.c.last_error.is_not(None),
        )
    )
    first: dict[str, dict[str, Any]] = {}
    for row in conn.execute(query).mappings():
        first.setdefault(row["recipient"], dict(row))
    return list(first.values())


def bring_forward(conn: Connection, channel: str, recipient: str | None, now: datetime) -> int:
    """Make the rows that wait for a retry (of one recipient, or of the whole channel) due now:
    their receiver has just answered. Rows being sent (no error yet) keep their lease."""
    statement = (
        update(deliveries)
        .where(
            deliveries.c.status == PENDING,
            deliveries.c.channel == channel,
            deliveries.c.last_error.is_not(None),
            deliveries.c.next_attempt_at > now,
        )
        .values(next_attempt_at=now)
    )
    if recipient is not None:
        statement = statement.where(deliveries.c.recipient == recipient)
    return conn.execute(statement).rowcount


def settle(conn: Connection, delivery_id: str, **values: Any) -> None:
    conn.execute(update(deliveries).where(deliveries.c.id == delivery_id).values(**values))


def get_delivery(conn: Connection, delivery_id: str) -> dict[str, Any] | None:
    row = conn.execute(select(deliveries).where(deliveries.c.id == delivery_id)).mappings().first()
    return dict(row) if row else None


def list_deliveries(
    conn: Connection, owner: str | None, status: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    query = select(deliveries).where(deliveries.c.status != HELD)
    if owner is not None:
        query = query.where(deliveries.c.owner == owner)
    if status is not None:
        query = query.where(deliveries.c.status == status)
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(
        query.order_by(deliveries.c.created_at.desc(), deliveries.c.id).limit(limit).offset(offset)
    ).mappings()
    return [dict(row) for row in rows], total


def held_for_digest(conn: Connection) -> list[dict[str, Any]]:
    query = select(deliveries).where(deliveries.c.status == HELD).order_by(deliveries.c.created_at)
    return [dict(row) for row in conn.execute(query).mappings()]


def mark_digested(conn: Connection, ids: list[str]) -> None:
    if ids:
        conn.execute(update(deliveries).where(deliveries.c.id.in_(ids)).values(status=DIGESTED))


def claim_digest_day(conn: Connection, day: str, now: datetime) -> bool:
    result = conn.execute(
        _insert(conn)(digest_runs).values(day=day, ran_at=now).on_conflict_do_nothing()
    )
    return result.rowcount == 1
