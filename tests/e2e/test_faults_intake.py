"""Intake's web process is killed (SIGKILL) while clients post documents and retry with their
Idempotency-Keys: a retried POST with the same key creates its work once, and the four services
end with exactly one document per key (issue 13 items 2 and 4)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.faultkit import (
    FaultySystem,
    a_document,
    faulty,  # noqa: F401 - the fixture
    post_with_retries,
    report,
    wait_for_exact_counts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 30  # of 5 tasks: 150 tasks
KILLS_AFTER = (6, 16)  # documents answered before each kill


def test_a_killed_intake_web_process_with_retrying_clients_creates_each_document_once(
    faulty: FaultySystem,  # noqa: F811
) -> None:
    office = faulty.office
    # No source_id: only the Idempotency-Key tells a retry from new work.
    documents = [a_document() for _ in range(DOCUMENTS)]
    keys = [uuid.uuid4().hex for _ in range(DOCUMENTS)]
    answered = threading.Semaphore(0)
    tries: list[int] = []
    downtime: list[float] = []

    def post(index: int) -> list[str]:
        ids, attempts = post_with_retries(faulty.client, office, documents[index], keys[index])
        tries.append(attempts)
        answered.release()
        return ids

    def kill() -> None:
        done = 0
        for target in KILLS_AFTER:
            while done < target:
                answered.acquire()
                done += 1
            began = time.monotonic()
            faulty.cluster.kill("intake-web")
            faulty.cluster.start_web("intake")
            faulty.cluster.wait_ready()
            downtime.append(time.monotonic() - began)

    killer = threading.Thread(target=kill)
    killer.start()
    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(post, range(DOCUMENTS)))
    killer.join()
    task_ids = [t for ids in results for t in ids]
    recovery = wait_for_exact_counts(faulty, task_ids, DOCUMENTS)

    report(
        "intake web killed twice under retrying clients",
        tasks=len(task_ids),
        keys=DOCUMENTS,
        requests_retried=sum(1 for n in tries if n > 1),
        web_down=max(downtime),
        all_four_services_complete_after_the_last_answer=recovery.complete,
    )
    assert len(set(task_ids)) == len(task_ids)
    assert recovery.complete < 45
