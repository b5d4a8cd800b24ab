"""Notify's event handlers: inbox items, email and webhook deliveries, the public feed; learn
unit names.

Everything an event causes is written in the applier's transaction, next to its inbox entry:
a redelivered event is skipped as a whole, and the unique keys catch anything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from functools import partial
from typing import Any

from services.notify import domain, feed, mailer, outbound, store
from services.notify.config import ChannelSettings
from shared.applier import BatchedHandler, batched
from shared.events import CASE_EVENT_TYPES, TASK_EVENT_TYPES, Event, encode
from shared.platform import UnitOfWork

CHANNEL_INBOX = "inbox"
# The leaders' e-mails: whose deliveries they are, and how they are addressed.
LEADERS_OWNER = "role:leader"
LEADERS_NAME = "Lãnh đạo UBND tỉnh"
Handler = Callable[[UnitOfWork, Event], None]


def on_unit_updated(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    store.upsert_unit(
        uow.conn,
        {
            "code": data["code"],
            "name": data["name"],
            "kind": data["kind"],
            "active": data["active"],
        },
    )
    outbound.queues_marked()


def task_event_handler(channels: ChannelSettings | None) -> BatchedHandler:
    def on_task_events(uow: UnitOfWork, events: list[Event]) -> None:
        """A run of events in order: the unit names (and the subscriptions) read once for the
        run, and its inbox items, feed rows and deliveries written a statement each."""
        # Units are named only in messages: an event of a type with none reads no names.
        named = [
            domain.units_named(event.data) if event.type in domain.RULES else set()
            for event in events
        ]
        known = store.unit_names(uow.conn, set().union(*named))
        active: dict[str, str] | None = None
        planned: list[tuple[Event, list[domain.Message], dict[str, str]]] = []
        items: list[dict[str, Any]] = []
        for event, codes in zip(events, named, strict=True):
            # Each event's messages see the names of the units it names, as read alone would.
            names = {code: known[code] for code in codes if code in known}
            for row in event.data.get("units") or ():  # a report names its units: a fallback
                if isinstance(row, dict) and row.get("unit") and row.get("name"):
                    names.setdefault(row["unit"], row["name"])
            messages = domain.messages_for(event.type, event.data, partial(_name, names))
            if any(m.recipient == domain.EVERY_UNIT for m in messages):
                if active is None:
                    active = store.active_units(uow.conn)  # Đ18.1: a periodic report's reminder
                names |= active
                messages = domain.for_every_unit(messages, active)
            items += [_row(event, message, uow.now) for message in messages]
            planned.append((event, messages, names))
        store.add_items(uow.conn, items)
        if channels is None:
            outbound.queues_marked()
            return
        # The feed's rows, and the subscriptions when a webhook may be due (one statement).
        subscriptions = feed.record_and_subscriptions(
            uow.conn,
            events,
            uow.now,
            subscriptions=any(event.type in domain.PUBLIC_EVENT_TYPES for event in events),
        )
        max_age = timedelta(hours=channels.max_age_hours)
        rows: list[dict[str, Any]] = []
        for event, messages, names in planned:
            rows += _webhooks(uow, event, max_age, subscriptions)
            if channels.email_enabled:
                rows += _emails(uow, event, messages, names, max_age, channels.leaders_email)
        outbound.add_deliveries(uow.conn, rows)
        outbound.queues_marked()

    return batched(on_task_events)


def report_event_handler(channels: ChannelSettings | None) -> BatchedHandler:
    # Published figures are for everyone: they go out on the public feed, and the rules table
    # tells the Office and every unit the report counts (inbox and e-mail), as for a task event.
    return task_event_handler(channels)


def status_event_handler(channels: ChannelSettings | None) -> Handler:
    """`document.status_changed`: the EDXML status message intake wrote, to the document
    system's endpoint when one is configured (Đ3.2); intake keeps the messages readable anyway."""

    def on_status_changed(uow: UnitOfWork, event: Event) -> None:
        if channels is None or not channels.qlvb_status_url:
            outbound.queues_marked()
            return
        row = outbound.new_delivery(
            event_id=event.id,
            recipient=outbound.DOCUMENT_SYSTEM,
            channel=outbound.DOCUMENT_SYSTEM,
            owner=outbound.DOCUMENT_SYSTEM,
            target=channels.qlvb_status_url,
            event_type=event.type,
            payload=event.data["edxml"],
            now=uow.now,
            max_age=timedelta(hours=channels.max_age_hours),
        )
        outbound.add_deliveries(uow.conn, [row])
        outbound.queues_marked()

    return on_status_changed


