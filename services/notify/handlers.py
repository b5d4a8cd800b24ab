"""Notify's event handlers: turn task events into inbox items; learn unit names."""

from __future__ import annotations

import uuid
from typing import Any

from services.notify import domain, store
from shared.events import TASK_EVENT_TYPES, Event
from shared.platform import UnitOfWork

CHANNEL_INBOX = "inbox"


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


def on_task_event(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    codes = {data["lead_unit"], *data["coordinating_units"]}
    names = store.unit_names(uow.conn, codes)
    messages = domain.messages_for(event.type, data, lambda code: names.get(code, code))
    store.add_items(uow.conn, [_row(event, message, uow.now) for message in messages])


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


EVENT_HANDLERS = {
    "unit.updated": on_unit_updated,
    **{event_type: on_task_event for event_type in TASK_EVENT_TYPES},
}
