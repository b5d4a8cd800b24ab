"""A consumer killed mid-load (SIGKILL) loses nothing and applies nothing twice
(docs/architecture.md, How services talk)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document, stats_for

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 40
KILL_AFTER = 12


def test_killed_consumers_resume_without_losing_or_repeating_an_event(distributed: Client) -> None:
    cluster = distributed.cluster  # type: ignore[attr-defined]
    office = distributed.token("office", "VP_UBND")
    officer = distributed.token("unit_officer", "SO_TC")

    def post(_: int) -> str:
        answer = distributed.call("POST", "/api/intake/documents", office, json=a_document())
        assert answer.status_code == 201, answer.text
        return str(answer.json()["tasks"][0]["id"])

    # Posting from several clients keeps the consumers busy, so the kill lands mid-batch with
    # messages delivered but not yet acknowledged.
    with ThreadPoolExecutor(max_workers=6) as pool:
        task_ids = list(pool.map(post, range(KILL_AFTER)))
        cluster.kill("workflow-worker")
        cluster.kill("notify-worker")
        task_ids += list(pool.map(post, range(KILL_AFTER, DOCUMENTS)))

    cluster.start_worker("workflow")
    cluster.start_worker("notify")

    def all_assigned() -> bool:
        listed = distributed.call("GET", "/api/workflow/tasks?limit=500", officer).json()
        return listed["total"] >= DOCUMENTS

    distributed.wait_for(all_assigned, "every task to be assigned after the restart", 60)
    listed = distributed.call("GET", "/api/workflow/tasks?limit=500", officer).json()
    assert sorted(item["id"] for item in listed["items"]) == sorted(task_ids)

    def inbox_complete() -> bool:
        return distributed.call("GET", "/api/notify/inbox", officer).json()["total"] >= DOCUMENTS

    distributed.wait_for(inbox_complete, "an inbox item per task", 60)
    distributed.wait_for(
        lambda: stats_for(distributed, office, "SO_TC")["total"] >= DOCUMENTS,
        "reporting to count every task",
        60,
    )

    inbox = distributed.call("GET", "/api/notify/inbox?limit=500", officer).json()
    assert inbox["total"] == DOCUMENTS
    assert sorted(item["task_id"] for item in inbox["items"]) == sorted(task_ids)
    totals = stats_for(distributed, office, "SO_TC")
    assert totals["total"] == DOCUMENTS
    assert totals["in_progress_on_time"] == DOCUMENTS
