"""CPU per action on the real path, in one process on PostgreSQL: accept then report_progress on
released tasks through the workflow's Flask app (`time.process_time`), and the shares of a
cProfile of the same: the engine's perform and load, SQL statements, commits.

Run from the repository root (PostgreSQL on 127.0.0.1): ``python -m bench.action_path``; ``-v``
lists the SQL statements of one accept and one report_progress, ``-p`` the profile's functions.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psutil
import psycopg
from sqlalchemy import event

from tests.integration import workflowkit as wk

ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
TASKS = 150
VERBOSE = "-v" in sys.argv[1:]
# `-p`: also list the profile's functions by own time and by cumulative time.
PROFILE = "-p" in sys.argv[1:]


def main() -> None:
    with workflow_on_postgres("bench-path") as service:
        print(_measure(service))


@contextmanager
def workflow_on_postgres(label: str) -> Iterator[Any]:
    """A workflow service in this process on a fresh PostgreSQL database, dropped afterwards."""
    name = f"nv_{label.replace('-', '_')}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        service = wk.build(
            wk.Setup(database="postgresql"),
            Path(tempfile.mkdtemp()),
            label,
            lambda: f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}",
        )
        try:
            yield service
        finally:
            service.runtime.platform.stop()
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def statements_during(engine: Any, run: Callable[[], Any]) -> list[str]:
    """The SQL statements `run` sends through `engine`, in order (the DBAPI's executes, each a
    round trip), a pool checkout listed too (it pings the server only when the connection's
    socket has something to read or it idled, shared/db.py)."""
    seen: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        seen.append(" ".join(statement.split())[:110])

    def ping(_conn: Any, _record: Any, _proxy: Any) -> None:
        seen.append("(pool checkout)")

    event.listen(engine, "before_cursor_execute", count)
    event.listen(engine, "checkout", ping)
    try:
        run()
    finally:
        event.remove(engine, "before_cursor_execute", count)
        event.remove(engine, "checkout", ping)
    return seen


def _statements(service: Any, task_id: str) -> list[str]:
    """The SQL statements of one accept and one report_progress."""

    def act() -> None:
        assert wk.act(service, task_id, "accept", wk.LEAD).status_code == 200
        done = wk.act(service, task_id, "report_progress", wk.LEAD, note="50%")
        assert done.status_code == 200

    return statements_during(service.runtime.platform.database.engine, act)


def _measure(service: Any) -> str:
    task_ids = [wk.release(service) for _ in range(2 * TASKS + 2)]
    # A first action reads what a process keeps (the unit directory); the count is the next one's.
    assert wk.act(service, task_ids.pop(), "accept", wk.LEAD).status_code == 200
    statements = _statements(service, task_ids.pop())
    checkouts = statements.count("(pool checkout)")
    if VERBOSE:
        print("\n".join(statements))

    def act(chunk: list[str]) -> None:
        for task_id in chunk:
            assert wk.act(service, task_id, "accept", wk.LEAD).status_code == 200
            done = wk.act(service, task_id, "report_progress", wk.LEAD, note="50%")
            assert done.status_code == 200

    database = service.runtime.platform.database.engine.url.database
    began_server = _server_cpu(database)
    began_cpu, began = time.process_time(), time.perf_counter()
    act(task_ids[:TASKS])
    cpu = (time.process_time() - began_cpu) / (2 * TASKS) * 1000
    server = (_server_cpu(database) - began_server) / (2 * TASKS) * 1000
    wall = (time.perf_counter() - began) / (2 * TASKS) * 1000
    # With -p the profile counts CPU (a wait on the database is not the process's work).
    profile = cProfile.Profile(time.process_time) if PROFILE else cProfile.Profile()
    profile.enable()
    act(task_ids[TASKS:])
    profile.disable()
    stats: Any = pstats.Stats(profile)
    if PROFILE:
        stats.sort_stats("tottime").print_stats(40)
        stats.sort_stats("cumulative").print_stats(80)

    def share(matches: Callable[[tuple[str, int, str]], bool]) -> str:
        cumulative = sum(row[3] for key, row in stats.stats.items() if matches(key))
        return f"{cumulative / stats.total_tt:.0%}"

    def engine(name: str) -> Callable[[tuple[str, int, str]], bool]:
        return lambda key: key[0].endswith("engine/core.py") and key[2] == name

    def sqlalchemy(name: str) -> Callable[[tuple[str, int, str]], bool]:
        return lambda key: key[0].endswith("sqlalchemy/engine/base.py") and key[2] == name

    return (
        f"SQL {(len(statements) - checkouts) / 2:.1f} statements and {checkouts / 2:.1f} "
        "connection checkouts per action; "
        f"CPU {cpu:.2f} ms per action (wall {wall:.2f} ms), PostgreSQL backends "
        f"{server:.2f} ms; profile: engine perform "
        f"{share(engine('perform'))}, engine load {share(engine('load'))}, SQL "
        f"{share(sqlalchemy('execute'))}, commit {share(sqlalchemy('_commit_impl'))}"
    )


def _server_cpu(database: str) -> float:
    """CPU seconds (user + system) of the PostgreSQL backends serving `database` now (those of
    the service's pool: they live through the measurement)."""
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        pids = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (database,)
        ).fetchall()
    total = 0.0
    for (pid,) in pids:
        try:
            times = psutil.Process(pid).cpu_times()
        except psutil.Error:
            continue
        total += times.user + times.system
    return total


if __name__ == "__main__":
    main()
