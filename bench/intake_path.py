"""CPU per released task in intake's web process, in one process on PostgreSQL: documents of
20 tasks POSTed with `release: true` through intake's Flask app (receive, release, audit,
outbox, commit), as `make bench`'s release burst sends them (`time.process_time`), the SQL
statements one such request makes, and on `-p` a cProfile of the same.

Run from the repository root (PostgreSQL on 127.0.0.1): ``python -m bench.intake_path``
(``--documents N``, ``--tasks N``, ``--rounds N``; ``-v`` lists the statements of one request,
``-p`` the profile's functions; ``--relay`` runs the outbox relay on RabbitMQ too, as the web
process does, and waits for each round's events to be published).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import tempfile
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg

from bench.action_path import statements_during
from bench.cpu import CpuMeter
from services.intake.app import create_app, create_service
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import local_date

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
SECRET = "bench-intake-path-secret-0123456789-0123456789"
UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP", "14812", "14758"]


@contextmanager
def intake_on_postgres(label: str, *, relay: bool = False) -> Iterator[Any]:
    """An intake service and its Flask test client in this process on a fresh PostgreSQL
    database (migrated, units seeded), dropped afterwards; with `relay`, its outbox relay
    running on RabbitMQ (a vhost of its own, bench/infrastructure.py's `_infrastructure`)."""
    if relay:
        from bench.infrastructure import _infrastructure

        with _infrastructure() as env:
            yield from _intake(env, env["INTAKE_DATABASE_URL"].rsplit("/", 1)[1], relay=True)
        return
    name = f"nv_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {"INTAKE_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"}
        yield from _intake(env, name, relay=False)
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _intake(env: dict[str, str], name: str, *, relay: bool) -> Iterator[Any]:
    env = {**env, "DATA_DIR": tempfile.mkdtemp(), "JWT_SECRET": SECRET}
    service: Any = create_service(env)
    service.migrate()
    service.test_client = create_app(service).test_client()
    service.database_name = name
    service.relay = relay
    if relay:
        service.runtime.platform.start()
    try:
        yield service
    finally:
        service.runtime.platform.stop()


def document(index: int, tasks: int) -> dict[str, Any]:
    """The body bench/release_burst.py posts."""
    today = local_date(datetime.now(UTC))
    return {
        "source_id": f"bench-{index}-{uuid.uuid4().hex[:6]}",
        "number": f"{index + 1}/UBND-TH",
        "type": "cong_van",
        "assigned_by": "ubnd_tinh",
        "signer": {"name": "Người ký", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": today.isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": f"Văn bản đo tải số {index}",
        "release": True,
        "tasks": [
            {
                "content": f"Nhiệm vụ {index}.{n}",
                "lead_unit": UNITS[n % len(UNITS)],
                "coordinating_units": [],
                "cadence": None,
                "due_on": (today + timedelta(days=15)).isoformat(),
            }
            for n in range(tasks)
        ],
    }


def _headers() -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(settings, sub="bench", name="bench", unit="VP_UBND", roles=["office"])
    return {"Authorization": f"Bearer {token}"}


def _post(service: Any, body: dict[str, Any], headers: dict[str, str]) -> None:
    answer = service.test_client.post("/api/intake/documents", json=body, headers=headers)
    assert answer.status_code == 201, answer.get_json()


def _statements(service: Any, body: dict[str, Any], headers: dict[str, str]) -> list[str]:
    """The SQL statements of one request, in order."""
    engine = service.runtime.platform.database.engine
    return statements_during(engine, lambda: _post(service, body, headers))


def measure(service: Any, documents: int, tasks: int, rounds: int, *, verbose: bool) -> None:
    headers = _headers()
    serial = iter(range(10**5))
    # Warm up: the first requests read the units, build the schemas, fill the pool.
    for _ in range(5):
        _post(service, document(next(serial), tasks), headers)
    statements = _statements(service, document(next(serial), tasks), headers)
    checkouts = statements.count("(pool checkout)")
    if verbose:
        print("\n".join(statements))
    print(
        f"SQL per document of {tasks} tasks: {len(statements) - checkouts} statements, "
        f"{checkouts} pool checkouts"
    )
    # The PostgreSQL backends of intake's database (bench/cpu.py), read before and after a round.
    meter = CpuMeter({}, {"intake": service.database_name}, ADMIN)
    per_task: list[float] = []
    backends: list[float] = []
    for _ in range(rounds):
        bodies = [document(next(serial), tasks) for _ in range(documents)]
        before = _backend_seconds(meter)
        started = time.process_time()
        for body in bodies:
            _post(service, body, headers)
        if service.relay:
            service.runtime.platform.relay.drain()  # every event of the round published
        per_task.append((time.process_time() - started) * 1000 / (documents * tasks))
        backends.append((_backend_seconds(meter) - before) * 1000 / (documents * tasks))
    print(
        f"CPU per released task (ms), {rounds} rounds of {documents} documents × {tasks} tasks: "
        f"this process {_spread(per_task)}; intake's PostgreSQL backends {_spread(backends)}"
    )


def _backend_seconds(meter: CpuMeter) -> float:
    return sum(s for (name, _pid), s in meter.snapshot().items() if name == "postgres:intake")


def _spread(values: list[float]) -> str:
    ordered = sorted(values)
    return f"min {ordered[0]:.3f}, median {ordered[len(ordered) // 2]:.3f}, max {ordered[-1]:.3f}"


def profile(service: Any, documents: int, tasks: int) -> None:
    headers = _headers()
    bodies = [document(900_000 + i, tasks) for i in range(documents)]
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for body in bodies:
        _post(service, body, headers)
    profiler.disable()
    stats = pstats.Stats(profiler)
    stats.sort_stats("tottime").print_stats(40)
    stats.sort_stats("cumulative").print_stats(80)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("-v", "--verbose", action="store_true")
    parser.add_argument("-p", "--profile", action="store_true")
    parser.add_argument(
        "--relay", action="store_true", help="with the outbox relay publishing to RabbitMQ"
    )
    args = parser.parse_args()
    with intake_on_postgres("bench-intake", relay=args.relay) as service:
        measure(service, args.documents, args.tasks, args.rounds, verbose=args.verbose)
        if args.profile:
            profile(service, args.documents, args.tasks)


if __name__ == "__main__":
    main()
