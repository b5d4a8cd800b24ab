"""CPU of the outbox relay's rounds on PostgreSQL, as an action's commit runs them: one event
written per transaction, then the relay's round for it (`OutboxRelay.publish_pending`), after a
burst of earlier events already marked and not vacuumed (those of a release).

Prints the CPU per round of this process's relay (`time.process_time`) and of the PostgreSQL
backends serving the database over the loop (the writes' statements and the rounds'), and the
writes' share measured alone (the same loop without the rounds). A memory:// bus: the broker's
part is left out.

Run from the repository root (PostgreSQL on 127.0.0.1):
``python -m bench.relay_rounds [rounds] [marked]`` (default 1000 rounds after 3000 marked).
"""

from __future__ import annotations

import sys
import tempfile
import time
import uuid

import psycopg

from bench.action_path import ADMIN, _server_cpu
from tests.integration.buskit import TinyService, unit_data


def main() -> None:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    marked = int(sys.argv[2]) if len(sys.argv) > 2 else 3000
    name = f"nv_relay_rounds_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        env = {
            "DATA_DIR": tempfile.mkdtemp(),
            "BUS_NAMESPACE": name,
            "NOTIFY_DATABASE_URL": f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        }
        service = TinyService(env)
        try:
            print(_measure(service, name, rounds, marked))
        finally:
            service.stop()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _measure(service: TinyService, database: str, rounds: int, marked: int) -> str:
    relay = service.platform.relay
    for start in range(0, marked, 200):
        with service.platform.unit_of_work() as uow:
            for n in range(start, min(start + 200, marked)):
                uow.emit("unit.updated", unit_data(f"burst-{n}"))
        relay.drain()
    for n in range(20):  # the connections and prepared statements of both loops
        service.emit(f"warm-{n}")
        relay.publish_pending()
    writes_server = _server_cpu(database)
    for n in range(rounds):
        service.emit(f"alone-{n}")
    writes_server = _server_cpu(database) - writes_server
    relay.drain()
    relay_cpu = 0.0
    server = _server_cpu(database)
    for n in range(rounds):
        service.emit(f"round-{n}")
        started = time.process_time()
        published = relay.publish_pending()
        relay_cpu += time.process_time() - started
        assert published == 1, published
    server = _server_cpu(database) - server
    per = 1000.0 / rounds
    return (
        f"relay {relay_cpu * per:.3f} ms CPU per round; PostgreSQL backends "
        f"{server * per:.3f} ms per write and round, {writes_server * per:.3f} ms per write "
        f"alone: the round {(server - writes_server) * per:.3f} ms ({marked} marked before)"
    )


if __name__ == "__main__":
    main()
