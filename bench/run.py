"""`make bench`: the figures of docs/architecture.md, Benchmarks, in one run, ending with one
JSON line.

1. The raw engine rate (SpiffWorkflow start + serialize per second, no I/O).
2. The distributed profile (bench/release_burst.py: gunicorn web + worker per service,
   RabbitMQ, PostgreSQL) under a burst of released tasks: tasks/s from the first POST until
   every task is assigned, has its inbox item and is counted; per-task latency (release → all
   three done), p50 and p99, and where the time goes per stage; the peak RSS of every process;
   the CPU each process spent per released task over the burst (bench/cpu.py: the cluster's
   processes, their PostgreSQL backends, and the PostgreSQL and RabbitMQ servers as a whole),
   `release_cpu_ms_per_task`.
3. Intake alone (bench/intake.py): documents accepted per second through POST, p50/p99, and the
   rate of `nhiemvu import`.
4. Notify (bench/notify.py): events → inbox items/s, webhook deliveries/s, inbox query p50/p99.
5. Workflow (bench/workflow.py): action → event latency with 50 concurrent clients, on the tasks
   of step 2 before its cluster stops (the back-to-back run after an unmeasured warm-up of one
   task per client, `--warmup-tasks`), and for the back-to-back clients the CPU each process
   spent per action until the queues were empty again (`action_event.cpu_ms_per_action`); timer
   lateness among 100 and 100 000 waiting timers (bench/timer_run.py).
6. The web (bench/web_pages.py): server time per page, p50/p95, with 10,000 tasks, as `make run`
   serves it; `--web-only` runs this step alone (it needs neither PostgreSQL nor RabbitMQ).
Needs PostgreSQL and RabbitMQ on 127.0.0.1 (as in CI). It creates and drops its own databases
and vhost (bench/infrastructure.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from bench.infrastructure import _infrastructure
from bench.intake import measure_intake
from bench.notify import measure_notify
from bench.release_burst import _distributed_run, _report
from bench.reporting import measure_reporting
from bench.spiff_raw import measure
from bench.timer_run import _report_timers, _timer_run
from bench.web_pages import measure_web_pages
from services.distributed import default_workers


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
        "--warmup-tasks",
        type=int,
        default=1,
        help="tasks per action client acted on, unmeasured, before the back-to-back run; 0: none",
    )
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


if __name__ == "__main__":
    sys.exit(main())
