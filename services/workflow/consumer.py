"""The workflow service's bus entrypoint: its event-handler table on the shared consumer."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.workflow import handlers
from shared.consumer import EventConsumer

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


def create_consumer(service: WorkflowService) -> EventConsumer:
    return EventConsumer(service.runtime.platform, handlers.event_handlers(service))
