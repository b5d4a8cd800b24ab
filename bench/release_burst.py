"""Step 2 of bench/run.py: the distributed profile under a burst of released tasks. A cluster
(gunicorn web + worker per service) on a run's databases and vhost; documents posted to intake
until every task is assigned, has its inbox item and is counted; then the workflow's action
clients (bench/workflow.py) on those tasks before the cluster stops. Its figures: tasks/s,
latency per task and per stage, peak RSS per process (bench/rss.py), CPU per task
(bench/cpu.py)."""

from __future__ import annotations

import argparse
import socket
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import psycopg
import requests

from bench.cpu import CpuMeter, per_task_ms
from bench.cpu import report as report_cpu
from bench.infrastructure import PG_ADMIN, SECRET
from bench.intake_path import document
from bench.rss import _RssSampler
from bench.workflow import measure_action_latency
from services.distributed import SERVICES, Cluster
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token


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
        if args.warmup_tasks:
            # Unmeasured: the web workers' one-offs (first imports and reads, the diagram's parse,
            # SQL compiled once) out of the measured run, which is about the steady state.
            act_on_released(cluster, env, args, args.warmup_tasks)
        actions = act_on_released(cluster, env, args, args.action_tasks, args.think_ms, meter)
        paced = (
            act_on_released(cluster, env, args, args.paced_tasks, args.paced_think_ms)
            if args.paced_think_ms
            else None
        )
        sampler.stop()
    finally:
        cluster.stop()
    return {
        "workflow_workers": args.workflow_workers,
        "action_event": {
            "clients": args.action_clients,
            "think_ms": args.think_ms,
            "warmup_actions": 2 * args.action_clients * args.warmup_tasks,
            **actions,
        },
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


def _percentile(values: list[float], pct: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def act_on_released(
    cluster: Cluster,
    env: dict[str, str],
    args: Any,
    tasks_per_client: int,
    think_ms: float = 0.0,
    meter: CpuMeter | None = None,
) -> dict[str, Any]:
    """`args.action_clients` clients acting on the cluster's released tasks
    (bench/workflow.py, `measure_action_latency`)."""
    return measure_action_latency(
        cluster.url("workflow"),
        env["BROKER_URL"],
        _plain(env["WORKFLOW_DATABASE_URL"]),
        SECRET,
        clients=args.action_clients,
        tasks_per_client=tasks_per_client,
        think_seconds=think_ms / 1000,
        meter=meter,
    )


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
