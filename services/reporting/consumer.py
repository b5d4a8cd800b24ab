"""The reporting service's bus entrypoint: its event-handler table on the shared consumer, and
the Đ18 schedule that `nhiemvu worker reporting` starts beside it (as the workflow's timers)."""

from __future__ import annotations

from services.reporting import handlers
from services.reporting.schedule import ReportSchedule
from services.reporting.service import ReportingService
from shared.consumer import READ_MODEL_GATHER_SECONDS, READ_MODEL_QUIET_SECONDS, EventConsumer


def create_consumer(service: ReportingService) -> EventConsumer:
    return EventConsumer(
        service.runtime.platform,
        handlers.EVENT_HANDLERS,
        gather_seconds=READ_MODEL_GATHER_SECONDS,
        quiet_seconds=READ_MODEL_QUIET_SECONDS,
    )


def create_scheduler(service: ReportingService) -> ReportSchedule:
    return ReportSchedule(service)
