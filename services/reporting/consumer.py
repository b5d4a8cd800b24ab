"""The reporting service's bus entrypoint: its event-handler table on the shared consumer."""

from __future__ import annotations

from services.reporting import handlers
from shared.consumer import EventConsumer
from shared.runtime import Runtime


def create_consumer(service: Runtime) -> EventConsumer:
    return EventConsumer(service.platform, handlers.EVENT_HANDLERS)
