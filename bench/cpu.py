"""Where the CPU of a burst goes: every process of the cluster, and the servers it uses.

`CpuMeter.snapshot()` reads, in seconds of user + system time:
- each cluster process (gunicorn web, worker) with its descendants (gunicorn's workers) and the
  children it has waited for;
- the PostgreSQL backends serving each service's database (found in `pg_stat_activity`), as
  `postgres:<service>`, and every other PostgreSQL process (postmaster, WAL writer,
  checkpointer, autovacuum, backends of other databases) as `postgres (shared)`;
- the RabbitMQ server (`beam.smp` and its children) as `rabbitmq (shared)`;
- this benchmark process itself (its HTTP clients and polling) as `bench`.

The two `(shared)` figures are the whole server's: on a machine where other work uses the same
PostgreSQL or RabbitMQ, they include it. A process that ends between two snapshots loses what
it had used (a short-lived backend, say); one that starts counts from zero.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

import psutil
import psycopg

SHARED_POSTGRES = "postgres (shared)"
RABBITMQ = "rabbitmq (shared)"


def _times(process: psutil.Process, *, waited: bool = False) -> float:
    times = process.cpu_times()
    total = times.user + times.system
    if waited:
        total += times.children_user + times.children_system
    return total


class CpuMeter:
    def __init__(
        self,
        processes: Mapping[str, Any],
        databases: Mapping[str, str],
        admin_url: str,
    ) -> None:
        self.processes = processes  # name -> Popen
        self.databases = dict(databases)  # service -> database name
        self.admin_url = admin_url

    def snapshot(self) -> dict[tuple[str, int], float]:
        """CPU seconds by (figure, pid)."""
        seen: dict[tuple[str, int], float] = {}
        for name, popen in self.processes.items():
            try:
                parent = psutil.Process(popen.pid)
                seen[(name, parent.pid)] = _times(parent, waited=True)
                for child in parent.children(recursive=True):
                    seen[(name, child.pid)] = _times(child)
            except psutil.Error:
                continue
        backends = self._backends()
        for proc in psutil.process_iter(["name", "pid"]):
            try:
                pname = proc.info["name"] or ""
                if pname in ("postgres", "postmaster"):
                    service = backends.get(proc.pid)
                    key = f"postgres:{service}" if service else SHARED_POSTGRES
                    seen[(key, proc.pid)] = _times(proc)
                elif pname.startswith("beam") or pname in ("erl_child_setup", "epmd"):
                    seen[(RABBITMQ, proc.pid)] = _times(proc)
            except psutil.Error:
                continue
        me = psutil.Process(os.getpid())
        seen[("bench", me.pid)] = _times(me)
        return seen

    def _backends(self) -> dict[int, str]:
        by_name = {db: service for service, db in self.databases.items()}
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            rows = conn.execute("SELECT pid, datname FROM pg_stat_activity").fetchall()
        return {int(pid): by_name[db] for pid, db in rows if db in by_name}


def per_task_ms(
    before: Mapping[tuple[str, int], float], after: Mapping[tuple[str, int], float], tasks: int
) -> dict[str, float]:
    """CPU milliseconds per task by figure, largest first, with `total` (the cluster and its
    own backends) and `total with shared` (everything measured)."""
    spent: dict[str, float] = {}
    for (name, pid), seconds in after.items():
        # A backend may have moved between figures (a pid reused): count it where it is now.
        previous = before.get((name, pid), 0.0)
        spent[name] = spent.get(name, 0.0) + max(0.0, seconds - previous)
    ms = {name: round(s * 1000 / max(tasks, 1), 2) for name, s in spent.items()}
    ordered = dict(sorted(ms.items(), key=lambda item: -item[1]))
    shared = (SHARED_POSTGRES, RABBITMQ, "bench")
    ordered["total"] = round(sum(v for k, v in ms.items() if k not in shared), 2)
    ordered["total with shared"] = round(sum(ms.values()), 2)
    return ordered


def report(ms: Mapping[str, float], per: str = "nhiệm vụ phát hành") -> None:
    print(f"    CPU mỗi {per} (ms, user + system, gồm tiến trình con):")
    for name, value in ms.items():
        print(f"      {name:<28} {value:8.2f}")
