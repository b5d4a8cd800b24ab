"""`make bench`: the figures of docs/architecture.md, Benchmarks, in one run, ending with one
JSON line.

1. The raw engine rate (SpiffWorkflow start + serialize per second, no I/O).
2. The distributed profile (gunicorn web + worker per service, RabbitMQ, PostgreSQL) under a
   burst of released tasks: tasks/s from the first POST until every task is assigned, has its
   inbox item and is counted; per-task latency (release → all three done), p50 and p99, and
   where the time goes per stage; the peak RSS of every process; the CPU each process spent
   per released task over the burst (bench/cpu.py: the cluster's processes, their PostgreSQL
   backends, and the PostgreSQL and RabbitMQ servers as a whole), `release_cpu_ms_per_task`.
3. Intake alone (bench/intake.py): documents accepted per second through POST, p50/p99, and the
   rate of `nhiemvu import`.
4. Notify (bench/notify.py): events → inbox items/s, webhook deliveries/s, inbox query p50/p99.
5. Workflow (bench/workflow.py): action → event latency with 50 concurrent clients, on the tasks
   of step 2 before its cluster stops, and for the back-to-back clients the CPU each process
   spent per action until the queues were empty again (`action_event.cpu_ms_per_action`); timer
   lateness among 100 and 100 000 waiting timers.
6. The web (bench/web_pages.py): server time per page, p50/p95, with 10,000 tasks, as `make run`
   serves it; `--web-only` runs this step alone (it needs neither PostgreSQL nor RabbitMQ).
Needs PostgreSQL and RabbitMQ on 127.0.0.1 (as in CI). It creates and drops its own databases
and vhost.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psutil
import psycopg
import requests

from bench.cpu import CpuMeter, per_task_ms
from bench.cpu import report as report_cpu
from bench.intake import measure_intake
from bench.intake_path import document
from bench.notify import measure_notify
from bench.reporting import measure_reporting
from bench.spiff_raw import measure
from bench.web_pages import measure_web_pages
from bench.workflow import measure_action_latency, measure_timer_lateness
from services.distributed import SERVICES, Cluster, default_workers
from shared.auth import AuthSettings, mint_token

SECRET = "bench-secret-0123456789-0123456789-abcdef"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


def main(argv: list[str] | None = None) -> int:
    args = _arguments().parse_args(argv)
    if args.web_only:
        print(json.dumps(_web(args), ensure_ascii=False, sort_keys=True))
        return 0
    print(f"1/6 Tốc độ thô của SpiffWorkflow ({args.raw_seconds:g} s)...", flush=True)
    raw = measure(args.raw_seconds)
    print(f"    {raw:,.0f} instances/s (start + serialize; mục tiêu ≥ 2.000/s)")
    print(f"2/6 Hồ sơ phân tán: {args.documents} văn bản × {args.tasks} nhiệm vụ...", flush=True)
    with _infrastructure() as env:
        figures = _distributed_run(env, args)
    figures["spiff_start_serialize_per_s"] = round(raw, 1)
    figures["ratio_to_raw"] = round(figures["released_tasks_per_s"] / raw, 3)
    _report(figures)
    print(
        "    Hẹn giờ: trễ so với thời điểm đến hạn, 100 và 100.000 hẹn giờ đang chờ...", flush=True
    )
    with _infrastructure() as env:
        figures.update(_timer_run(env))
    _report_timers(figures)
    if not args.workflow_only:
        with _infrastructure() as env:
            figures.update(measure_intake(env, clients=args.clients))
        print("4/6 Báo cáo: thống kê một quý trên 1.000.000 nhiệm vụ, 200 đơn vị...", flush=True)
        reporting = measure_reporting()
        figures.update(reporting)
        print(
            f"    trung vị {reporting['reporting_stats_quarter_median_s']} s / truy vấn "
            "(mục tiêu < 0,5 s); "
            f"{reporting['reporting_events_applied_per_s']} sự kiện/s vào mô hình đọc",
            flush=True,
        )
        with _infrastructure() as env:
            figures.update(measure_notify(env))
        figures.update(_web(args))
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))
    return 0


def _arguments() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="bench.run")
    parser.add_argument("--raw-seconds", type=float, default=5.0)
    parser.add_argument("--documents", type=int, default=100)
    parser.add_argument("--tasks", type=int, default=20, help="tasks per document")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument(
        "--workflow-workers",
        type=int,
        default=default_workers("workflow"),
        help="workflow worker processes, competing consumers of its queue (step 2)",
    )
    parser.add_argument("--action-clients", type=int, default=50)
    parser.add_argument("--action-tasks", type=int, default=6, help="tasks per action client")
    parser.add_argument(
        "--think-ms", type=float, default=0.0, help="an action client's pause after each answer"
    )
    parser.add_argument(
        "--paced-think-ms",
        type=float,
        default=1000.0,
        help="the paced run's pause after each answer (±50 %%: 0.5–1.5 s); 0 skips that run",
    )
    parser.add_argument("--paced-tasks", type=int, default=3, help="tasks per paced client")
    parser.add_argument(
        "--workflow-only", action="store_true", help="skip the intake, reporting, notify, web steps"
    )
    parser.add_argument("--web-only", action="store_true", help="run the web pages step alone")
    parser.add_argument("--web-tasks", type=int, default=10_000, help="tasks loaded for step 6")
    parser.add_argument("--web-rounds", type=int, default=50, help="requests of each page")
    return parser


def _web(args: argparse.Namespace) -> dict[str, Any]:
    return measure_web_pages(tasks=args.web_tasks, rounds=args.web_rounds)


class _infrastructure:
    """Fresh databases and a vhost for one run, removed afterwards."""

    def __enter__(self) -> dict[str, str]:
        suffix = uuid.uuid4().hex[:8]
        self.databases = {s: f"nv_bench_{s}_{suffix}" for s in SERVICES}
        self.vhost = f"nv_bench_{suffix}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.databases.values():
                conn.execute(f'CREATE DATABASE "{name}"')
        subprocess.run(["rabbitmqctl", "add_vhost", self.vhost], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
        env = {
            "NHIEMVU_ENV": "production",
            "JWT_SECRET": SECRET,
            "LOG_LEVEL": "WARNING",
            "BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}",
            "OUTBOX_POLL_SECONDS": "0.2",
        }
        for service, name in self.databases.items():
            env[f"{service.upper()}_DATABASE_URL"] = (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            )
        return env

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.databases.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True)


def _distributed_run(env: dict[str, str], args: argparse.Namespace) -> dict[str, Any]:
    import os

    full_env = {**os.environ, **env}
    ports = dict(zip(SERVICES, _free_ports(len(SERVICES)), strict=True))
    cluster = Cluster(
        full_env,
        ports,
        Path(tempfile.mkdtemp(prefix="nv-bench-")),
        workers={"workflow": args.workflow_workers},
    )
    cluster.migrate()
    try:
        cluster.start()  # inside: a cluster that never became ready is stopped too
        sampler = _RssSampler(cluster)
        sampler.start()
        meter = CpuMeter(cluster.processes, _database_names(env), PG_ADMIN)
        cpu_before = meter.snapshot()
        began = time.monotonic()
        _post_documents(cluster, args)
        posted = time.monotonic()
        expected = args.documents * args.tasks
        _wait_until_done(env, expected)
        elapsed = time.monotonic() - began
        cpu = per_task_ms(cpu_before, meter.snapshot(), expected)
        report_cpu(cpu)
        latencies, stages = _latencies(env)
        actions = measure_action_latency(
            cluster.url("workflow"),
            env["BROKER_URL"],
            _plain(env["WORKFLOW_DATABASE_URL"]),
            SECRET,
            clients=args.action_clients,
            tasks_per_client=args.action_tasks,
            think_seconds=args.think_ms / 1000,
            meter=meter,
        )
        paced = (
            measure_action_latency(
                cluster.url("workflow"),
                env["BROKER_URL"],
                _plain(env["WORKFLOW_DATABASE_URL"]),
                SECRET,
                clients=args.action_clients,
                tasks_per_client=args.paced_tasks,
                think_seconds=args.paced_think_ms / 1000,
            )
            if args.paced_think_ms
            else None
        )
        sampler.stop()
    finally:
        cluster.stop()
    return {
        "workflow_workers": args.workflow_workers,
        "action_event": {"clients": args.action_clients, "think_ms": args.think_ms, **actions},
        "action_event_paced": paced
        and {"clients": args.action_clients, "think_ms": args.paced_think_ms, **paced},
        "tasks": expected,
        "released_tasks_per_s": round(expected / elapsed, 1),
        "post_seconds": round(posted - began, 2),
        "total_seconds": round(elapsed, 2),
        "latency_p50_ms": round(_percentile(latencies, 50) * 1000, 1),
        "latency_p99_ms": round(_percentile(latencies, 99) * 1000, 1),
        "stage_p50_ms": {k: round(_percentile(v, 50) * 1000, 1) for k, v in stages.items()},
        "rss_peak_mb": {k: round(v / 2**20, 1) for k, v in sorted(sampler.peaks.items())},
        "release_cpu_ms_per_task": cpu,
    }


def _database_names(env: dict[str, str]) -> dict[str, str]:
    return {s: env[f"{s.upper()}_DATABASE_URL"].rsplit("/", 1)[1] for s in SERVICES}


def _free_ports(count: int) -> list[int]:
    """Ports nothing listens on now, so that two runs at once on one machine do not meet: with
    fixed ports the second run's web processes cannot bind and its requests reach the first
    run's cluster."""
    sockets = [socket.socket() for _ in range(count)]
    try:
        for sock in sockets:
            sock.bind(("0.0.0.0", 0))
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def _plain(url: str) -> str:
    return url.replace("postgresql+psycopg", "postgresql")


