"""What a commit of notify's event handlers asks of the delivery worker: nothing when it queued
neither deliveries nor feed rows, the feed alone when it queued only feed rows, the whole round
when it queued deliveries; and what an event without messages reads (no unit names)."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import event, select

from services.notify import outbound
from services.notify.feed import public_feed
from tests.integration.notifykit import task_event


def _woken(worker: Any) -> str | None:
    """What the worker was woken for since the last look ("feed", "round"), and clear it."""
    if not worker._wake.is_set():
        return None
    worker._wake.clear()
    wanted, worker._deliveries_wanted = worker._deliveries_wanted, False
    return "round" if wanted else "feed"


def test_a_handlers_commit_that_queued_nothing_for_the_worker_wakes_it_not(notify):
    worker = notify.worker
    worker.run_round()
    _woken(worker)

    # task.progress_reported goes to no inbox and not on the public feed; no one subscribes.
    body = task_event("task.progress_reported", "in_progress")
    assert notify.consumer.process(body, {}) == "applied"
    assert _woken(worker) is None

    assert notify.consumer.process(task_event("task.accepted", "in_progress"), {}) == "applied"
    assert _woken(worker) == "feed"

    with notify.runtime.platform.database.transaction():
        pass  # a commit that queued nothing known (not a handler's): the whole round
    assert _woken(worker) == "round"


def test_a_handlers_commit_that_queued_a_delivery_wakes_the_whole_round(notify):
    worker = notify.worker
    with notify.runtime.platform.database.transaction() as conn:
        outbound.add_subscription(
            conn,
            {
                "id": uuid.uuid4().hex,
                "owner": "BO_TC",
                "url": "https://agency.example/hook",
                "event_types": ["task.progress_reported"],
                "secret": "s" * 32,
                "created_at": datetime.now(UTC),
            },
        )
    worker.run_round()
    _woken(worker)

    body = task_event("task.progress_reported", "in_progress")
    assert notify.consumer.process(body, {}) == "applied"
    assert _woken(worker) == "round"


def test_an_event_without_messages_reads_no_unit_names(notify):
    engine = notify.runtime.platform.database.engine
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", seen)
    try:
        body = task_event("task.accepted", "in_progress")
        assert notify.consumer.process(body, {}) == "applied"
        read_names = [s for s in statements if "FROM units" in s]
        assert read_names == []

        statements.clear()
        assert notify.consumer.process(task_event("task.assigned", "assigned"), {}) == "applied"
        assert [s for s in statements if "FROM units" in s]  # its messages name the units
    finally:
        event.remove(engine, "before_cursor_execute", seen)


def test_a_feed_only_round_soon_after_another_waits_for_the_commits_that_follow(notify):
    worker = notify.worker
    worker.feed_interval = 0.3
    last = time.monotonic()
    worker.run_round()
    _woken(worker)

    assert notify.consumer.process(task_event("task.accepted", "in_progress"), {}) == "applied"
    assert _woken(worker) == "feed"
    worker.run_round()  # the feed alone, 0.3 s after the last round at the earliest
    assert time.monotonic() - last >= 0.3
    with notify.runtime.platform.database.read() as conn:
        waiting = conn.execute(select(public_feed).where(public_feed.c.published_at.is_(None)))
        assert waiting.all() == []

    worker._deliveries_wanted = True  # a round for deliveries does not wait
    started = time.monotonic()
    worker.run_round()
    assert time.monotonic() - started < 0.25
