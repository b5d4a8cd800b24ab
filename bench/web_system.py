"""The embedded system that bench/web_pages.py measures: `nhiemvu serve --no-demo` on a free port
and a fresh DATA_DIR, as `make run` runs it, loaded with released tasks through intake's API and
given some Office work (accepted, submitted and returned tasks)."""

from __future__ import annotations

import os
import shutil
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

from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import local_date

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-web-secret-0123456789-0123456789-abcdef"
UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP", "14812", "14758"]
UNIT = "SO_TC"  # the unit officer whose pages are measured


def _serve_command(port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "nhiemvu"), "serve", "--port", str(port), "--no-demo"]


class EmbeddedSystem:
    """`nhiemvu serve --no-demo` on a free port and a fresh DATA_DIR, as `make run` runs it."""

    def __enter__(self) -> EmbeddedSystem:
        self.workdir = Path(tempfile.mkdtemp(prefix="nv-bench-web-"))
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        self.base_url = f"http://127.0.0.1:{port}"
        env = {
            **os.environ,
            "NHIEMVU_ENV": "development",
            "DATA_DIR": str(self.workdir / "var"),
            "PORT": str(port),
            "WEB_API_URL": self.base_url,
            "JWT_SECRET": SECRET,
            "LOG_LEVEL": "WARNING",
            "BUS_NAMESPACE": f"bweb{uuid.uuid4().hex[:8]}",
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
        }
        self.log_path = self.workdir / "serve.log"
        self.log = open(self.log_path, "wb")  # closed in __exit__
        self.process = subprocess.Popen(
            _serve_command(port),
            env=env,
            cwd=ROOT,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.http = requests.Session()
        deadline = time.monotonic() + 120
        while not self._ready():
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.__exit__()
                tail = self.log_path.read_text(encoding="utf-8", errors="replace")[-3000:]
                raise RuntimeError(f"nhiemvu serve did not start:\n{tail}")
            time.sleep(0.2)
        return self

    def _ready(self) -> bool:
        try:
            return self.http.get(f"{self.base_url}/readyz", timeout=2).ok
        except requests.RequestException:
            return False

    def token(self, role: str, unit: str) -> str:
        settings = AuthSettings(
            mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
        )
        sub = f"bench.{role}.{unit}"
        return mint_token(settings, sub=sub, name="bench", unit=unit, roles=[role])

    def api(self, method: str, path: str, token: str, **kwargs: Any) -> Any:
        answer = self.http.request(
            method,
            self.base_url + path,
            headers={"Authorization": f"Bearer {token}"},
            timeout=120,
            **kwargs,
        )
        if answer.status_code >= 400:
            raise RuntimeError(f"{method} {path}: {answer.status_code} {answer.text[:500]}")
        return answer.json()

    def __exit__(self, *_: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(10)
        self.log.close()
        shutil.rmtree(self.workdir, ignore_errors=True)


def load_tasks(system: EmbeddedSystem, tasks: int, per_document: int, clients: int) -> list[str]:
    """Post released documents of `per_document` tasks until `tasks` exist; their ids."""
    office = system.token("office", "VP_UBND")
    today = local_date(datetime.now(UTC))
    run = uuid.uuid4().hex[:6]
    counts = [per_document] * (tasks // per_document)
    if tasks % per_document:
        counts.append(tasks % per_document)
    local = threading.local()
    lock, done = threading.Lock(), []

    def post(index: int, count: int) -> str:
        http = getattr(local, "http", None)
        if http is None:
            http = local.http = requests.Session()
            http.headers["Authorization"] = f"Bearer {office}"
        body = {
            "source_id": f"bench-web-{run}-{index}",
            "number": f"{index + 1}/UBND-TH",
            "type": "cong_van",
            "assigned_by": ["chu_tich", "pho_chu_tich", "ubnd_tinh"][index % 3],
            "signer": {"name": "Người ký", "position": "Chủ tịch UBND tỉnh"},
            "issued_on": today.isoformat(),
            "urgency": "thuong",
            "secrecy": None,
            "summary": f"Văn bản đo tải trang web số {index}",
            "release": True,
            "tasks": [
                {
                    "content": f"Nhiệm vụ {index}.{n} đo tải trang web",
                    "lead_unit": UNITS[(index * per_document + n) % len(UNITS)],
                    "coordinating_units": (
                        [UNITS[(index * per_document + n + 1 + n % 3) % len(UNITS)]]
                        if n % 5
                        else []
                    ),
                    "cadence": None,
                    "due_on": (today + timedelta(days=5 + (index + n) % 40)).isoformat(),
                }
                for n in range(count)
            ],
        }
        answer = http.post(f"{system.base_url}/api/intake/documents", json=body, timeout=120)
        if answer.status_code != 201:
            raise RuntimeError(f"POST document {index}: {answer.status_code} {answer.text[:500]}")
        with lock:
            done.append(index)
            print(f"\r    văn bản {len(done)}/{len(counts)}", end="", flush=True)
        return str(answer.json()["id"])

    with ThreadPoolExecutor(clients) as pool:
        ids = list(pool.map(post, range(len(counts)), counts))
    print()
    return ids


def _total(system: EmbeddedSystem, token: str, query: str = "") -> int:
    return int(system.api("GET", f"/api/workflow/tasks?limit=1{query}", token)["total"])


def wait_for_tasks(system: EmbeddedSystem, expected: int, stall: float = 120) -> None:
    """Until the workflow has assigned every task; a count that stops moving for `stall`
    seconds stops the run with the end of the server's log."""
    office = system.token("office", "VP_UBND")
    last, moved = -1, time.monotonic()
    while (total := _total(system, office)) < expected:
        print(f"\r    quy trình đã giao {total:,}/{expected:,}", end="", flush=True)
        if total != last:
            last, moved = total, time.monotonic()
        elif time.monotonic() - moved > stall:
            tail = system.log_path.read_text(encoding="utf-8", errors="replace")[-2000:]
            raise RuntimeError(f"\nstuck at {total} of {expected} assigned tasks:\n{tail}")
        time.sleep(1)
    print(f"\r    quy trình đã giao {expected:,}/{expected:,}", flush=True)


def give_the_office_work(system: EmbeddedSystem) -> str:
    """The unit accepts 120 tasks, submits the result of 40 and returns 10; the Office's queue
    then has results to confirm and returns to resolve. Returns a task in progress."""
    unit = system.token("unit_officer", UNIT)
    query = f"/api/workflow/tasks?status=assigned&unit={UNIT}&limit=300"
    listed = system.api("GET", query, unit)["items"]
    ids = [item["id"] for item in listed if item.get("lead_unit", UNIT) == UNIT][:130]
    path = "/api/workflow/tasks/{}/actions/{}"
    for task_id in ids[:120]:
        system.api("POST", path.format(task_id, "accept"), unit, json={"note": "Tiếp nhận"})
    for task_id in ids[:40]:
        system.api("POST", path.format(task_id, "submit_result"), unit, json={"note": "Đã xong"})
    for task_id in ids[120:130]:
        body = {"reason": "not_its_function", "note": "Không thuộc chức năng của đơn vị"}
        system.api("POST", path.format(task_id, "return"), unit, json=body)
    for task_id in ids[40:60]:
        body = {"note": "Đã hoàn thành một nửa khối lượng"}
        system.api("POST", path.format(task_id, "report_progress"), unit, json=body)
    return str(ids[50])


def settle(system: EmbeddedSystem, timeout: float = 300) -> None:
    """Wait until the unit's inbox stops growing: the bus has delivered what the load sent."""
    unit = system.token("unit_officer", UNIT)
    last, stable_since = -1, time.monotonic()
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        total = int(system.api("GET", "/api/notify/inbox?limit=1", unit).get("total", 0))
        if total != last:
            last, stable_since = total, time.monotonic()
        elif time.monotonic() - stable_since > 3:
            return
        time.sleep(0.5)