def _timer_run(env: dict[str, str]) -> dict[str, Any]:
    """The workflow worker alone (its timer scheduler and relay) on a fresh database."""
    import os

    full_env = {**os.environ, **env}
    cluster = Cluster(full_env, {}, Path(tempfile.mkdtemp(prefix="nv-bench-timers-")))
    subprocess.run(
        [str(Path(sys.executable).parent / "nhiemvu"), "migrate", "workflow"],
        env=full_env,
        check=True,
        capture_output=True,
    )
    return measure_timer_lateness(cluster, env)


def _post_documents(cluster: Cluster, args: argparse.Namespace) -> None:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(settings, sub="bench", name="bench", unit="VP_UBND", roles=["office"])
    url = f"{cluster.url('intake')}/api/intake/documents"

    def post(index: int) -> None:
        body = document(index, args.tasks)
        answer = requests.post(
            url, json=body, headers={"Authorization": f"Bearer {token}"}, timeout=60
        )
        answer.raise_for_status()

    with ThreadPoolExecutor(args.clients) as pool:
        list(pool.map(post, range(args.documents)))


def _count(env: dict[str, str], service: str, sql: str) -> int:
    url = env[f"{service.upper()}_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
    with psycopg.connect(url) as conn:
        row = conn.execute(sql).fetchone()
        return int(row[0]) if row else 0


def _wait_until_done(env: dict[str, str], expected: int, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    checks = {
        "workflow": "SELECT count(*) FROM task_instances",
        "notify": "SELECT count(*) FROM inbox_items WHERE event_type = 'task.assigned'",
        "reporting": "SELECT count(*) FROM task_facts",
    }
    while time.monotonic() < deadline:
        counts = {s: _count(env, s, sql) for s, sql in checks.items()}
        print(f"\r    {counts}", end="", flush=True)
        if all(c >= expected for c in counts.values()):
            print()
            return
        time.sleep(0.2)
    raise RuntimeError(f"not done after {timeout}s: {counts}")


def _latencies(env: dict[str, str]) -> tuple[list[float], dict[str, list[float]]]:
    def rows(service: str, sql: str) -> dict[str, Any]:
        url = env[f"{service.upper()}_DATABASE_URL"].replace("postgresql+psycopg", "postgresql")
        with psycopg.connect(url) as conn:
            return {r[0]: r[1] for r in conn.execute(sql)}

    released = rows(
        "intake", "SELECT t.id, d.released_at FROM tasks t JOIN documents d ON d.id = t.document_id"
    )
    assigned = rows("workflow", "SELECT task_id, created_at FROM task_instances")
    inboxed = rows("notify", "SELECT task_id, created_at FROM inbox_items")
    # When reporting applied each task's task.assigned: its inbox row, matched through the
    # event id that the workflow's outbox recorded for that task.
    assigned_events = rows(
        "workflow",
        "SELECT event_id, body::json->>'subject' FROM outbox WHERE event_type = 'task.assigned'",
    )
    processed = rows(
        "reporting", "SELECT event_id, processed_at FROM inbox WHERE event_type = 'task.assigned'"
    )
    counted = {task: processed[event] for event, task in assigned_events.items()}
    latencies, stages = (
        [],
        {"release_to_assigned": [], "assigned_to_inbox": [], "assigned_to_counted": []},
    )
    for task_id, start in released.items():
        done = max(assigned[task_id], inboxed[task_id], counted[task_id])
        latencies.append((done - start).total_seconds())
        stages["release_to_assigned"].append((assigned[task_id] - start).total_seconds())
        stages["assigned_to_inbox"].append((inboxed[task_id] - assigned[task_id]).total_seconds())
        stages["assigned_to_counted"].append((counted[task_id] - assigned[task_id]).total_seconds())
    return latencies, stages


class _RssSampler(threading.Thread):
    def __init__(self, cluster: Cluster) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.peaks: dict[str, int] = {}
        self._halt = threading.Event()

    def run(self) -> None:
        while not self._halt.is_set():
            # One look at the process table per sample for every process's descendants
            # (`children(recursive=True)` reads the whole table each time: on a busy machine
            # ~1 ms per cluster process, CPU taken from the cores the cluster is measured on).
            # psutil's own map of the table, which `children` reads (its public iterator
            # builds a Process per entry: four times the CPU).
            children: dict[int, list[int]] = {}
            for pid, ppid in psutil._ppid_map().items():
                children.setdefault(ppid, []).append(pid)
            for name, process in self.cluster.processes.items():
                for index, pid in enumerate(_descendants(process.pid, children)):
                    key = name if index == 0 else f"{name}[{index}]"
                    try:
                        rss = psutil.Process(pid).memory_info().rss
                    except psutil.Error:
                        continue
                    self.peaks[key] = max(self.peaks.get(key, 0), rss)
            self._halt.wait(0.5)

    def stop(self) -> None:
        self._halt.set()
        self.join()


def _descendants(pid: int, children: dict[int, list[int]]) -> list[int]:
    """`pid`, then its descendants, level by level, each level by pid."""
    found, level = [pid], [pid]
    while level:
        level = [child for parent in level for child in sorted(children.get(parent, []))]
        found.extend(level)
    return found


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _report(figures: dict[str, Any]) -> None:
    print(
        f"    {figures['released_tasks_per_s']:,.1f} nhiệm vụ/s (mục tiêu 500), "
        f"{figures['ratio_to_raw']:.3f} × tốc độ thô (mục tiêu ≥ 0,3)"
    )
    print(f"    độ trễ p50 {figures['latency_p50_ms']} ms, p99 {figures['latency_p99_ms']} ms")
    print(f"    theo chặng (p50, ms): {figures['stage_p50_ms']}")
    peaks = figures["rss_peak_mb"]
    print(f"    RSS đỉnh (MB, mục tiêu < 200): cao nhất {max(peaks.values(), default=0)}; {peaks}")
    act = figures["action_event"]
    print(
        f"    thao tác → sự kiện, {act['clients']} client liên tục: {act['actions']} thao tác, "
        f"{act['actions_per_s']:g}/s (mục tiêu ≥ 300/s); p50 {act['event_p50_ms']} ms, "
        f"p99 {act['event_p99_ms']} ms; HTTP p50 {act['http_p50_ms']} ms, "
        f"p99 {act['http_p99_ms']} ms; trả lời → bus p50 {act['answer_to_event_p50_ms']} ms, "
        f"p99 {act['answer_to_event_p99_ms']} ms (mục tiêu p99 < 50 ms)"
    )
    if act.get("cpu_ms_per_action"):
        report_cpu(
            act["cpu_ms_per_action"], "thao tác (50 client liên tục, đến khi hàng đợi trống)"
        )
    paced = figures.get("action_event_paced")
    if paced:
        print(
            f"    thao tác → sự kiện, {paced['clients']} client nghỉ 0,5–1,5 s: "
            f"{paced['actions']} thao tác, {paced['actions_per_s']:g}/s; p50 "
            f"{paced['event_p50_ms']} ms, p99 {paced['event_p99_ms']} ms (mục tiêu p99 < 100 ms); "
            f"trả lời → bus p99 {paced['answer_to_event_p99_ms']} ms (mục tiêu p99 < 50 ms)"
        )


def _report_timers(figures: dict[str, Any]) -> None:
    for size, timers in figures["timer_lateness"].items():
        print(
            f"    {int(size):,} hẹn giờ chờ, {timers['due']} đến hạn: trễ p50 "
            f"{timers['lateness_p50_ms']} ms, max {timers['lateness_max_ms']} ms "
            f"(mục tiêu < 200 ms)" + (f", thiếu {timers['missing']}" if timers["missing"] else "")
        )


if __name__ == "__main__":
    sys.exit(main())
