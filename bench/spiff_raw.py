"""Raw workflow-engine rate: task_lifecycle instances started and serialized per second.

Run from the repository root: ``python -m bench.spiff_raw [--seconds 5] [--json]``.
No broker, database or HTTP: this is the ceiling that the service's own work sits on.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

DIAGRAM = Path(__file__).resolve().parent.parent / "bpmn" / "task_lifecycle.bpmn"


def measure(seconds: float) -> float:
    """Start and serialize task_lifecycle instances for `seconds`; return instances per second."""
    return rates(seconds)[0]


def rates(seconds: float) -> tuple[float, float]:
    """Instances per second of wall time, and per second of this process's CPU time (what a
    core would do undisturbed: on a shared machine the wall figure also counts other work)."""
    # Imported here so that importing this module (from the main benchmark) stays cheap.
    from datetime import date

    from services.workflow.deadlines import deadline_functions
    from services.workflow.domain import workflow_data
    from services.workflow.engine import Engine
    from shared.calendar import WorkingCalendar

    engine = Engine(deadline_functions(WorkingCalendar.default()))
    model = engine.parse(DIAGRAM.read_bytes(), "task_lifecycle", 1)
    # Dated tasks, as most are: their deadline timers are armed at start. The data is what the
    # service gives a diagram at release.
    task = {"lead_unit": "SO_TC", "due_on": date(2099, 6, 30), "cadence": None}
    engine.start(model, workflow_data({"task_id": "warm-up", **task}))
    count = 0
    began = time.perf_counter()
    began_cpu = time.process_time()
    deadline = began + seconds
    while time.perf_counter() < deadline:
        engine.start(model, workflow_data({"task_id": f"bench-{count}", **task}))
        count += 1
    cpu = time.process_time() - began_cpu
    return count / (time.perf_counter() - began), count / cpu


def main(argv: list[str] | None = None) -> None:
    args = _arguments().parse_args(argv)
    rate, per_cpu = rates(args.seconds)
    if args.json:
        print(
            json.dumps(
                {
                    "spiff_start_serialize_per_s": round(rate, 1),
                    "spiff_start_serialize_per_cpu_s": round(per_cpu, 1),
                }
            )
        )
    else:
        print(
            f"{rate:.0f} instances/s started and serialized ({args.seconds:g} s); "
            f"{per_cpu:.0f} per CPU second"
        )


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=5.0, help="how long to run (default 5)")
    parser.add_argument("--json", action="store_true", help="print one JSON line")
    return parser


if __name__ == "__main__":
    # Also runnable as `python bench/spiff_raw.py`, where the repository root is not on the path.
    sys.path.insert(0, str(DIAGRAM.parent.parent))
    main()
