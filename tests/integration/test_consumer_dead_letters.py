"""Operators' tools for a consumer, through the `nhiemvu` command against a real RabbitMQ:
`dead-letters list` and `dead-letters replay` after a fix, and `worker-health`, which fails while
a consumer is stuck with messages waiting."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.consumer import REASON_HEADER
from shared.deadletters import list_dead_letters
from shared.worker_health import WorkerMonitor
from tests.integration.buskit import SERVICE, TinyService, unit_event
from tests.polling import wait_for

pytestmark = pytest.mark.services

NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")


@pytest.fixture
def service(tmp_path: Path, bus_namespace: str, rabbit_url: str) -> Iterator[TinyService]:
    env = {
        "DATA_DIR": str(tmp_path),
        "BUS_NAMESPACE": bus_namespace,
        "BROKER_URL": rabbit_url,
        "BUS_RETRY_DELAYS": "1",
    }
    tiny = TinyService(env)
    tiny.env = env  # type: ignore[attr-defined]
    yield tiny.start(relay=False)
    tiny.stop()


def nhiemvu(service: TinyService, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "BROKER_URL": service.env["BROKER_URL"],  # type: ignore[attr-defined]
        "BUS_NAMESPACE": service.env["BUS_NAMESPACE"],  # type: ignore[attr-defined]
        **env,
    }
    return subprocess.run(
        [NHIEMVU, *args], env=environment, capture_output=True, text=True, timeout=60
    )


def listed(service: TinyService) -> list[dict[str, Any]]:
    result = nhiemvu(service, "dead-letters", "list", SERVICE, "--json")
    assert result.returncode == 0, result.stderr
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_dead_letters_are_listed_without_being_removed_and_replayed_after_a_fix(
    service: TinyService,
) -> None:
    broken = [unit_event(f"sua-sau-{n}") for n in range(3)]
    for envelope in broken:
        service.fail_times[envelope["data"]["code"]] = 1_000
    service.publish(*broken)
    service.publish_to_queue(b"not an event at all")
    bus = service.platform.bus
    wait_for(lambda: len(list_dead_letters(bus, SERVICE)) == 4, 15, "four dead letters")

    first = listed(service)
    assert listed(service) == first  # listing removes nothing, twice over
    by_id = {item["id"]: item for item in first}
    assert set(by_id) >= {e["id"] for e in broken}
    for envelope in broken:
        item = by_id[envelope["id"]]
        assert item["type"] == "unit.updated"
        assert "handler failed 2 times" in item["reason"] and item["dead_at"]
    [malformed] = [item for item in first if item["type"] == "?"]
    assert malformed["id"].startswith("sha256:") and "malformed" in malformed["reason"]
    text = nhiemvu(service, "dead-letters", "list", SERVICE)
    assert broken[0]["id"] in text.stdout and "4" in text.stderr

    service.fail_times.clear()  # the fix
    one = nhiemvu(service, "dead-letters", "replay", SERVICE, "--id", broken[0]["id"])
    assert one.returncode == 0, one.stderr
    service.wait_applied("sua-sau-0")
    assert {item["id"] for item in listed(service)} == set(by_id) - {broken[0]["id"]}

    unknown = nhiemvu(service, "dead-letters", "replay", SERVICE, "--id", "khong-co")
    assert unknown.returncode == 1 and "not found: khong-co" in unknown.stderr

    everything = nhiemvu(service, "dead-letters", "replay", SERVICE, "--all")
    assert everything.returncode == 0, everything.stderr
    service.wait_applied("sua-sau-1")
    service.wait_applied("sua-sau-2")
    # What is still unreadable comes back to the dead letters; the rest was applied once.
    wait_for(lambda: [i["id"] for i in listed(service)] == [malformed["id"]], 10, "the rest")
    assert [service.applied_count(f"sua-sau-{n}") for n in range(3)] == [1, 1, 1]
    [again] = list_dead_letters(bus, SERVICE)
    assert "malformed" in again.headers[REASON_HEADER]


def test_worker_health_fails_while_the_consumer_is_stuck_with_messages_waiting(
    service: TinyService, tmp_path: Path
) -> None:
    status_dir = tmp_path / "status"
    env = {"WORKER_STATUS_DIR": str(status_dir), "WORKER_STALL_SECONDS": "1"}
    monitor = WorkerMonitor(service.platform, service.consumer, env=env)

    def health() -> subprocess.CompletedProcess[str]:
        return nhiemvu(service, "worker-health", SERVICE, **env)

    assert health().returncode == 1  # no worker has reported yet
    monitor.run_round()
    ok = health()
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert json.loads(ok.stdout)["consumer"]["delivery_limit"] is True

    stuck = threading.Event()
    release = threading.Event()

    def block(_uow: Any, _event: Any) -> None:
        stuck.set()
        release.wait(30)

    service.on_handle = block
    try:
        service.publish(*(unit_event(f"cho-{n}") for n in range(100)))
        assert stuck.wait(10)

        def reported_stuck() -> bool:
            monitor.run_round()
            return health().returncode == 1

        wait_for(reported_stuck, 40, f"the stuck consumer to be reported: {monitor.status()}")
        status = json.loads(health().stdout)
        assert status["healthy"] is False
        assert "no progress" in status["problems"][0] and status["queue"]["ready"] > 0
    finally:
        release.set()
    service.on_handle = None
    service.wait_applied("cho-99", timeout=20)

    def recovered() -> bool:
        monitor.run_round()
        return health().returncode == 0

    wait_for(recovered, 40, "the worker to be healthy again")
    monitor.stop()  # a stopped worker removes its status: unhealthy again
    assert health().returncode == 1
