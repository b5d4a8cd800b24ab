"""Intake's web process killed (SIGKILL, master and workers) while clients post documents and
retry with their Idempotency-Keys: every key makes exactly one document, and the workflow assigns
each of their tasks once (issue 13 item 2: the key is claimed in the transaction that does the
work, so no kill can leave the work done without its answer)."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import psutil
import pytest
import requests

from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document
from tests.polling import wait_for

pytestmark = [pytest.mark.e2e, pytest.mark.services]

CLIENTS = 6
PER_CLIENT = 8
KILL_AFTER = 12  # answered documents before the kill


def post_until_answered(client: Client, token: str, key: str, body: dict[str, Any]) -> Any:
    """What a careful client does: the same request, same key, until it gets an answer."""

    def attempt() -> Any:
        answer = client.call(
            "POST", "/api/intake/documents", token, json=body, headers={"Idempotency-Key": key}
        )
        if answer.status_code < 500 and answer.status_code not in (200, 201, 409):
            pytest.fail(f"{answer.status_code}: {answer.text[:300]}")
        return answer if answer.status_code in (200, 201) else None

    return wait_for(
        attempt, 120, "intake to answer", interval=0.2, ignore=(requests.RequestException,)
    )


def kill_with_workers(cluster: Any, name: str) -> None:
    """SIGKILL a gunicorn master and its workers at once, as a crashed machine would."""
    master = psutil.Process(cluster.processes[name].pid)
    workers = master.children(recursive=True)
    for worker in workers:
        worker.kill()
    cluster.kill(name)
    psutil.wait_procs(workers, timeout=10)


def test_a_killed_intake_web_process_and_retried_keys_make_each_document_once(
    distributed: Client,
) -> None:
    cluster = distributed.cluster  # type: ignore[attr-defined]
    office = distributed.token("office", "VP_UBND")
    answered = threading.Semaphore(0)

    def one_client(index: int) -> list[str]:
        ids = []
        for n in range(PER_CLIENT):
            key = f"kill-{index}-{n}-{uuid.uuid4().hex[:8]}"
            body = a_document()
            del body["source_id"]  # without one, only the key tells a retry from a new document
            first = post_until_answered(distributed, office, key, body)
            again = post_until_answered(distributed, office, key, body)
            assert again.json() == first.json()
            assert again.headers.get("Idempotent-Replayed") == "true"
            ids.append(str(first.json()["id"]))
            answered.release()
        return ids

    with ThreadPoolExecutor(max_workers=CLIENTS) as pool:
        futures = [pool.submit(one_client, i) for i in range(CLIENTS)]
        for _ in range(KILL_AFTER):
            assert answered.acquire(timeout=120)
        kill_with_workers(cluster, "intake-web")
        killed_at = time.monotonic()
        time.sleep(1)
        cluster.start_web("intake")
        cluster.wait_ready()
        recovered = time.monotonic() - killed_at
        ids = [document_id for future in futures for document_id in future.result()]

    expected = CLIENTS * PER_CLIENT
    assert len(ids) == len(set(ids)) == expected
    listed = distributed.call("GET", "/api/intake/documents?limit=200", office).json()
    assert listed["total"] == expected, "a retried key made a second document"

    tasks: dict[str, Any] = {}

    def all_assigned() -> bool:
        nonlocal tasks
        tasks = distributed.call("GET", "/api/workflow/tasks?limit=200", office).json()
        return bool(tasks["total"] >= expected)

    wait_for(all_assigned, 90, f"{expected} tasks in the workflow", interval=0.5)
    assert tasks["total"] == expected
    assert len({t["id"] for t in tasks["items"]}) == expected
    print(f"\nintake web killed after {KILL_AFTER} answers, ready again in {recovered:.1f} s")
