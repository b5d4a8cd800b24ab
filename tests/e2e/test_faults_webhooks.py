"""An agency's webhook receiver is down while tasks are released, then comes back: its waiting
deliveries go out within seconds (one success brings the others forward; a waiting subscription
is probed every few seconds), each once, and the four services hold exactly the work posted
(issue 13, items 3 and 4)."""

from __future__ import annotations

import json
import statistics
import time
import uuid
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.faultkit import (
    FaultySystem,
    Receiver,
    a_document,
    faulty,  # noqa: F401 - the fixture
    post_with_retries,
    report,
    wait_for_exact_counts,
)

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 20  # of 5 tasks: 100 tasks, 100 webhook deliveries
DOWN_SECONDS = 25.0  # long enough for back-offs of 10 s, 20 s, 40 s to build up


@pytest.fixture()
def cluster_env() -> dict[str, str]:
    # Production refuses plain-http loopback webhook URLs; this flag widens that one rule.
    return {"WEBHOOK_ALLOW_LOOPBACK": "1"}


def test_a_receiver_down_then_up_gets_its_backlog_promptly_and_once(
    faulty: FaultySystem,  # noqa: F811
) -> None:
    client = faulty.client
    agency = client.token("agency", "BO_KHCN")
    receiver = Receiver()  # down: connections are refused
    subscription = {
        "url": receiver.url,
        "event_types": ["task.assigned"],
        "secret": "agency-hook-secret-0123456789",
    }
    answer = client.call("POST", "/api/notify/subscriptions", agency, json=subscription)
    assert answer.status_code == 201, answer.text

    office = faulty.office
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(
            lambda _: post_with_retries(client, office, a_document(), uuid.uuid4().hex)[0],
            range(DOCUMENTS),
        )
        task_ids = [t for ids in results for t in ids]

    def deliveries() -> list[dict[str, Any]]:
        found = client.call("GET", "/api/notify/deliveries?limit=500", agency).json()
        return list(found["items"])

    client.wait_for(
        lambda: len(rows := deliveries()) == len(task_ids) and all(r["attempts"] for r in rows),
        "every delivery to have failed once",
        60,
    )
    time.sleep(DOWN_SECONDS)
    waiting = deliveries()
    assert all(d["status"] == "pending" for d in waiting)
    attempts = Counter(d["attempts"] for d in waiting)

    receiver.up()
    up_at = time.monotonic()
    try:
        client.wait_for(
            lambda: all(d["status"] == "delivered" for d in deliveries()),
            "every waiting delivery to go out",
            60,
        )
    finally:
        receiver.down()
    arrivals = sorted(at - up_at for at, _ in receiver.received)
    recovery = wait_for_exact_counts(faulty, task_ids, DOCUMENTS)

    events = [json.loads(body) for _, body in receiver.received]
    assert sorted(e["data"]["task_id"] for e in events) == sorted(task_ids)  # each once
    assert len({e["id"] for e in events}) == len(task_ids)
    p50, p99 = statistics.median(arrivals), arrivals[int(len(arrivals) * 0.99) - 1]
    report(
        "webhook receiver down then up",
        deliveries=len(events),
        attempts_while_down=dict(sorted(attempts.items())),
        down=DOWN_SECONDS,
        first_after_up=arrivals[0],
        p50_after_up=p50,
        p99_after_up=p99,
        max_after_up=arrivals[-1],
    )
    assert max(attempts) >= 2, "the back-off never grew: the test proves nothing"
    assert arrivals[-1] < 20, f"the backlog took {arrivals[-1]:.1f}s after the receiver was up"
    assert recovery.complete < 30
