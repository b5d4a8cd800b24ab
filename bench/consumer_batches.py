"""CPU per event of notify's and reporting's workers when events come a few at a time, as the
back-to-back actions send them (docs/architecture.md, "Benchmarks").

Each run takes a fresh PostgreSQL database and RabbitMQ vhost (bench/infrastructure.py's), applies
`task.assigned` for the tasks first (not measured), then sends each task's actions' events
(`task.accepted`, then `task.progress_reported`, as `bench/workflow.py`'s clients do) in
batches of `--batch` events, published together on the service's queue, waiting for the
consumer to ack each batch and `--gap-ms` more before the next one.

- Default: the real worker's threads, the service's consumer on RabbitMQ (receive, inbox
  transaction, handlers, ack) and, for notify, its delivery worker woken by each commit (the
  public feed's relay). The figure is this process's CPU less the main thread's (which
  publishes and waits), per event; `postgres` is the CPU of the database's backends.
- `--direct`: no broker in the consumed path: the batches go through the consumer's applier in
  the main thread, and notify's delivery round (the feed's relay, on RabbitMQ) runs after each
  commit that asked for one; `--profile` prints its cProfile.

    python -m bench.consumer_batches [--service notify|reporting] [--batch 1 2 100]
        [--events 400] [--gap-ms 10] [--direct [--profile]]
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psutil
import psycopg
from kombu.messaging import Producer

from bench.infrastructure import PG_ADMIN, _infrastructure
from shared.applier import Delivery
from shared.bus import publish_raw
from shared.events import encode, make_event

UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP"]
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)


def _data(task: int, task_id: str, status: str, action: str, at: datetime) -> dict[str, Any]:
    """What the workflow's task kind announces (services/workflow/kinds/task.py `event`)."""
    unit = UNITS[task % len(UNITS)]
    return {
        "task_id": task_id,
        "document_id": f"{task // 5:032x}",
        "status": status,
        "lead_unit": unit,
        "coordinating_units": [UNITS[(task + 1) % len(UNITS)]],
        "due_on": date(2026, 12, 20),
        "overdue": False,
        "assigned_on": date(2026, 12, 1),
        "assigned_by": "chu_tich",
        "content": f"Rà soát vốn đầu tư công số {task}",
        "action": action,
        "note": "Đã triển khai" if action == "report_progress" else None,
        "actor": None
        if action == "assign"
        else {
            "sub": f"officer-{task}",
            "name": "Nguyễn Văn A",
            "role": "unit_officer",
            "unit": unit,
        },
        "occurred_at": at,
        "submitted_at": None,
        "officer": None,
        "sector": None,
        "handed_units": [],
    }


def _body(event_type: str, data: dict[str, Any]) -> bytes:
    event = make_event(event_type, data, source="/workflow", time=data["occurred_at"])
    return encode(event).encode()


def events(tasks: int) -> tuple[list[bytes], list[bytes]]:
    """The seed (`task.assigned` per task) and the actions' events: every task accepted, then
    every task's progress reported."""
    ids = [uuid.uuid4().hex for _ in range(tasks)]
    seed = [
        _body("task.assigned", _data(n, ids[n], "assigned", "assign", START)) for n in range(tasks)
    ]
    actions: list[bytes] = []
    for step, (event_type, action) in enumerate(
        (("task.accepted", "accept"), ("task.progress_reported", "report_progress"))
    ):
        for n in range(tasks):
            at = START + timedelta(minutes=1 + step, microseconds=n)
            actions.append(_body(event_type, _data(n, ids[n], "in_progress", action, at)))
    return seed, actions


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for first in range(0, len(items), size):
        yield items[first : first + size]


