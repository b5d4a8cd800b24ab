"""CPU of one event's round trip through the shared event code, in one process, no I/O: a
workflow `task.assigned` made (`UnitOfWork.emit`'s `make_event`), turned into its outbox row's
body (`encode`), into the bytes the relay publishes, and received (`parse_event`); and a
`task.released` received, as the workflow worker does (docs/architecture.md, "Benchmarks").

Run from the repository root: ``python -m bench.event_path`` (``--rounds N``, ``--events N``).
Prints, per stage, the least and the median of the rounds' CPU per event (µs).
"""

from __future__ import annotations

import argparse
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from shared.events import encode, make_event, parse_event

NOW = datetime(2026, 12, 1, 2, 30, 15, 123456, tzinfo=UTC)


def assigned_data(index: int) -> dict[str, Any]:
    """What the workflow's task kind hands `emit` for a task.assigned (kinds/task.py `event`)."""
    return {
        "task_id": uuid.uuid4().hex,
        "document_id": f"{index // 5:032x}",
        "status": "assigned",
        "lead_unit": "SO_TC",
        "coordinating_units": ["SO_XD", "SO_YT"],
        "due_on": date(2026, 12, 20),
        "overdue": False,
        "assigned_on": date(2026, 12, 1),
        "assigned_by": "chu_tich",
        "content": f"Rà soát vốn đầu tư công số {index}",
        "action": "assign",
        "note": None,
        "actor": None,
        "occurred_at": NOW,
        "submitted_at": None,
        "officer": None,
        "sector": None,
        "handed_units": [],
    }


def released_body(index: int, at: datetime = NOW) -> bytes:
    """A `task.released` as intake sends it, released at `at` (also bench/release_path.py's)."""
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": f"{index // 5:032x}",
        "document_number": f"{index}/UBND-KTTC",
        "document_type": "cong_van",
        "assigned_by": "chu_tich",
        "issued_on": "2026-11-30",
        "content": f"Rà soát vốn đầu tư công số {index}",
        "lead_unit": "SO_TC",
        "coordinating_units": ["SO_XD"],
        "due_on": "2026-12-20",
        "cadence": None,
        "released_at": at.isoformat(),
    }
    return encode(make_event("task.released", data, source="/bench", time=at)).encode()


def _timed(run: Callable[[int], Any], count: int) -> float:
    started = time.process_time()
    for index in range(count):
        run(index)
    return (time.process_time() - started) * 1e6 / count


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.event_path")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--events", type=int, default=5000)
    args = parser.parse_args()
    count = args.events
    datas = [assigned_data(i) for i in range(count)]
    made = [
        make_event("task.assigned", d, source="/nhiemvu/workflow", time=NOW, subject="t")
        for d in datas
    ]
    rows = [encode(envelope) for envelope in made]
    published = [row.encode("utf-8") for row in rows]
    released = [released_body(i) for i in range(count)]
    stages: dict[str, Callable[[int], Any]] = {
        "make_event (task.assigned)": lambda i: make_event(
            "task.assigned",
            datas[i],
            source="/nhiemvu/workflow",
            time=NOW,
            subject="t",
            correlation_id="c0ffee",
        ),
        "outbox body (encode)": lambda i: encode(made[i]),
        "publish bytes": lambda i: rows[i].encode("utf-8"),
        "parse_event (task.assigned)": lambda i: parse_event(published[i]),
        "parse_event (task.released)": lambda i: parse_event(released[i]),
    }
    results: dict[str, list[float]] = {name: [] for name in stages}
    for _ in range(args.rounds):
        for name, run in stages.items():
            results[name].append(_timed(run, count))
    total = 0.0
    for name, spent in results.items():
        spent.sort()
        median = spent[len(spent) // 2]
        if name != "parse_event (task.released)":
            total += median
        print(f"{name:32} min {spent[0]:7.1f} µs, median {median:7.1f} µs")
    print(f"{'round trip (make → parse)':32} median {total:7.1f} µs")


if __name__ == "__main__":
    main()