def _webhooks(
    uow: UnitOfWork, event: Event, max_age: timedelta, subscriptions: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    if event.type not in domain.PUBLIC_EVENT_TYPES:
        return []
    # The same privacy as the public feed: no correlation id, no acting person's id or name.
    body = encode(feed.public_envelope(event.raw))
    return [
        outbound.new_delivery(
            event_id=event.id,
            recipient=subscription["id"],
            channel=outbound.WEBHOOK,
            owner=subscription["owner"],
            target=subscription["url"],
            event_type=event.type,
            payload=body,
            now=uow.now,
            max_age=max_age,
        )
        for subscription in outbound.subscribed_to(subscriptions, event.type)
    ]


def _emails(
    uow: UnitOfWork,
    event: Event,
    messages: list[domain.Message],
    names: dict[str, str],
    max_age: timedelta,
    leaders: tuple[str, ...] = (),
) -> list[dict[str, Any]]:
    """E-mail deliveries of an event's messages, one per address at most.

    A message to a unit goes to the unit's address (set by the Office), now or in the unit's
    digest as the unit chose; a message to a person goes to the address the person gave, as the
    person chose (immediate, digest or none). People of a unit who chose the digest also get
    their unit's messages in their own daily digest. A message to the leaders (their inbox by
    role) goes at once to the leaders' mailboxes (LEADERS_EMAIL, Đ16.4).
    """
    units = {m.recipient.id for m in messages if m.recipient.kind == "unit"}
    subs = {m.recipient.id for m in messages if m.recipient.kind == "user"}
    contacts = outbound.contacts(uow.conn, units)
    people = outbound.people(uow.conn, subs)
    followers = outbound.digest_followers(uow.conn, units)
    rows: dict[str, dict[str, Any]] = {}

    def add(message: domain.Message, owner: str, addressee: str, address: str, held: bool) -> None:
        if address in rows:  # the key (event, address, channel) allows one e-mail per address
            return
        rendered = mailer.render(event.type, email_context(event, message, addressee))
        rows[address] = outbound.new_delivery(
            event_id=event.id,
            recipient=address,
            channel=outbound.EMAIL,
            owner=owner,
            target=address,
            event_type=event.type,
            payload=mailer.payload(
                address, rendered | {"title": message.title, "body": message.body}
            ),
            now=uow.now,
            max_age=max_age,
            status=outbound.HELD if held else outbound.PENDING,
        )

    for message in messages:
        recipient = message.recipient
        if recipient.kind == "unit":
            contact = contacts.get(recipient.id)
            if contact and contact["email"]:
                digest = contact["email_mode"] == outbound.DIGEST
                add(
                    message,
                    recipient.id,
                    names.get(recipient.id, recipient.id),
                    contact["email"],
                    digest,
                )
        elif recipient.kind == "user":
            person = people.get(recipient.id)
            if person and person["email"] and person["delivery"] != outbound.NO_EMAIL:
                digest = person["delivery"] == outbound.DIGEST
                add(
                    message,
                    outbound.person_owner(recipient.id),
                    person["name"],
                    person["email"],
                    digest,
                )
        elif recipient == domain.LEADERS:
            for address in leaders:
                add(message, LEADERS_OWNER, LEADERS_NAME, address, False)
    for message in messages:  # copies for the units' people who follow them by digest
        if message.recipient.kind == "unit":
            for person in followers.get(message.recipient.id, ()):
                add(
                    message,
                    outbound.person_owner(person["sub"]),
                    person["name"],
                    person["email"],
                    True,
                )
    return list(rows.values())


def email_context(event: Event, message: domain.Message, addressee: str) -> dict[str, Any]:
    """What an event's e-mail template reads: the addressee's name, the message, the task."""
    return {
        "unit_name": addressee,
        "title": message.title,
        "body": message.body,
        "task_id": event.data.get("task_id"),
        "event_type": event.type,
    }


def _name(names: dict[str, str], code: str) -> str:
    return names.get(code, code)


def _row(event: Event, message: domain.Message, now: Any) -> dict[str, Any]:
    return {
        "id": uuid.uuid4().hex,
        "event_id": event.id,
        "recipient_kind": message.recipient.kind,
        "recipient": message.recipient.id,
        "channel": CHANNEL_INBOX,
        "event_type": event.type,
        "title": message.title,
        "body": message.body,
        "task_id": event.data.get("task_id"),
        "created_at": now,
    }


def event_handlers(channels: ChannelSettings | None) -> dict[str, Handler]:
    on_task_event = task_event_handler(channels)
    return {
        "unit.updated": on_unit_updated,
        **{event_type: on_task_event for event_type in TASK_EVENT_TYPES},
        **{event_type: on_task_event for event_type in CASE_EVENT_TYPES},
        "task.transferred": on_task_event,
        "report.published": report_event_handler(channels),
        "document.task_reported": on_task_event,  # Đ5.2a: to the Office
        "document.status_changed": status_event_handler(channels),  # Đ3.2: the document system
    }


# The handler table without outgoing channels: its keys are what notify subscribes to.
EVENT_HANDLERS = event_handlers(None)
