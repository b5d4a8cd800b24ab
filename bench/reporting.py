"""Reporting's statistics on a million tasks (docs/architecture.md, Benchmarks; issue 6): a
quarter's `GET /api/reporting/stats` over 1,000,000 task_facts rows and 200 units on PostgreSQL;
and the events the read model applies per second (the consumer's applier, its batches, on
PostgreSQL).

The rows are made by a generator and loaded with COPY into a fresh database migrated as in
production; the figure is the median of several calls through the Flask app (routing, auth,
SQL aggregation, JSON), after one warm-up call.

    .venv/bin/python -m bench.reporting [--rows 1000000] [--events 20000]
"""

from __future__ import annotations

import argparse
import random
import statistics
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any

import psycopg

from services.reporting.app import create_app, create_service
from services.reporting.consumer import create_consumer
from shared.applier import Delivery
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import TZ
from shared.clock import FixedClock
from shared.events import encode, make_event

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-secret-0123456789-0123456789-abcdef"
UNITS = [f"U{n:03d}" for n in range(200)]
YEAR_START = date(2026, 1, 1)
COLUMNS = (
    "task_id",
    "document_id",
    "lead_unit",
    "assigned_by",
    "assigned_on",
    "due_on",
    "status",
    "completed_at",
    "completed_on",
    "late_rework",
    "withdrawn_at",
    "updated_at",
    "rework_count",
)


def _rows(count: int, seed: int = 6) -> Iterator[tuple[Any, ...]]:
    """A year of tasks: a fifth undated, most completed, a few withdrawn or reworked."""
    rng = random.Random(seed)
    leaders = ("ubnd_tinh", "chu_tich", "pho_chu_tich")
    for n in range(count):
        assigned = YEAR_START + timedelta(days=rng.randrange(365))
        due = None if rng.random() < 0.2 else assigned + timedelta(days=rng.randrange(5, 90))
        done = rng.random() < 0.7
        completed_at = (
            datetime.combine(assigned, datetime.min.time(), tzinfo=UTC)
            + timedelta(days=rng.randrange(1, 100), hours=3)
            if done
            else None
        )
        withdrawn = rng.random() < 0.02
        yield (
            f"{n:032x}",
            f"{n // 5:032x}",
            rng.choice(UNITS),
            rng.choice(leaders),
            assigned,
            due,
            "completed" if done else "in_progress",
            completed_at,
            completed_at.date() if completed_at else None,
            rng.random() < 0.03,
            completed_at if withdrawn else None,
            datetime(2026, 12, 31, tzinfo=UTC),
            rng.choice((0, 0, 0, 1, 2)),
        )


def _events(count: int) -> Iterator[bytes]:
    """Task lives as the workflow tells them: assigned, accepted, submitted, completed."""
    lives = (("task.assigned", "assigned"), ("task.accepted", "in_progress"))
    lives += (("task.result_submitted", "submitted"), ("task.completed", "completed"))
    for n in range(count):
        task, (event_type, status) = divmod(n, len(lives))[0], lives[n % len(lives)]
        when = datetime(2026, 10, 1, 2, tzinfo=UTC) + timedelta(minutes=n)
        data = {
            "task_id": f"{task:032x}",
            "document_id": f"{task // 5:032x}",
            "status": status,
            "lead_unit": UNITS[task % len(UNITS)],
            "coordinating_units": [],
            "due_on": "2026-12-20",
            "overdue": False,
            "assigned_on": "2026-10-01",
            "assigned_by": "pho_chu_tich",
            "occurred_at": when.isoformat(),
        }
        yield encode(make_event(event_type, data, source="/bench", time=when)).encode()


def measure_event_apply(events: int = 20_000) -> dict[str, Any]:
    """Events applied per second by reporting's consumer, in its batches, on PostgreSQL."""
    with _database() as url:
        env = {"REPORTING_DATABASE_URL": url, "JWT_SECRET": SECRET, "BROKER_URL": "memory://"}
        service = create_service(env, clock=FixedClock(datetime(2027, 1, 15, 9, tzinfo=TZ)))
        service.migrate()
        consumer = create_consumer(service)
        bodies = [Delivery(body, {}) for body in _events(events)]
        size = consumer.batch_size
        started = time.perf_counter()
        for first in range(0, len(bodies), size):
            outcomes = consumer.applier.apply_batch(bodies[first : first + size])
            assert set(outcomes) == {"applied"}, outcomes
        elapsed = time.perf_counter() - started
        service.runtime.platform.stop()
    return {
        "reporting_events_applied": events,
        "reporting_apply_batch": size,
        "reporting_events_applied_per_s": round(events / elapsed, 1),
    }


class _database:
    """A fresh PostgreSQL database for one measurement, dropped afterwards."""

    def __enter__(self) -> str:
        self.name = f"nv_bench_reporting_{uuid.uuid4().hex[:8]}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'CREATE DATABASE "{self.name}"')
        return f"postgresql+psycopg://postgres@127.0.0.1:5432/{self.name}"

    def __exit__(self, *_exc: Any) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


def measure_reporting(
    rows: int = 1_000_000, calls: int = 7, events: int = 20_000
) -> dict[str, Any]:
    applied = measure_event_apply(events)
    name = f"nv_bench_reporting_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    url = f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    try:
        env = {"REPORTING_DATABASE_URL": url, "JWT_SECRET": SECRET, "BROKER_URL": "memory://"}
        service = create_service(env, clock=FixedClock(datetime(2027, 1, 15, 9, tzinfo=TZ)))
        service.migrate()
        started = time.perf_counter()
        with psycopg.connect(url.replace("+psycopg", "")) as conn:
            with conn.cursor().copy(f"COPY task_facts ({', '.join(COLUMNS)}) FROM STDIN") as copy:
                for row in _rows(rows):
                    copy.write_row(row)
            conn.execute("ANALYZE task_facts")
        seeded = time.perf_counter() - started
        with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as conn:
            conn.execute("VACUUM ANALYZE task_facts")  # the visibility map for index-only scans
        client = create_app(service).test_client()
        settings = AuthSettings(
            mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
        )
        token = mint_token(settings, sub="bench", name="bench", unit="VP_UBND", roles=["office"])
        auth = {"Authorization": f"Bearer {token}"}
        timings = []
        for _ in range(calls + 1):
            begin = time.perf_counter()
            answer = client.get("/api/reporting/stats?period=2026-Q4", headers=auth)
            timings.append(time.perf_counter() - begin)
            assert answer.status_code == 200, answer.get_data(as_text=True)
        body = answer.get_json()
        assert len(body["units"]) == len(UNITS)
        service.runtime.platform.stop()
        return {
            "reporting_rows": rows,
            "reporting_seed_s": round(seeded, 1),
            "reporting_stats_quarter_median_s": round(statistics.median(timings[1:]), 4),
            "reporting_stats_quarter_max_s": round(max(timings[1:]), 4),
            "reporting_quarter_tasks": body["totals"]["total"],
            **applied,
        }
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser(prog="bench.reporting")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--events", type=int, default=20_000)
    args = parser.parse_args()
    print(measure_reporting(args.rows, events=args.events))


if __name__ == "__main__":
    main()
