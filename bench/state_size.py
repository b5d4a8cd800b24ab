"""The stored state of a task as actions accumulate, and the CPU of one action on it: start,
accept, then `report_progress` N times (each through load + perform, as the workflow does), the
state's size after 0, 10, 50 and 100 progress reports, and the CPU of a load + report_progress
at that point (`time.process_time`, best of five rounds of 50 calls).

Run from the repository root: ``python -m bench.state_size``.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from services.workflow.engine import Engine, ProcessModel

DIAGRAM = Path(__file__).resolve().parent.parent / "bpmn" / "task_lifecycle.bpmn"
MARKS = (0, 10, 50, 100)
CALLS = 50


def measure() -> dict[str, float]:
    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine
    from shared.calendar import WorkingCalendar

    engine = Engine(deadline_functions(WorkingCalendar.default()), cache_size=0)
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    task = {"task_id": "t1", "lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}
    state = engine.start(model, workflow_data(task)).state
    state = engine.perform(engine.load(model, state), "accept", {}).state
    found: dict[str, float] = {}
    for done in range(MARKS[-1] + 1):
        if done in MARKS:
            found[f"kb_after_{done}"] = round(len(state.encode()) / 1024, 1)
            found[f"report_ms_after_{done}"] = _best(engine, model, state)
        state = engine.perform(engine.load(model, state), "report_progress", {"note": "x"}).state
    return found


def _best(engine: Engine, model: ProcessModel, state: str) -> float:
    times = []
    for _ in range(5):
        began = time.process_time()
        for _ in range(CALLS):
            engine.perform(engine.load(model, state), "report_progress", {"note": "x"})
        times.append(time.process_time() - began)
    return round(min(times) / CALLS * 1000, 2)


if __name__ == "__main__":
    print(measure())
