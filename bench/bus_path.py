"""CPU per event of the bus's own share, on PostgreSQL and RabbitMQ, in one process: the outbox
relay publishing `task.assigned` rows (take, publish, wait for the confirms, commit), and a
service's consumer receiving them (deliver, read, ack) with its applier replaced by one that
only parses each event (`parse_event`), so the database work of handlers is left out.

Run from the repository root (PostgreSQL and RabbitMQ on 127.0.0.1): ``python -m bench.bus_path``
(``--events N``, ``--rounds N``, ``--profile`` (CPU time, not the waits for the servers);
``--batch N`` writes the rows N at a time and runs a relay round after each write, as a web
process's relay meets an action's event).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import threading
import time
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import psutil
import psycopg
from sqlalchemy import insert

from bench.event_path import assigned_data
from shared.applier import Delivery
from shared.events import encode, make_event, parse_event
from shared.topology import SUBSCRIPTIONS
from tests.integration.buskit import TinyService

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
NOW = datetime(2026, 12, 1, 2, 30, tzinfo=UTC)


def _rabbitmq_cpu() -> float:
    """CPU seconds of the RabbitMQ server (`beam.smp`), whatever else uses it; 0 if not here."""
    total = 0.0
    for process in psutil.process_iter(["name"]):
        if process.info["name"] == "beam.smp":
            times = process.cpu_times()
            total += times.user + times.system
    return total


def _parse_only(deliveries: Sequence[Delivery]) -> list[str]:
    return ["applied" for delivery in deliveries if parse_event(delivery.body)]


def measure(service: TinyService, events: int, profile: bool, batch: int = 0) -> tuple[float, ...]:
    """CPU per event (µs) of the relay, of RabbitMQ while relaying, of the consumer and of
    RabbitMQ while consumed. With `batch`, the rows are written `batch` at a time and the relay
    runs a round after each write (an action's event or two, as a web process's relay sees them
    after each commit); otherwise all at once, and the relay takes them in full batches."""
    platform = service.platform
    rows = []
    for index in range(events):
        envelope = make_event(
            "task.assigned", assigned_data(index), source="/bench", time=NOW, subject="t"
        )
        rows.append(
            {
                "event_id": envelope["id"],
                "event_type": envelope["type"],
                "body": encode(envelope),
                "created_at": NOW,
            }
        )
    relay_cpu = relay_broker = 0.0
    chunks = [rows[i : i + batch] for i in range(0, events, batch)] if batch else [rows]
    profiler = cProfile.Profile(time.process_time) if profile else None
    for chunk in chunks:
        with platform.database.engine.begin() as conn:
            conn.execute(insert(platform.tables.outbox), chunk)
        if profiler:
            profiler.enable()
        started, broker = time.process_time(), _rabbitmq_cpu() if not batch else 0.0
        published = 0
        while published < len(chunk):
            published += platform.relay.publish_pending()
        relay_cpu += time.process_time() - started
        if not batch:
            relay_broker += _rabbitmq_cpu() - broker
        if profiler:
            profiler.disable()
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)

    consumer = service.consumer
    consumer.applier.apply_batch = _parse_only  # type: ignore[method-assign]
    consumer._stop.clear()
    base = consumer.acked

    def stop_when_done() -> None:
        while consumer.acked - base < events:
            time.sleep(0.01)
        consumer._stop.set()

    watcher = threading.Thread(target=stop_when_done)
    watcher.start()
    profiler = cProfile.Profile(time.process_time) if profile else None
    if profiler:
        profiler.enable()
    started, broker = time.process_time(), _rabbitmq_cpu()
    consumer._consume()
    consume_cpu = time.process_time() - started
    consume_broker = _rabbitmq_cpu() - broker
    if profiler:
        profiler.disable()
        pstats.Stats(profiler).sort_stats("tottime").print_stats(25)
    watcher.join()
    return tuple(
        cpu * 1e6 / events for cpu in (relay_cpu, relay_broker, consume_cpu, consume_broker)
    )


def _delete_topology(service: TinyService) -> None:
    """Delete the run's queues and exchanges: a quorum queue left behind costs the broker."""
    bus = service.platform.bus
    topology = bus.topology
    with bus.connection(heartbeat=0) as conn:
        channel = conn.default_channel
        for name in SUBSCRIPTIONS:
            channel.queue_delete(topology.queue_name(name))
            channel.queue_delete(topology.dead_letter_queue_name(name))
            for delay in topology.retry_delays:
                channel.queue_delete(topology.retry_queue_name(name, delay))
        channel.exchange_delete(topology.exchange_name)
        channel.exchange_delete(topology.public_exchange_name)


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.bus_path")
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--batch",
        type=int,
        default=0,
        help="write the rows this many at a time, a relay round after each (RabbitMQ's CPU "
        "while relaying is then not measured: 0)",
    )
    args = parser.parse_args()
    name = f"nv_bench_bus_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    service: Any = None
    try:
        env = {
            "NOTIFY_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
            "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
            "BUS_NAMESPACE": f"bench-{uuid.uuid4().hex[:8]}",
            "LOG_LEVEL": "WARNING",
        }
        service = TinyService(env)
        measure(service, 200, False)  # connect, declare, warm up
        runs = [measure(service, args.events, args.profile, args.batch) for _ in range(args.rounds)]
        names = (
            "relay",
            "RabbitMQ while relaying",
            "consumer (parse only)",
            "RabbitMQ while consumed",
        )
        shown = []
        for name, figures in zip(names, zip(*runs, strict=True), strict=True):
            ordered = sorted(figures)
            shown.append(f"{name} {ordered[len(ordered) // 2]:.1f} (min {ordered[0]:.1f})")
        print(
            f"CPU per event (µs), medians of {args.rounds} rounds of {args.events}: "
            + "; ".join(shown)
        )
    finally:
        if service is not None:
            service.platform.relay.stop()
            _delete_topology(service)
            service.platform.database.dispose()
        with psycopg.connect(ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


if __name__ == "__main__":
    main()
