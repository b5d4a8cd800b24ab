"""The back-to-back action step of `make bench` alone, to iterate on the workflow's web process:
the distributed profile (bench/release_burst.py's cluster), a smaller release burst to have
assigned tasks, then one or more rounds of 50 clients acting back to back (bench/workflow.py),
each with the CPU every process spent per action (`cpu_ms_per_action`, as `make bench` reports
it) and where the workflow web's share went: per gunicorn worker process, its main thread (the
gthread loop: accepting, polling kept-alive connections, handing them to the pool) against its
other threads (the pool's requests and the outbox relay), user against system time. A later
round runs on processes that earlier rounds warmed (imports, the holiday tables, caches), which
`make bench`'s one round does not.

    python -m bench.action_step [--rounds 2] [--spy DIR]

`--spy DIR` records each workflow web worker with py-spy during the rounds (`--gil --threads`,
raw format: one file per worker in DIR), when py-spy is installed beside the interpreter.
Needs PostgreSQL and RabbitMQ on 127.0.0.1, as `make bench` does.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import psutil

from bench.cpu import CpuMeter
from bench.infrastructure import PG_ADMIN, _infrastructure
from bench.release_burst import (
    _database_names,
    _free_ports,
    _post_documents,
    _wait_until_done,
    act_on_released,
)
from services.distributed import SERVICES, Cluster, default_workers

Times = dict[tuple[int, int], tuple[float, float]]


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    needed = args.rounds * args.action_clients * args.action_tasks
    if args.documents * args.tasks < needed:
        raise SystemExit(f"{args.rounds} rounds need {needed} released tasks")
    with _infrastructure() as env:
        cluster = Cluster(
            {**os.environ, **env},
            dict(zip(SERVICES, _free_ports(len(SERVICES)), strict=True)),
            Path(tempfile.mkdtemp(prefix="nv-bench-actions-")),
            workers={"workflow": args.workflow_workers},
        )
        cluster.migrate()
        spies: list[subprocess.Popen[bytes]] = []
        try:
            cluster.start()
            meter = CpuMeter(cluster.processes, _database_names(env), PG_ADMIN)
            print(f"Phát hành {args.documents} × {args.tasks} nhiệm vụ...", flush=True)
            _post_documents(cluster, args)
            _wait_until_done(env, args.documents * args.tasks)
            workers = psutil.Process(cluster.processes["workflow-web"].pid).children()
            if args.spy:
                spies = _spy(workers, Path(args.spy))
            rounds = []
            for index in range(args.rounds):
                before = _thread_times(workers)
                actions = act_on_released(cluster, env, args, args.action_tasks, meter=meter)
                web = _web_split(before, _thread_times(workers), actions["actions"])
                rounds.append({"round": index + 1, **actions, "workflow_web": web})
                _print_round(rounds[-1])
        finally:
            for spy in spies:
                spy.send_signal(signal.SIGINT)
                spy.wait(30)
            cluster.stop()
    print(json.dumps({"rounds": rounds}, ensure_ascii=False, sort_keys=True))
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.action_step")
    parser.add_argument("--documents", type=int, default=30)
    parser.add_argument("--tasks", type=int, default=20, help="tasks per document")
    parser.add_argument("--clients", type=int, default=4, help="clients posting the documents")
    parser.add_argument(
        "--workflow-workers", type=int, default=default_workers("workflow"), help="as bench.run"
    )
    parser.add_argument("--action-clients", type=int, default=50)
    parser.add_argument("--action-tasks", type=int, default=6, help="tasks per action client")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--spy", help="a directory for py-spy's raw records of the web workers")
    return parser


def _thread_times(workers: list[psutil.Process]) -> Times:
    """User and system CPU seconds by (worker pid, thread id)."""
    times: Times = {}
    for worker in workers:
        for thread in worker.threads():
            times[(worker.pid, thread.id)] = (thread.user_time, thread.system_time)
    return times


def _web_split(before: Times, after: Times, actions: int) -> dict[str, Any]:
    """The workflow web workers' CPU per action (ms): each worker, the gthread loops (each
    worker's main thread), the other threads, user and system."""

    def ms(seconds: float) -> float:
        return round(seconds * 1000 / max(actions, 1), 3)

    spent = {
        key: tuple(a - b for a, b in zip(times, before.get(key, (0.0, 0.0)), strict=True))
        for key, times in after.items()
    }
    by_worker: dict[int, float] = {}
    for (pid, _tid), (user, system) in spent.items():
        by_worker[pid] = by_worker.get(pid, 0.0) + user + system
    return {
        "workers": [ms(seconds) for _pid, seconds in sorted(by_worker.items())],
        "main_threads": ms(sum(u + s for (pid, tid), (u, s) in spent.items() if pid == tid)),
        "other_threads": ms(sum(u + s for (pid, tid), (u, s) in spent.items() if pid != tid)),
        "user": ms(sum(u for u, _s in spent.values())),
        "system": ms(sum(s for _u, s in spent.values())),
    }


def _spy(workers: list[psutil.Process], directory: Path) -> list[subprocess.Popen[bytes]]:
    directory.mkdir(parents=True, exist_ok=True)
    py_spy = Path(sys.executable).parent / "py-spy"
    argv = [str(py_spy), "record", "-r", "500", "--gil", "--threads", "-f", "raw"]
    return [
        subprocess.Popen(
            [*argv, "-o", str(directory / f"web-{worker.pid}.txt"), "-p", str(worker.pid)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for worker in workers
    ]


def _print_round(figures: dict[str, Any]) -> None:
    cpu, web = figures["cpu_ms_per_action"], figures["workflow_web"]
    print(
        f"Vòng {figures['round']}: {figures['actions']} thao tác, {figures['actions_per_s']:g}/s; "
        f"CPU mỗi thao tác (ms): workflow-web {cpu.get('workflow-web')} (theo tiến trình "
        f"{web['workers']}; vòng lặp gthread {web['main_threads']}, các luồng khác "
        f"{web['other_threads']}; user {web['user']}, system {web['system']}), "
        f"postgres:workflow {cpu.get('postgres:workflow')}, tổng {cpu.get('total with shared')}",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
