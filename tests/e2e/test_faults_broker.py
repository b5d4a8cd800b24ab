"""RabbitMQ goes away with messages waiting in the main queues and events waiting in the outboxes,
and comes back: every process resumes by itself within seconds, and the four services end with
exactly the work posted (issue 13, items 3 and 4)."""

from __future__ import annotations

import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.faultkit import (
    FaultySystem,
    a_document,
    back_after,
    faulty,  # noqa: F401 - the fixture
    post_with_retries,
    report,
    snapshot,
    wait_for_exact_counts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 30  # of 5 tasks: 150 tasks
OUTAGE_SECONDS = 6.0


def test_rabbitmq_down_and_back_loses_and_repeats_nothing(faulty: FaultySystem) -> None:  # noqa: F811
    office = faulty.office
    documents = [a_document() for _ in range(DOCUMENTS)]

    def post(index: int) -> list[str]:
        return post_with_retries(faulty.client, office, documents[index], uuid.uuid4().hex)[0]

    with ThreadPoolExecutor(max_workers=6) as pool:
        # A burst, then the broker goes: what was published waits in the queues unconsumed.
        task_ids = [t for ids in pool.map(post, range(DOCUMENTS // 2)) for t in ids]
        faulty.broker.cut()
        # Accepted while the broker is down: the events wait in intake's outbox.
        task_ids += [t for ids in pool.map(post, range(DOCUMENTS // 2, DOCUMENTS)) for t in ids]
    cut_at = faulty.broker.cut_at or time.monotonic()
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - cut_at)))
    baseline = snapshot(faulty)
    faulty.broker.restore()
    recovery = wait_for_exact_counts(faulty, task_ids, DOCUMENTS, baseline=baseline)

    outage = (faulty.broker.restored_at or cut_at) - cut_at
    spells = back_after(faulty)
    slowest = max(spells, key=spells.__getitem__)
    report(
        "RabbitMQ down and back",
        tasks=len(task_ids),
        waiting_at_restore=len(task_ids) - baseline.get("workflow_total", 0),
        outage=outage,
        slowest_process=f"{slowest} back {spells[slowest] - outage:.1f}s after the restore",
        resumed_after=recovery.resumed,
        all_four_services_complete_after=recovery.complete,
    )
    assert spells[slowest] - outage < 5, spells
    assert recovery.resumed < 10, f"nothing moved for {recovery.resumed:.1f}s after the restore"
    assert recovery.complete < 45, f"recovery took {recovery.complete:.1f}s"
