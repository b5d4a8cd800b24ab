"""Step 5's timers in bench/run.py: the workflow worker alone (its timer scheduler and relay) on a
fresh database, and how late its timers fire among 100 and 100 000 waiting (bench/workflow.py)."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.workflow import measure_timer_lateness
from services.distributed import Cluster


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


def _report_timers(figures: dict[str, Any]) -> None:
    for size, timers in figures["timer_lateness"].items():
        print(
            f"    {int(size):,} hẹn giờ chờ, {timers['due']} đến hạn: trễ p50 "
            f"{timers['lateness_p50_ms']} ms, max {timers['lateness_max_ms']} ms "
            f"(mục tiêu < 200 ms)" + (f", thiếu {timers['missing']}" if timers["missing"] else "")
        )
