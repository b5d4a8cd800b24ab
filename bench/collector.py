"""The cyclic collector's CPU per action on the real path (`bench.action_path`: accept then
report_progress through the workflow's Flask app on PostgreSQL), with Python's thresholds or,
with ``--settled``, with the heap settled as every process settles it once built
(shared/heap.py): collections per generation, their CPU, and the longest.

Run from the repository root (PostgreSQL on 127.0.0.1): ``python -m bench.collector [--settled]``.
"""

from __future__ import annotations

import gc
import sys
import time
from typing import Any

from bench import action_path
from shared.heap import settle
from tests.integration import workflowkit as wk

SETTLED = "--settled" in sys.argv[1:]


def main() -> None:
    measure, act = action_path._measure, wk.act
    passes: dict[int, list[float]] = {}
    began = [0.0]
    actions = [0]
    acting = [False]

    def timed(phase: str, info: dict[str, Any]) -> None:
        if not acting[0]:
            return  # a pass during the releases before the actions
        if phase == "start":
            began[0] = time.thread_time()
        else:
            passes.setdefault(info["generation"], []).append(time.thread_time() - began[0])

    def counted(*args: Any, **kwargs: Any) -> Any:
        actions[0] += 1
        acting[0] = True
        try:
            return act(*args, **kwargs)
        finally:
            acting[0] = False

    def measured(service: Any) -> str:
        if SETTLED:
            settle()
        gc.callbacks.append(timed)
        try:
            return measure(service)
        finally:
            gc.callbacks.remove(timed)

    wk.act = counted
    try:
        with action_path.workflow_on_postgres("bench-collector") as service:
            print(measured(service))
    finally:
        wk.act = act
    total = sum(sum(times) for times in passes.values())
    longest = max((max(times) for times in passes.values()), default=0.0)
    counts = ", ".join(f"generation {g}: {len(passes[g])}" for g in sorted(passes))
    print(
        f"collector ({'settled' if SETTLED else 'Python defaults'}): {counts or 'no passes'}; "
        f"CPU {total * 1000 / actions[0]:.3f} ms per action ({actions[0]} actions), "
        f"longest pass {longest * 1000:.1f} ms"
    )


if __name__ == "__main__":
    main()
