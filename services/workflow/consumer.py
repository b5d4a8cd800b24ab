"""The workflow service's worker entrypoints: its event-handler table on the shared consumer,
and the timer scheduler that `nhiemvu worker workflow` runs beside it."""

from __future__ import annotations

from typing import TYPE_CHECKING

from services.workflow import handlers
from services.workflow.scheduler import AHEAD_SECONDS, TimerScheduler
from shared.consumer import EventConsumer
from shared.db import is_postgres

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


def create_consumer(service: WorkflowService) -> EventConsumer:
    return EventConsumer(service.runtime.platform, handlers.event_handlers(service))


def create_scheduler(service: WorkflowService) -> TimerScheduler:
    # Firing ahead holds row locks until the due time: on PostgreSQL, where they are per row;
    # SQLite's lock is the whole database's.
    engine = service.runtime.platform.database.engine
    return TimerScheduler(service, ahead_seconds=AHEAD_SECONDS if is_postgres(engine) else 0.0)
