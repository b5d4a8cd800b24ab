"""The intake service's bus entrypoint: its event-handler table on the shared consumer."""

from __future__ import annotations

from services.intake import handlers
from services.intake.service import IntakeService
from shared.consumer import EventConsumer


def create_consumer(service: IntakeService) -> EventConsumer:
    return EventConsumer(service.runtime.platform, handlers.event_handlers(service.sender))
