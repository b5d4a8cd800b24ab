"""The notify service's bus entrypoints: its event handlers on the shared consumer, and the
delivery worker that sends what they queued (webhooks, email, daily digests)."""

from __future__ import annotations

from services.notify import handlers
from services.notify.config import ChannelSettings
from services.notify.delivery import DeliveryWorker
from shared.consumer import EventConsumer
from shared.runtime import Runtime


def channels_of(service: Runtime) -> ChannelSettings:
    found = getattr(service, "channels", None)
    return found if isinstance(found, ChannelSettings) else ChannelSettings.from_env()


def create_consumer(service: Runtime) -> EventConsumer:
    return EventConsumer(service.platform, handlers.event_handlers(channels_of(service)))


def create_delivery_worker(service: Runtime) -> DeliveryWorker:
    worker = DeliveryWorker(service, channels_of(service))
    # A committed event may have queued a delivery: look at once rather than at the next poll.
    service.platform.database.after_commit(worker.wake)
    return worker
