"""PostgreSQL goes away in the middle of a load and comes back: clients retry with their
Idempotency-Keys, relays and consumers resume by themselves within seconds, and the four services
end with exactly the work posted (issue 13, items 3 and 4)."""

from __future__ import annotations

import threading
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
    wait_for_exact_counts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 30  # of 5 tasks: 150 tasks
CUT_AFTER = 10
OUTAGE_SECONDS = 6.0


def test_postgresql_cut_mid_load_loses_and_repeats_nothing(faulty: FaultySystem) -> None:  # noqa: F811
    office = faulty.office
    documents = [a_document() for _ in range(DOCUMENTS)]
    keys = [uuid.uuid4().hex for _ in range(DOCUMENTS)]
    posted = threading.Semaphore(0)
    tries: list[int] = []

    def post(index: int) -> list[str]:
        ids, attempts = post_with_retries(faulty.client, office, documents[index], keys[index])
        tries.append(attempts)
        posted.release()
        return ids

    def outage() -> None:
        for _ in range(CUT_AFTER):
            posted.acquire()
        faulty.database.cut()
        time.sleep(OUTAGE_SECONDS)
        faulty.database.restore()

    cutter = threading.Thread(target=outage)
    cutter.start()
    with ThreadPoolExecutor(max_workers=4) as pool:
        task_ids = [t for ids in pool.map(post, range(DOCUMENTS)) for t in ids]
    cutter.join()
    restored_at = faulty.database.restored_at or time.monotonic()
    recovery = wait_for_exact_counts(faulty, task_ids, DOCUMENTS)
    since_restore = time.monotonic() - restored_at

    spells = back_after(faulty)
    slowest = max(spells, key=spells.__getitem__)
    report(
        "PostgreSQL cut mid-load",
        tasks=len(task_ids),
        outage=OUTAGE_SECONDS,
        requests_retried=sum(1 for n in tries if n > 1),
        slowest_process=f"{slowest} back {spells[slowest] - OUTAGE_SECONDS:.1f}s after the restore",
        all_four_services_complete_after_restore=since_restore - 1.5,
        after_the_last_answer=recovery.complete,
    )
    assert sum(tries) > DOCUMENTS, "no request met the outage"
    assert spells[slowest] - OUTAGE_SECONDS < 5, spells
    assert recovery.complete < 45, f"recovery took {recovery.complete:.1f}s"
