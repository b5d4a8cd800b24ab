"""CPU time per engine call on task_lifecycle, best of five rounds of 200 calls
(`time.process_time`, so that other processes on the machine weigh less than in wall time):
start (with serialize), load + accept, load + accept + report_progress.

Run from the repository root: ``python -m bench.engine_calls``. ``--once N`` runs, untimed, N
starts and then accept and report_progress on each, the workflows taken from the engine's cache
as the service takes them (``--uncached``: each state read afresh; ``--starts-only``: no
action), for an instruction count that other work on the machine does not move:
``PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no python -m bench.engine_calls --once
150``; two counts' difference over their actions is an action's instructions.
"""

from __future__ import annotations

import gc
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

DIAGRAM = Path(__file__).resolve().parent.parent / "bpmn" / "task_lifecycle.bpmn"
CALLS = 200


def measure() -> dict[str, float]:
    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine
    from shared.calendar import WorkingCalendar

    engine = Engine(deadline_functions(WorkingCalendar.default()))
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    task = {"lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}

    def start() -> None:
        for i in range(CALLS):
            engine.start(model, workflow_data({"task_id": f"t{i}", **task}))

    states = [
        engine.start(model, workflow_data({"task_id": f"t{i}", **task})).state for i in range(CALLS)
    ]

    def accept() -> None:
        for state in states:
            engine.perform(engine.load(model, state), "accept", {})

    def accept_report() -> None:
        for state in states:
            accepted = engine.perform(engine.load(model, state), "accept", {})
            engine.perform(accepted, "report_progress", {"note": "50%"})

    return {
        "start_ms": _best(start),
        "load_accept_ms": _best(accept),
        "load_accept_report_ms": _best(accept_report),
    }


def once(count: int, cached: bool = True, actions: bool = True) -> None:
    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine
    from shared.calendar import WorkingCalendar

    engine = Engine(deadline_functions(WorkingCalendar.default()))
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    task = {"lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}
    gc.collect()  # as a settled service process (shared/heap.py)
    gc.freeze()
    gc.set_threshold(10_000, 20, 20)
    steps = [
        engine.start(model, workflow_data({"task_id": f"t{i}", **task}), key=f"t{i}")
        for i in range(count)
    ]
    for step in steps if actions else []:
        key = step.key if cached else None
        accepted = engine.perform(engine.load(model, step.state, key=key), "accept", {})
        key = accepted.key if cached else None
        loaded = engine.load(model, accepted.state, key=key)
        engine.perform(loaded, "report_progress", {"note": "50%"})


def _best(run: Callable[[], None]) -> float:
    times = []
    for _ in range(5):
        began = time.process_time()
        run()
        times.append(time.process_time() - began)
    return round(min(times) / CALLS * 1000, 2)


if __name__ == "__main__":
    if "--once" in sys.argv:
        once(
            int(sys.argv[sys.argv.index("--once") + 1]),
            cached="--uncached" not in sys.argv,
            actions="--starts-only" not in sys.argv,
        )
    else:
        print(measure())
