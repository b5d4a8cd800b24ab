"""Notify's event handlers: inbox items, email and webhook deliveries, the public feed; learn
unit names.

Everything an event causes is written in the applier's transaction, next to its inbox entry:
a redelivered event is skipped as a whole, and the unique keys catch anything else.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import timedelta
from typing import Any

from services.notify import domain, feed, mailer, outbound, store
from services.notify.config import ChannelSettings
from shared.events import TASK_EVENT_TYPES, Event, encode
from shared.platform import UnitOfWork

CHANNEL_INBOX = "inbox"
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


def task_event_handler(channels: ChannelSettings | None) -> Handler:
    def on_task_event(uow: UnitOfWork, event: Event) -> None:
        names = store.unit_names(uow.conn, domain.units_named(event.data))
        messages = domain.messages_for(event.type, event.data, lambda c: names.get(c, c))
        store.add_items(uow.conn, [_row(event, message, uow.now) for message in messages])
        if channels is None:
            return
        feed.record(uow.conn, event, uow.now)
        max_age = timedelta(hours=channels.max_age_hours)
        rows = _webhooks(uow, event, max_age)
        if channels.email_enabled:
            rows += _emails(uow, event, messages, names, max_age)
        outbound.add_deliveries(uow.conn, rows)

    return on_task_event


def report_event_handler(channels: ChannelSettings | None) -> Handler:
    def on_report_published(uow: UnitOfWork, event: Event) -> None:
        # Published figures are for everyone: they go out on the public feed.
        if channels is not None:
            feed.record(uow.conn, event, uow.now)

    return on_report_published


def _webhooks(uow: UnitOfWork, event: Event, max_age: timedelta) -> list[dict[str, Any]]:
    if event.type not in domain.PUBLIC_EVENT_TYPES:
        return []
    body = encode(event.raw)
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
        for subscription in outbound.subscribers_of(uow.conn, event.type)
    ]


def _emails(
    uow: UnitOfWork,
    event: Event,
    messages: list[domain.Message],
    names: dict[str, str],
    max_age: timedelta,
) -> list[dict[str, Any]]:
    units = {m.recipient.id for m in messages if m.recipient.kind == "unit"}
    contacts = outbound.contacts(uow.conn, units)
    rows = []
    for message in messages:
        contact = contacts.get(message.recipient.id)
        if message.recipient.kind != "unit" or not contact or not contact["email"]:
            continue
        unit = message.recipient.id
        context = {
            "unit_name": names.get(unit, unit),
            "title": message.title,
            "body": message.body,
            "task_id": event.data.get("task_id"),
            "event_type": event.type,
        }
        rendered = mailer.render(event.type, context)
        digest = contact["email_mode"] == "digest"
        rows.append(
            outbound.new_delivery(
                event_id=event.id,
                recipient=contact["email"],
                channel=outbound.EMAIL,
                owner=unit,
                target=contact["email"],
                event_type=event.type,
                payload=mailer.payload(
                    contact["email"], rendered | {"title": message.title, "body": message.body}
                ),
                now=uow.now,
                max_age=max_age,
                status=outbound.HELD if digest else outbound.PENDING,
            )
        )
    return rows


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
        "task.transferred": on_task_event,
        "report.published": report_event_handler(channels),
    }


# The handler table without outgoing channels: its keys are what notify subscribes to.
EVENT_HANDLERS = event_handlers(None)
