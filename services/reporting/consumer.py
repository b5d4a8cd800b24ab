"""The reporting service's bus entrypoint: its event-handler table on the shared consumer, and
the Đ18 schedule that `nhiemvu worker reporting` starts beside it (as the workflow's timers)."""

from __future__ import annotations

from services.reporting import handlers
from services.reporting.schedule import ReportSchedule
from shared.consumer import EventConsumer
from shared.runtime import Runtime


def create_consumer(service: Runtime) -> EventConsumer:
    return EventConsumer(service.platform, handlers.EVENT_HANDLERS)


def create_scheduler(service: Runtime) -> ReportSchedule:
    return ReportSchedule(service)
