"""Intake's own rate on the distributed profile (gunicorn web + worker, PostgreSQL, RabbitMQ).

1. `POST /api/intake/documents` with JSON bodies from concurrent clients: documents accepted per
   second and the latency each client saw, p50 and p99, and the CPU per document of intake's web
   process and of its PostgreSQL backends (bench/cpu.py). `release: false`, one task each, so
   that only intake works (no task is started downstream).
2. `nhiemvu import` on a JSON-lines file: the operator's command as it runs, process start
   included, one document after another.

Called by bench/run.py on the databases and vhost of its run; ``python -m bench.intake`` runs
this step alone, on databases and a vhost of its own.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import requests

from bench.cpu import CpuMeter, per_task_ms
from services.distributed import Cluster
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import local_date

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"
UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP", "14812", "14758"]


def measure_intake(
    env: dict[str, str], *, documents: int = 300, clients: int = 4, imported: int = 300
) -> dict[str, Any]:
    print(f"3/6 Tiếp nhận: {documents} văn bản JSON, {clients} luồng; nhập {imported} dòng...")
    workdir = Path(tempfile.mkdtemp(prefix="nv-bench-intake-"))
    cluster = Cluster({**os.environ, **env}, {"intake": _free_port()}, workdir / "logs")
    subprocess.run(
        [str(Path(sys.executable).parent / "nhiemvu"), "migrate", "intake"],
        env=cluster.env,
        check=True,
        capture_output=True,
    )
    cluster.start_worker("intake")
    cluster.start_web("intake")
    try:
        _wait_ready(cluster.url("intake"))
        token = _token(env["JWT_SECRET"])
        endpoint = f"{cluster.url('intake')}/api/intake/documents"
        database = env["INTAKE_DATABASE_URL"].rsplit("/", 1)[1]
        meter = CpuMeter(cluster.processes, {"intake": database}, PG_ADMIN)
        figures = _post_burst(endpoint, token, documents, clients, meter)
        figures.update(_cli_import(cluster.url("intake"), token, imported, workdir))
    finally:
        cluster.stop()
    print(
        f"    POST: {figures['intake_documents_per_s']:,.1f} văn bản/s, độ trễ p50 "
        f"{figures['intake_latency_p50_ms']} ms, p99 {figures['intake_latency_p99_ms']} ms; "
        f"CPU mỗi văn bản {figures['intake_cpu_ms_per_document']} ms (intake-web), "
        f"{figures['intake_postgres_cpu_ms_per_document']} ms (postgres:intake)"
    )
    print(f"    nhiemvu import: {figures['import_documents_per_s']:,.1f} văn bản/s")
    return figures


def _post_burst(
    endpoint: str, token: str, documents: int, clients: int, meter: CpuMeter
) -> dict[str, Any]:
    local = threading.local()
    latencies: list[float] = []
    run = uuid.uuid4().hex[:6]

    def post(index: int) -> None:
        session = getattr(local, "session", None)
        if session is None:
            session = local.session = requests.Session()
            session.headers["Authorization"] = f"Bearer {token}"
        started = time.perf_counter()
        answer = session.post(endpoint, json=_document(f"burst-{run}", index), timeout=60)
        latencies.append(time.perf_counter() - started)
        if answer.status_code != 201:
            raise RuntimeError(f"POST answered {answer.status_code}: {answer.text[:300]}")

    with ThreadPoolExecutor(clients) as pool:
        # A few documents first, untimed: connections, the gunicorn threads and the database
        # pool warm up, as they are in a server that has been running.
        list(pool.map(post, range(documents, documents + 2 * clients)))
        latencies.clear()
        cpu_before = meter.snapshot()
        began = time.perf_counter()
        list(pool.map(post, range(documents)))
        elapsed = time.perf_counter() - began
        cpu = per_task_ms(cpu_before, meter.snapshot(), documents)
    return {
        "intake_documents": documents,
        "intake_cpu_ms_per_document": cpu.get("intake-web", 0.0),
        "intake_postgres_cpu_ms_per_document": cpu.get("postgres:intake", 0.0),
        "intake_documents_per_s": round(documents / elapsed, 1),
        "intake_latency_p50_ms": round(_percentile(latencies, 50) * 1000, 1),
        "intake_latency_p99_ms": round(_percentile(latencies, 99) * 1000, 1),
    }


def _cli_import(url: str, token: str, count: int, workdir: Path) -> dict[str, Any]:
    source = workdir / "import.jsonl"
    run = uuid.uuid4().hex[:6]
    with source.open("w", encoding="utf-8") as handle:
        for index in range(count):
            handle.write(json.dumps(_document(f"import-{run}", index), ensure_ascii=False) + "\n")
    command = [str(Path(sys.executable).parent / "nhiemvu"), "import", str(source)]
    began = time.perf_counter()
    done = subprocess.run(
        [*command, "--url", url, "--token", token, "--no-progress"],
        capture_output=True,
        text=True,
        check=False,
    )
    elapsed = time.perf_counter() - began
    if done.returncode != 0 or f"Tiếp nhận mới (201): {count}" not in done.stdout:
        raise RuntimeError(f"nhiemvu import failed:\n{done.stdout}\n{done.stderr}")
    return {
        "import_documents": count,
        "import_seconds": round(elapsed, 2),
        "import_documents_per_s": round(count / elapsed, 1),
    }


def _document(prefix: str, index: int) -> dict[str, Any]:
    today = local_date(datetime.now(UTC))
    return {
        "source_id": f"{prefix}-{index}",
        "number": f"{index + 1}/UBND-TH",
        "type": "cong_van",
        "assigned_by": "ubnd_tinh",
        "signer": {"name": "Người ký", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": today.isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": f"Về việc đo tốc độ tiếp nhận, văn bản số {index}",
        "release": False,
        "tasks": [
            {
                "content": f"Nhiệm vụ đo tải {index}",
                "lead_unit": UNITS[index % len(UNITS)],
                "coordinating_units": [UNITS[(index + 1) % len(UNITS)]],
                "due_on": (today + timedelta(days=15)).isoformat(),
                "cadence": None,
            }
        ],
    }


def _token(secret: str) -> str:
    settings = AuthSettings(
        mode="hs256", secret=secret, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    return mint_token(settings, sub="bench-intake", name="bench", unit="VP_UBND", roles=["office"])


def _wait_ready(base: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if requests.get(f"{base}/readyz", timeout=2).ok:
                return
        except requests.RequestException:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"intake did not become ready at {base}")


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _free_port() -> int:
    """A port nothing listens on now: two runs on one machine do not send each other requests."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def main() -> None:
    from bench.infrastructure import _infrastructure

    with _infrastructure() as env:
        figures = measure_intake(env)
    print(json.dumps(figures, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
