"""The notify service's bus entrypoints: its event handlers on the shared consumer, and the
delivery worker that sends what they queued (webhooks, email, daily digests)."""

from __future__ import annotations

from services.notify import handlers
from services.notify.delivery import DeliveryWorker
from services.notify.service import NotifyService
from shared.consumer import READ_MODEL_GATHER_SECONDS, READ_MODEL_QUIET_SECONDS, EventConsumer


def create_consumer(service: NotifyService) -> EventConsumer:
    return EventConsumer(
        service.runtime.platform,
        handlers.event_handlers(service.channels),
        gather_seconds=READ_MODEL_GATHER_SECONDS,
        quiet_seconds=READ_MODEL_QUIET_SECONDS,
    )


def create_delivery_worker(service: NotifyService) -> DeliveryWorker:
    worker = DeliveryWorker(service.runtime, service.channels)
    # A committed event may have queued a delivery or a feed row: look at once rather than at
    # the next poll (at the feed alone when that is all the commit queued).
    service.runtime.platform.database.after_commit(worker.committed)
    return worker
