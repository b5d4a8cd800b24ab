"""The timer scheduler: fires the diagrams' timers that fell due (docs/architecture.md, Where
timers run).

Each instance's earliest waiting timer is stored in `task_instances.next_timer_at` (indexed) on
every save, so finding due work is an index range scan that costs the same with 100 000 waiting
instances as with 100, and no instance is loaded unless it is due.

One batch is one transaction: select due rows (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so workers
running side by side take different instances; on SQLite the transaction holds the database's
write lock from BEGIN), fire each, save state, status and next_timer_at with the revision check,
add history and audit, and put the announced events in the outbox. A worker that dies mid-batch
leaves nothing half done.

Timers fire in the order of their due times, one due time at a time, with the engine's clock and
the unit of work's `now` held at that time (README "Timers and deadline notices"): when a clock
jump or a pause makes several timers due, of one instance or of many, a due-soon notice goes out
before the overdue notice and that before the urgings, each event's `time`/`occurred_at`, its
history entry and audit record carry the timer's due time, and a reminder placed by a timer's
branch (the next urging, `today()`) counts from that time. A timer that falls due again inside
the same jump is fired at its own time too (a 20-working-day jump urges twice). The outbox rows
are written at the real time.

The thread sleeps until the earliest due time that it knows of, so that a timer fires within a
few milliseconds of falling due rather than at the next poll: after each round it reads the
first due time past the round's `now` from the `next_timer_at` indexes (one index lookup per
table, whatever the number waiting), and a change written in this process that sets an earlier
due time wakes it at once (instances/store.py, `DUE_TIMES`). Changes written by other processes
(the web processes, another worker) are seen by the next round, hence a bounded sleep: at most
`poll_seconds` (1 s). A row still due after a round (another worker holds it, or a failed timer
was put off) waits for that bound too, so the thread never spins.

Firing a batch takes time (each instance is loaded, advanced and saved), which would make the
last timers of a batch late by the whole batch. With `ahead_seconds` (the worker's, on
PostgreSQL: `AHEAD_SECONDS`) the thread wakes that much before a due time, fires the timers due
by then, each with the clocks held at its own due time as always, and holds the transaction
open until the latest due time it fired before committing: nothing is seen or published before
its time, and the events go out as the time comes instead of a batch's duration later. The rows
stay locked meanwhile, so an action on such an instance in that last fraction of a second waits
and is applied after the timer fired. `wake()` starts a round at
once. Development clock moves are handled synchronously instead: `on_clock_change` (an
AdjustableClock listener) fires everything that became due before it returns, so
`POST /api/admin/clock` answers only after the due timers have fired and their events are in the
outbox.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import threading
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from services.workflow import case_store, store
from services.workflow.engine import DiagramError, ProcessError, StateError
from services.workflow.instances import runner
from services.workflow.instances.store import DUE_TIMES, InstanceTable
from services.workflow.kinds import overdue_summaries, periodic_reports
from shared.calendar import local_date
from shared.loops import BackgroundLoop

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService
    from shared.platform import UnitOfWork

log = logging.getLogger(__name__)

# An instance whose timer cannot be fired (a diagram error) is tried again this much later,
# instead of blocking the head of the queue.
RETRY_AFTER = timedelta(minutes=15)


# How far ahead the workers' schedulers fire on PostgreSQL (see the module's docstring).
AHEAD_SECONDS = 0.5

# Where instances wait on timers: tasks' lifecycles, and cases of every kind.
_TABLES = (store.TASKS, case_store.CASES)


class TimerScheduler(BackgroundLoop):
    thread_name = "timer-scheduler"

    def __init__(
        self,
        service: WorkflowService,
        *,
        poll_seconds: float = 1.0,
        batch_size: int = 200,
        ahead_seconds: float = 0.0,
    ) -> None:
        super().__init__(poll_seconds)
        self.service = service
        self.batch_size = batch_size
        # Fire timers due within this much from now ahead of time and commit them at their due
        # time (see the module's docstring); 0 fires only what is due.
        self.ahead = timedelta(seconds=ahead_seconds)
        # Within one process, a clock listener waits for the thread's batch instead of skipping
        # its locked rows, so that "fired everything due" holds when the listener returns.
        self._firing = threading.Lock()
        # The month found with nothing overdue at its start: not asked again until the next one
        # (what was due before a month's first day only shrinks as tasks are completed).
        self._quiet_month: str | None = None
        # The earliest due time known: from the indexes after a round, or told since by a
        # change made in this process.
        self._due_lock = threading.Lock()
        self._next_due: datetime | None = None
        DUE_TIMES.listen(self.due_changed)

    @property
    def next_due(self) -> datetime | None:
        """When the thread means to run its next round, if a timer is known to wait."""
        return self._next_due

    def due_changed(self, when: datetime) -> None:
        """A due time written in this process: wake the thread if it is earlier than the one
        it sleeps until."""
        with self._due_lock:
            if self._next_due is not None and when >= self._next_due:
                return
            self._next_due = when
        self.wake()

    def wait_seconds(self) -> float:
        """Until the earliest known due time (less the time fired ahead) by the platform's
        clock, at most `poll_seconds`."""
        due = self._next_due
        if due is None:
            return self.poll_seconds
        left = (due - self.ahead - self.service.runtime.platform.clock.now()).total_seconds()
        return min(max(left, 0.0), self.poll_seconds)

    def fire_due(self, limit: int | None = None) -> int:
        """Fire one batch of due task instances and one of due cases in one transaction, every
        timer due by now (or by now + `ahead`) in the order of due times (see the module's
        docstring); returns the larger of the two counts of instances, so that a full batch of
        either asks for another round."""
        platform = self.service.runtime.platform
        size = limit or self.batch_size
        counts = []
        with self._firing, platform.unit_of_work() as uow:
            now = uow.now
            upto = now + self.ahead
            order = itertools.count()  # equal due times: earliest row first, tasks before cases
            queue: list[tuple[datetime, int, InstanceTable, dict[str, Any]]] = []
            for table in _TABLES:
                rows = table.due(uow.conn, upto, size)
                queue.extend((row["next_timer_at"], next(order), table, row) for row in rows)
                counts.append(len(rows))
            heapq.heapify(queue)
            latest = now
            try:
                while queue:
                    due, _order, table, row = heapq.heappop(queue)
                    when = _fire_time(due, row, upto)
                    latest = max(latest, when)
                    again = self._fire_at(uow, table, row, when, upto)
                    if again is not None:
                        heapq.heappush(queue, (again["next_timer_at"], next(order), table, again))
            finally:
                uow.now = now
            # Fired ahead: nothing is committed, hence nothing seen or published, before the
            # latest due time fired (the rows stay locked until then).
            if latest > now:
                self.hold_until(latest)
        return max(counts)

    def hold_until(self, when: datetime) -> None:
        """Wait until `when` by the platform's clock (inside the batch's transaction)."""
        early = (when - self.service.runtime.platform.clock.now()).total_seconds()
        if early > 0:
            time.sleep(early)

    def _fire_at(
        self,
        uow: UnitOfWork,
        table: InstanceTable,
        row: dict[str, Any],
        when: datetime,
        now: datetime,
    ) -> dict[str, Any] | None:
        """Fire `row`'s timers due by `when` with the clocks held there; returns the row again
        if another of its timers is due by `now`."""
        key = row[table.key]
        kind = self.service.kind_of(row)
        uow.now = when
        try:
            with self.service.engine.at(when):
                runner.fire_timers(self.service, uow, kind, row)
        except (DiagramError, ProcessError, StateError):
            log.exception("timer of %s %s failed; retrying later", kind.name, key)
            table.postpone(uow.conn, key, now + RETRY_AFTER)
            return None
        finally:
            uow.now = now
        fresh = table.get(uow.conn, key)
        following = None if fresh is None else fresh["next_timer_at"]
        # A timer that did not move past `when` would be fired again and again: the next round
        # (or the next poll) takes it, as before.
        if following is None or following > now or following <= when:
            return None
        return fresh

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
        platform = self.service.runtime.platform
        began = platform.clock.now()
        with self._due_lock:
            # A time told before this round is due by now: this round fires it if committed.
            if self._next_due is not None and self._next_due <= began:
                self._next_due = None
        periodic_reports.open_upcoming(self.service)  # the next Đ18 period's case, once
        self.open_overdue_summary()
        self.catch_up()
        with platform.database.read() as conn:
            found = [table.next_due_after(conn, began + self.ahead) for table in _TABLES]
        earliest = min((when for when in found if when is not None), default=None)
        with self._due_lock:
            if earliest is not None and (self._next_due is None or earliest < self._next_due):
                self._next_due = earliest

    def open_overdue_summary(self) -> None:
        """This month's summary of overdue tasks for the leaders (Đ16.4), once a month."""
        month = overdue_summaries.month_key(local_date(self.service.runtime.platform.clock.now()))
        if month == self._quiet_month:
            return
        if overdue_summaries.open_monthly(self.service) is None:
            self._quiet_month = month


def _fire_time(due: datetime, row: dict[str, Any], now: datetime) -> datetime:
    """When a timer fires: its due time, but never before the instance last changed (a timer
    put off after a failure, a row changed outside the engine) nor after now."""
    changed = row.get("updated_at")
    when = due if changed is None or changed <= due else changed
    return min(when, now)