class _Worker:
    """A service's worker threads as `nhiemvu worker <service>` builds them."""

    def __init__(self, name: str, env: dict[str, str]) -> None:
        self.name = name
        if name == "notify":
            from services.notify.app import create_service
            from services.notify.consumer import create_consumer, create_delivery_worker

            self.service = create_service(env)
            self.service.migrate()
            self.consumer = create_consumer(self.service)
            self.delivery: Any = create_delivery_worker(self.service)
        else:
            from services.reporting.app import create_service as create_reporting
            from services.reporting.consumer import create_consumer as reporting_consumer

            self.service = create_reporting(env)
            self.service.migrate()
            self.consumer = reporting_consumer(self.service)
            self.delivery = None
        self.platform = self.service.runtime.platform

    def apply(self, bodies: list[bytes]) -> None:
        outcomes = self.consumer.applier.apply_batch([Delivery(body, {}) for body in bodies])
        assert set(outcomes) == {"applied"}, outcomes

    def feed_round(self) -> None:
        if self.delivery is not None:
            self.delivery.run_round()

    def woken_round(self) -> None:
        """The delivery worker's round if the commit woke it, as its thread would run it."""
        if self.delivery is not None and self.delivery._wake.is_set():
            self.delivery._wake.clear()
            self.delivery.run_round()

    def unpublished(self) -> int:
        if self.delivery is None:
            return 0
        with self.platform.database.read() as conn:
            return int(
                conn.exec_driver_sql(
                    "SELECT count(*) FROM public_feed WHERE published_at IS NULL"
                ).scalar_one()
            )

    def stop(self) -> None:
        if self.delivery is not None:
            self.delivery.stop()
        self.consumer.stop()
        self.platform.stop()


def _backends(database: str) -> list[psutil.Process]:
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
    found = []
    for (pid,) in rows:
        try:
            found.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return found


def _cpu(processes: list[psutil.Process]) -> float:
    total = 0.0
    for process in processes:
        try:
            times = process.cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


