"""The workflow service's worker entrypoints: its event-handler table on the shared consumer,
and the timer scheduler that `nhiemvu worker workflow` runs beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.workflow import handlers
from services.workflow.scheduler import TimerScheduler
from shared.consumer import EventConsumer

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


def create_consumer(service: WorkflowService) -> EventConsumer:
    return EventConsumer(service.runtime.platform, handlers.event_handlers(service))


def create_scheduler(service: WorkflowService) -> TimerScheduler:
    return TimerScheduler(service)
