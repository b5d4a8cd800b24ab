"""The timer scheduler: fires the diagrams' timers that fell due (SPEC §4, §11).

Each instance's earliest waiting timer is stored in `task_instances.next_timer_at` (indexed) on
every save, so finding due work is an index range scan that costs the same with 100 000 waiting
instances as with 100, and no instance is loaded unless it is due.

One batch is one transaction: select due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers
running side by side take different instances; on SQLite the transaction holds the database's
write lock from BEGIN), fire each, save state, status and next_timer_at with the revision check,
add history and audit, and put the announced events in the outbox. A worker that dies mid-batch
leaves nothing half done.

The thread polls every second and is woken at once by `wake()`. Development clock moves are
handled synchronously instead: `on_clock_change` (an AdjustableClock listener) fires everything
that became due before it returns, so `POST /api/admin/clock` answers only after the due timers
have fired and their events are in the outbox.
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from services.workflow import case_store, cases, handlers, periodic_reports, store
from services.workflow.engine import DiagramError, ProcessError, StateError
from shared.loops import BackgroundLoop

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

log = logging.getLogger(__name__)

# An instance whose timer cannot be fired (a diagram error) is tried again this much later,
# instead of blocking the head of the queue.
RETRY_AFTER = timedelta(minutes=15)

# What waits on timers: tasks' lifecycles and cases, each (name, key, due rows, fire, postpone).
_TIMER_OWNERS = (
    ("task", "task_id", store.due_instances, handlers.fire_timers, store.postpone_timer),
    ("case", "case_id", case_store.due_cases, cases.fire_timers, case_store.postpone_timer),
)


class TimerScheduler(BackgroundLoop):
    thread_name = "timer-scheduler"

    def __init__(
        self, service: WorkflowService, *, poll_seconds: float = 1.0, batch_size: int = 200
    ) -> None:
        super().__init__(poll_seconds)
        self.service = service
        self.batch_size = batch_size
        # Within one process, a clock listener waits for the thread's batch instead of skipping
        # its locked rows, so that "fired everything due" holds when the listener returns.
        self._firing = threading.Lock()

    def fire_due(self, limit: int | None = None) -> int:
        """Fire one batch of due task instances and one of due cases in one transaction; returns
        the larger of the two counts, so that a full batch of either asks for another round."""
        platform = self.service.runtime.platform
        size = limit or self.batch_size
        counts = []
        with self._firing, platform.unit_of_work() as uow:
            for what, key, due, fire, postpone in _TIMER_OWNERS:
                rows = due(uow.conn, uow.now, size)
                for row in rows:
                    try:
                        fire(self.service, uow, row)
                    except (DiagramError, ProcessError, StateError):
                        log.exception("timer of %s %s failed; retrying later", what, row[key])
                        postpone(uow.conn, row[key], uow.now + RETRY_AFTER)
                counts.append(len(rows))
        return max(counts)

    def catch_up(self) -> int:
        """Fire batches until none is left due; returns how many instances were due."""
        total = 0
        while True:
            count = self.fire_due()
            total += count
            if count < self.batch_size:
                return total

    def on_clock_change(self, _now: datetime) -> None:
        try:
            self.run_round()
        except Exception:  # the thread retries; a clock move must still answer
            log.exception("firing timers after a clock change failed")
        self.wake()

    def run_round(self) -> None:
        periodic_reports.open_upcoming(self.service)  # the next Đ18 period's case, once
        self.catch_up()