def _wait(condition: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the worker did not take the events in time")
        time.sleep(0.002)


class _Acks:
    """Wakes the main thread when the consumer has acked a count (no polling beside it)."""

    def __init__(self, consumer: Any) -> None:
        self.consumer = consumer
        self.changed = threading.Condition()
        progressed = consumer._progressed

        self.batches = 0

        def counted(count: int) -> None:
            progressed(count)
            self.batches += 1
            with self.changed:
                self.changed.notify_all()

        consumer._progressed = counted

    def wait(self, target: int, timeout: float = 60.0) -> None:
        with self.changed:
            if not self.changed.wait_for(lambda: self.consumer.acked >= target, timeout):
                raise TimeoutError("the worker did not take the events in time")


def measure(
    service: str,
    batch: int,
    tasks: int,
    gap_ms: float,
    *,
    rate: float = 0.0,
    direct: bool = False,
    profile: bool = False,
) -> dict[str, Any]:
    seed, actions = events(tasks)
    with _infrastructure() as env:
        worker = _Worker(service, {**env, "LOG_LEVEL": "WARNING"})
        try:
            for chunk in _chunks(seed, 100):
                worker.apply(chunk)
            worker.feed_round()  # the relay's warm-up and the seed's feed, not measured
            worker.feed_round()
            database = env[f"{service.upper()}_DATABASE_URL"].rsplit("/", 1)[1]
            if direct:
                return _direct(worker, actions, batch, gap_ms / 1000, database, profile)
            return _consumed(worker, actions, batch, gap_ms / 1000, rate, database, profile)
        finally:
            worker.stop()


def _direct(
    worker: _Worker, actions: list[bytes], batch: int, gap: float, database: str, profile: bool
) -> dict[str, Any]:
    backends = _backends(database)
    profiler = cProfile.Profile(time.process_time) if profile else None
    pg_before, before = _cpu(backends), time.process_time()
    if profiler is not None:
        profiler.enable()
    for chunk in _chunks(actions, batch):
        worker.apply(chunk)
        worker.woken_round()
        if gap:
            time.sleep(gap)
    if profiler is not None:
        profiler.disable()
    spent, pg = time.process_time() - before, _cpu(backends) - pg_before
    assert worker.unpublished() == 0
    if profiler is not None:
        _print(profiler)
    return _figures(spent, pg, len(actions), -(-len(actions) // batch))


def _print(*profilers: cProfile.Profile) -> None:
    stats = pstats.Stats(profilers[0])
    for more in profilers[1:]:
        stats.add(more)
    stats.sort_stats("cumulative").print_stats(50)
    stats.sort_stats("tottime").print_stats(30)


def _profiled(target: Callable[[], None], profilers: list[cProfile.Profile]) -> Callable[[], None]:
    """`target` run under a profiler of its thread's CPU."""

    def run() -> None:
        profiler = cProfile.Profile(time.thread_time)
        profilers.append(profiler)
        profiler.runcall(target)

    return run


def _consumed(
    worker: _Worker,
    actions: list[bytes],
    batch: int,
    gap: float,
    rate: float,
    database: str,
    profile: bool,
) -> dict[str, Any]:
    consumer = worker.consumer
    profilers: list[cProfile.Profile] = []
    if profile:
        consumer.run = _profiled(consumer.run, profilers)  # type: ignore[method-assign]
        if worker.delivery is not None:
            worker.delivery._run = _profiled(worker.delivery._run, profilers)
    acks = _Acks(consumer)
    consumer.start()
    if worker.delivery is not None:
        worker.delivery.start()
    if not consumer.ready.wait(30):
        raise RuntimeError("the consumer did not connect")
    bus = worker.platform.bus
    queue = bus.topology.queue_name(worker.name)
    with bus.connection(heartbeat=0) as conn:
        producer = Producer(conn.default_channel)
        time.sleep(0.3)  # the delivery worker's first round
        backends = _backends(database)
        main_before, before = time.thread_time(), time.process_time()
        pg_before = _cpu(backends)
        acked = consumer.acked
        if rate:
            # Arrivals at random moments at `rate` per second (a Poisson stream), as many
            # clients acting back to back send them; the consumer batches what it gathers.
            arrival = time.monotonic()
            for body in actions:
                arrival += random.expovariate(rate)
                time.sleep(max(0.0, arrival - time.monotonic()))
                publish_raw(producer, queue, body, {})
            acks.wait(acked + len(actions))
        else:
            for chunk in _chunks(actions, batch):
                for body in chunk:
                    publish_raw(producer, queue, body, {})
                acked += len(chunk)
                acks.wait(acked)
                time.sleep(gap)
        _wait(lambda: worker.unpublished() == 0)
        time.sleep(0.05)
        spent = (time.process_time() - before) - (time.thread_time() - main_before)
        pg = _cpu(backends) - pg_before
    if profilers:
        worker.stop()
        _print(*profilers)
    return _figures(spent, pg, len(actions), acks.batches)


def _figures(spent: float, pg: float, count: int, batches: int) -> dict[str, Any]:
    return {
        "events": count,
        "batches": batches,
        "worker_ms_per_event": round(spent * 1000 / count, 3),
        "postgres_ms_per_event": round(pg * 1000 / count, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.consumer_batches")
    parser.add_argument("--service", choices=("notify", "reporting"), action="append")
    parser.add_argument("--batch", type=int, nargs="+", default=[1, 2, 100])
    parser.add_argument("--events", type=int, default=400, help="action events per run")
    parser.add_argument("--gap-ms", type=float, default=10.0)
    parser.add_argument(
        "--rate", type=float, nargs="*", default=[], help="events/s arriving at random instead"
    )
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--direct", action="store_true")
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    settings = [(1, rate) for rate in args.rate] or [(batch, 0.0) for batch in args.batch]
    for service in args.service or ["notify", "reporting"]:
        for batch, rate in settings:
            runs = [
                measure(
                    service,
                    batch,
                    max(1, args.events // 2),
                    args.gap_ms,
                    rate=rate,
                    direct=args.direct,
                    profile=args.profile,
                )
                for _ in range(args.rounds)
            ]
            worker = statistics.median(r["worker_ms_per_event"] for r in runs)
            pg = statistics.median(r["postgres_ms_per_event"] for r in runs)
            size = statistics.median(r["events"] / max(r["batches"], 1) for r in runs)
            label = f"{rate:g}/s" if rate else f"batch {batch}"
            print(
                f"{service:<10} {label:>10}: worker {worker:.3f} ms/event, "
                f"postgres {pg:.3f} ms/event, {size:.1f} events per batch "
                f"({', '.join(str(r['worker_ms_per_event']) for r in runs)})",
                flush=True,
            )


if __name__ == "__main__":
    main()
