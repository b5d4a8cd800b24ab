"""Exactly once per recipient and channel with notify's worker SIGKILLed mid-send (issue 5).

The cluster runs in production mode, where webhook URLs must be public https: a receiver on
127.0.0.1 would be refused. WEBHOOK_ALLOW_LOOPBACK=1 widens that one rule (plain-http loopback
only, nothing private); everything else stays production. A short lease (3 s) lets the row the
killed worker had claimed be retried within the test instead of after the default 80 s.

The receiver holds its answer to one request until the worker has been killed, so the crash
lands exactly between "sent" and "recorded as delivered": the one window in which a webhook is
sent twice (same CloudEvent id). Inbox items have no such window: they are written in the
transaction that records the event as applied.
"""

from __future__ import annotations

import hashlib
import hmac
import http.server
import json
import threading
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.e2e.conftest import Client, free_port
from tests.e2e.journeykit import a_document

pytestmark = [pytest.mark.e2e, pytest.mark.services]

TASKS = 20
HELD_AT = 6  # the receiver holds its answer to this request until the worker is dead
HOOK_SECRET = "agency-e2e-hook-secret-0123456789"


@pytest.fixture()
def cluster_env() -> dict[str, str]:
    return {
        "WEBHOOK_ALLOW_LOOPBACK": "1",
        "WEBHOOK_TIMEOUT_SECONDS": "2",
        "DELIVERY_LEASE_SECONDS": "3",
    }


class HoldingReceiver:
    """Records every POST on arrival; answers the `HELD_AT`-th only once `release()` is called."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.held = threading.Event()
        self._release = threading.Event()
        self._lock = threading.Lock()
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append((dict(self.headers), body))
                    hold = len(receiver.received) == HELD_AT
                if hold:
                    receiver.held.set()
                    receiver._release.wait(60)
                try:
                    self.send_response(200)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                except OSError:  # the sender was killed while we held its request
                    pass

            def log_message(self, *_args: Any) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def release(self) -> None:
        self._release.set()

    def close(self) -> None:
        self.release()
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture()
def receiver() -> Iterator[HoldingReceiver]:
    running = HoldingReceiver()
    yield running
    running.close()


def signed_correctly(headers: dict[str, str], body: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["X-Nhiemvu-Signature"].split(","))
    expected = hmac.new(HOOK_SECRET.encode(), parts["t"].encode() + b"." + body, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], expected.hexdigest())


def test_a_worker_killed_between_sending_and_recording_a_webhook_repeats_only_that_delivery(
    distributed: Client, receiver: HoldingReceiver
) -> None:
    cluster = distributed.cluster  # type: ignore[attr-defined]
    office = distributed.token("office", "VP_UBND")
    agency = distributed.token("agency", "BO_KHCN")
    subscription = {"url": receiver.url, "event_types": ["task.assigned"], "secret": HOOK_SECRET}
    answer = distributed.call("POST", "/api/notify/subscriptions", agency, json=subscription)
    assert answer.status_code == 201, answer.text

    def release(_: int) -> str:
        answer = distributed.call("POST", "/api/intake/documents", office, json=a_document())
        assert answer.status_code == 201, answer.text
        return str(answer.json()["tasks"][0]["id"])

    with ThreadPoolExecutor(max_workers=4) as pool:
        task_ids = list(pool.map(release, range(TASKS)))
    assert receiver.held.wait(60), "the worker never sent the held delivery"
    cluster.kill("notify-worker")  # the held request is sent, its outcome never recorded
    receiver.release()
    held_event = json.loads(receiver.received[HELD_AT - 1][1])["id"]
    cluster.start_worker("notify")

    def deliveries() -> list[dict[str, Any]]:
        answer = distributed.call("GET", "/api/notify/deliveries?limit=500", agency)
        return list(answer.json()["items"])

    distributed.wait_for(
        lambda: (
            len(deliveries()) == TASKS and all(d["status"] == "delivered" for d in deliveries())
        ),
        "every webhook delivery to be recorded as delivered",
        90,
    )

    assert all(signed_correctly(headers, body) for headers, body in receiver.received)
    events = [json.loads(body) for _, body in receiver.received]
    assert sorted({e["data"]["task_id"] for e in events}) == sorted(task_ids)
    assert {e["type"] for e in events} == {"task.assigned"}
    # A repeat carries the same CloudEvent id: one id per task, seen at most twice.
    ids_per_task = {e["data"]["task_id"]: set() for e in events}
    for event in events:
        ids_per_task[event["data"]["task_id"]].add(event["id"])
    assert all(len(ids) == 1 for ids in ids_per_task.values())
    seen = Counter(e["id"] for e in events)
    assert max(seen.values()) <= 2
    assert seen[held_event] == 2  # the crash window was hit, and only that delivery repeated
    assert [i for i, n in seen.items() if n == 2] == [held_event]
    attempts = {d["event_id"]: d["attempts"] for d in deliveries()}
    assert attempts[held_event] == 2

    for unit in ("SO_TC", "SO_XD"):  # lead and coordinating unit: one inbox item per task each
        officer = distributed.token("unit_officer", unit)
        inbox = distributed.call("GET", "/api/notify/inbox?limit=500", officer).json()
        assert inbox["total"] == TASKS
        assert sorted(item["task_id"] for item in inbox["items"]) == sorted(task_ids)
        assert {item["event_type"] for item in inbox["items"]} == {"task.assigned"}
