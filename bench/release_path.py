"""CPU per released task in the workflow's consumer, in one process on PostgreSQL: batches of
`task.released` through the consumer's applier (inbox, start, history, audit, outbox, commit),
as the workflow worker applies them (`time.process_time`), and a cProfile of the same.

Run from the repository root (PostgreSQL on 127.0.0.1): ``python -m bench.release_path``
(``--rounds N``, ``--batch N``, ``--profile``; ``--tuned``: with the worker's collector settings,
shared/heap.py `settle`). Also prints the CPU the cyclic collector took and, per released task,
the CPU of the database's PostgreSQL backends over the measured batches (bench/cpu.py).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import pstats
import time
from typing import Any

from bench.action_path import ADMIN, workflow_on_postgres
from bench.cpu import CpuMeter
from bench.event_path import released_body
from shared.applier import Delivery
from shared.heap import settle
from tests.integration import workflowkit as wk


def release_body(index: int) -> bytes:
    return released_body(index, wk.NOW)


def measure(service: Any, rounds: int, batch: int, profile: bool, tuned: bool) -> None:
    applier = service.consumer.applier
    if tuned:
        settle()
    collecting = [0.0, 0.0]

    def collector(phase: str, _info: dict[str, Any]) -> None:
        if phase == "start":
            collecting[1] = time.process_time()
        else:
            collecting[0] += time.process_time() - collecting[1]

    # Warm up: the first batch reads the process model and the unit directory.
    assert set(applier.apply_batch([Delivery(release_body(i), {}) for i in range(batch)])) == {
        "applied"
    }
    per_task: list[float] = []
    database = service.runtime.platform.database.engine.url.database
    meter = CpuMeter({}, {"workflow": database}, ADMIN)
    backends_before = _backend_seconds(meter)
    gc.callbacks.append(collector)
    # The profile counts CPU (a wait on the database is not the process's work).
    profiler = cProfile.Profile(time.process_time) if profile else None
    for _ in range(rounds):
        chunk = [Delivery(release_body(i), {}) for i in range(batch)]
        if profiler:
            profiler.enable()
        started = time.process_time()
        outcomes = applier.apply_batch(chunk)
        spent = time.process_time() - started
        if profiler:
            profiler.disable()
        assert set(outcomes) == {"applied"}, outcomes
        per_task.append(spent * 1000 / batch)
    gc.callbacks.remove(collector)
    backends = (_backend_seconds(meter) - backends_before) * 1000 / (rounds * batch)
    per_task.sort()
    print(
        f"CPU per released task (ms), {rounds} batches of {batch}{' (tuned)' if tuned else ''}: "
        f"min {per_task[0]:.3f}, median {per_task[len(per_task) // 2]:.3f}; "
        f"the collector {collecting[0] * 1000 / (rounds * batch):.3f}; "
        f"the database's PostgreSQL backends {backends:.3f}"
    )
    if profiler:
        stats = pstats.Stats(profiler)
        stats.sort_stats("cumulative").print_stats(45)
        stats.sort_stats("tottime").print_stats(30)


def _backend_seconds(meter: CpuMeter) -> float:
    return sum(s for (name, _pid), s in meter.snapshot().items() if name == "postgres:workflow")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--tuned", action="store_true")
    args = parser.parse_args()
    with workflow_on_postgres("bench-release") as service:
        measure(service, args.rounds, args.batch, args.profile, args.tuned)


if __name__ == "__main__":
    main()
