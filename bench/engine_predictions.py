"""CPU time per action on task_lifecycle (load from the cache + perform: accept, then
report_progress), with Spiff's own predictions and with the laid-out ones
(services/workflow/engine/predict.py) in alternating blocks of one process, so that both meet
the same load on a busy machine: the medians of each and of their paired ratios.

Run from the repository root: ``python -m bench.engine_predictions [rounds]`` (60 by default).
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date
from pathlib import Path

DIAGRAM = Path(__file__).resolve().parent.parent / "bpmn" / "task_lifecycle.bpmn"
BLOCK = 40


def main() -> None:
    from SpiffWorkflow.specs.base import TaskSpec

    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine, predict
    from shared.calendar import WorkingCalendar

    engine = Engine(deadline_functions(WorkingCalendar.default()))
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    task = {"lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}
    blocks = iter(range(1_000_000))

    def block() -> float:
        n = next(blocks)
        steps = [
            engine.start(model, workflow_data({"task_id": f"t{n}-{i}", **task}), key=f"{n}-{i}")
            for i in range(BLOCK)
        ]
        began = time.process_time()
        for step in steps:
            accepted = engine.perform(engine.load(model, step.state, key=step.key), "accept", {})
            loaded = engine.load(model, accepted.state, key=accepted.key)
            engine.perform(loaded, "report_progress", {"note": "50%"})
        return (time.process_time() - began) / (2 * BLOCK) * 1000

    ways = {"spiff": predict._spiffs, "laid_out": predict._predict}
    times: dict[str, list[float]] = {name: [] for name in ways}
    block(), block()  # the layouts remembered, the caches warm
    for _round in range(int(sys.argv[1]) if len(sys.argv) > 1 else 60):
        for name, way in ways.items():
            TaskSpec._predict = way
            times[name].append(block())
    TaskSpec._predict = predict._predict
    ratio = statistics.median(b / a for a, b in zip(times["spiff"], times["laid_out"], strict=True))
    print(
        f"ms per action: spiff {statistics.median(times['spiff']):.3f}, laid out "
        f"{statistics.median(times['laid_out']):.3f}; paired ratio {ratio:.3f}"
    )


if __name__ == "__main__":
    main()
