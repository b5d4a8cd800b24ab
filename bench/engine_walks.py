"""CPU of load + report_progress on cached task instances (the action path's engine work), in one
process, alternating chunks with the engine's replacements of Spiff's walks below a task
(engine/subtrees.py) on and off
(ABBA), so that the machine's load weighs on both alike. Prints each side's median and least.

Run from the repository root: ``python -m bench.engine_walks [rounds]``.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

DIAGRAM = Path(__file__).resolve().parent.parent / "bpmn" / "task_lifecycle.bpmn"
INSTANCES = 100


def measure(rounds: int = 30) -> dict[str, float]:
    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine, subtrees
    from shared.calendar import WorkingCalendar

    def on() -> None:
        subtrees.install()

    def off() -> None:
        subtrees.uninstall()

    engine = Engine(deadline_functions(WorkingCalendar.default()))
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    task = {"lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}
    steps = []
    for i in range(INSTANCES):
        step = engine.start(model, workflow_data({"task_id": f"t{i}", **task}), key=f"t{i}")
        steps.append(engine.perform(engine.load(model, step.state, key=f"t{i}"), "accept", {}))

    def run() -> float:
        began = time.process_time()
        for i, step in enumerate(steps):
            loaded = engine.load(model, step.state, key=f"t{i}")
            steps[i] = engine.perform(loaded, "report_progress", {"note": "50%"})
        return (time.process_time() - began) / INSTANCES * 1000

    run()
    times: dict[str, list[float]] = {"on": [], "off": []}
    for turn in range(rounds):
        for side in ("on", "off") if turn % 2 == 0 else ("off", "on"):
            (on if side == "on" else off)()
            times[side].append(run())
    on()
    return {
        f"{side}_{kind}_ms": round(pick(values), 3)
        for side, values in times.items()
        for kind, pick in (("median", statistics.median), ("least", min))
    }


if __name__ == "__main__":
    print(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 30))
