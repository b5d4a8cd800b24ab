"""Malformed messages and a poison header on the workflow's queue: each is dead-lettered with its
reason (logged at error level with its id and type), the workflow consumes everything after them,
the four services hold exactly the work posted, `nhiemvu dead-letters list` shows them and
`nhiemvu worker-health` stays healthy (issue 13 items 1 and 4; issue 12 item 2)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from shared.clock import SystemClock
from shared.consumer import ATTEMPT_HEADER
from shared.events import encode, make_event
from tests.e2e.faultkit import (
    FaultySystem,
    a_document,
    faulty,  # noqa: F401 - the fixture
    post_with_retries,
    report,
    wait_for_exact_counts,
)
from tests.integration.buskit import raw_publish

pytestmark = [pytest.mark.e2e, pytest.mark.services]

DOCUMENTS = 20  # of 5 tasks: 100 tasks after the poison
NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
CE = "application/cloudevents+json"


def unit_event() -> dict[str, Any]:
    data = {"code": "SO_DOC", "name": "Sở Độc", "kind": "department", "active": True}
    return make_event("unit.updated", data, source="/tests", time=SystemClock().now())


def nhiemvu(*args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {"PATH": os.environ.get("PATH", ""), **env}
    return subprocess.run(
        [NHIEMVU, *args], env=environment, capture_output=True, text=True, timeout=60
    )


def test_malformed_messages_and_a_poison_header_do_not_stop_the_workflow(
    faulty: FaultySystem,  # noqa: F811
) -> None:
    poison = unit_event()
    no_type = unit_event()
    bad_attempt = {"content_type": CE, "application_headers": {ATTEMPT_HEADER: "x"}}
    messages = [
        (b"\x00\x01 not a CloudEvent", {"content_type": CE}),
        (b'{"specversion": "1.0", "type": "task.released"}', {"content_type": CE}),
        (encode(poison).encode(), bad_attempt),
        (encode(no_type).encode(), {}),
    ]
    began = time.monotonic()
    for body, properties in messages:
        raw_publish(faulty.broker_url, "nhiemvu.workflow", body, **properties)

    office = faulty.office
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = pool.map(
            lambda _: post_with_retries(faulty.client, office, a_document(), uuid.uuid4().hex)[0],
            range(DOCUMENTS),
        )
        task_ids = [t for ids in results for t in ids]
    recovery = wait_for_exact_counts(faulty, task_ids, DOCUMENTS)

    listed = nhiemvu("dead-letters", "list", "workflow", "--json", BROKER_URL=faulty.broker_url)
    assert listed.returncode == 0, listed.stderr
    letters = [json.loads(line) for line in listed.stdout.splitlines()]
    assert len(letters) == len(messages)
    by_id = {letter["id"]: letter for letter in letters}
    assert "x-nhiemvu-attempt" in by_id[poison["id"]]["reason"]
    assert "no content type" in by_id[no_type["id"]]["reason"]
    assert sum("malformed" in letter["reason"] for letter in letters) == 3

    logged = [
        r
        for r in faulty.client.log_records()
        if r.get("process") == "workflow-worker" and r.get("level") == "ERROR"
    ]
    dead_lines = [r for r in logged if "dead-lettered event" in r.get("message", "")]
    assert len(dead_lines) == len(messages)
    assert {r.get("event_id") for r in dead_lines} >= {poison["id"], no_type["id"]}

    def health() -> dict[str, Any]:
        result = nhiemvu("worker-health", "workflow", WORKER_STATUS_DIR=str(faulty.status_dir))
        assert result.returncode == 0, result.stdout + result.stderr
        return dict(json.loads(result.stdout.splitlines()[0]))

    status = faulty.client.wait_for(
        lambda: (s := health())["consumer"]["dead_lettered"] == len(messages) and s,
        "the worker's status to count the dead letters",
        20,
    )
    assert status["queue"]["dead_letters"] == len(messages)
    report(
        "malformed messages and a poison header",
        dead_lettered=len(letters),
        tasks_after_them=len(task_ids),
        all_four_services_complete_after=time.monotonic() - began - 1.5,
        after_the_last_answer=recovery.complete,
    )
