"""The workflow service's worker entrypoints: its event-handler table on the shared consumer,
and the timer scheduler that `nhiemvu worker workflow` runs beside it."""

from __future__ import annotations

import gc
from typing import TYPE_CHECKING

from services.workflow import handlers
from services.workflow.scheduler import AHEAD_SECONDS, TimerScheduler
from shared.consumer import EventConsumer
from shared.db import is_postgres

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


def create_consumer(service: WorkflowService) -> EventConsumer:
    return EventConsumer(service.runtime.platform, handlers.event_handlers(service))


# The collector's thresholds in a workflow worker (Python's are 700, 10, 10): see tune_process.
GC_THRESHOLDS = (10_000, 20, 20)


def tune_process() -> None:
    """Settle a workflow worker's heap once it is built (`nhiemvu worker workflow`).

    A SpiffWorkflow instance is a cyclic graph (each task points at its parent and children):
    starting one allocates thousands of container objects, so the cyclic collector's young
    passes ran every few starts and rescanned the batch's live instances, ~0.3 ms of CPU per
    released task (`python -m bench.release_path`, gc callbacks; docs/architecture.md,
    Benchmarks). Larger thresholds make those passes rarer; what the process built at startup
    (the parsed diagrams, the tables' metadata, the modules) is frozen out of every pass. The
    garbage cycles wait at most 10,000 allocations longer."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(*GC_THRESHOLDS)


def create_scheduler(service: WorkflowService) -> TimerScheduler:
    # Firing ahead holds row locks until the due time: on PostgreSQL, where they are per row;
    # SQLite's lock is the whole database's.
    engine = service.runtime.platform.database.engine
    return TimerScheduler(service, ahead_seconds=AHEAD_SECONDS if is_postgres(engine) else 0.0)
