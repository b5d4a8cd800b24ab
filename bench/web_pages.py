"""The web application's server time per page, with 10,000 tasks in the databases.

The web is measured as `make run` deploys it: `nhiemvu serve` (the four services and the web in
one process, SQLite, in-process bus), the web calling the APIs over HTTP on loopback with the
signed-in person's token. Steps:

1. Load the tasks through intake's `POST /api/intake/documents` (50 tasks a document, released,
   spread over 8 units as step 2 of bench/run.py does) and wait until the workflow has assigned
   every one. Then give the Office some work: one unit accepts some of its tasks, submits the
   result of some and returns a few with a reason.
2. Sign in through the development form (`GET`/`POST /login`, CSRF token included) as the Office
   and as a unit officer, each in its own cookie session.
3. Request each main page `--web-rounds` times after a warm-up, the pages taken in turn, one
   request at a time: the time is the HTTP round trip seen by a client on loopback (the server's
   time plus a loopback hop). A page that does not answer 200 stops the run. A few of the API
   calls the pages are made of are timed in the same rounds, so that a slow page can be told
   from a slow API under the same load.

Prints p50/p95/max per page and whether p95 < 150 ms (issue 14); the `X-Response-Time` or
`Server-Timing` header is reported too when the web sends one. Needs neither PostgreSQL nor
RabbitMQ, so `python -m bench.run --web-only` runs it alone.
"""

from __future__ import annotations

import os
import re
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
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import requests

from shared.auth import AuthSettings, mint_token
from shared.calendar import local_date

ROOT = Path(__file__).resolve().parents[1]
SECRET = "bench-web-secret-0123456789-0123456789-abcdef"
UNITS = ["SO_TC", "SO_XD", "SO_YT", "SO_GDDT", "SO_NV", "SO_TP", "14812", "14758"]
UNIT = "SO_TC"  # the unit officer whose pages are measured
TARGET_P95_MS = 150.0

# (persona, page name, path); {task} is a task of the unit, {document} its document.
PAGES = [
    ("office", "office_home", "/office"),
    ("office", "task_list", "/tasks"),
    ("office", "task_list_filtered", "/tasks?status=in_progress&unit=SO_TC&q=nhiem+vu+1"),
    ("office", "task_detail", "/tasks/{task}"),
    ("office", "documents", "/documents"),
    ("office", "document_detail", "/documents/{document}"),
    ("office", "inbox", "/inbox"),
    ("unit", "unit_home", "/unit"),
    ("unit", "task_list", "/tasks"),
    ("unit", "task_detail", "/tasks/{task}"),
    ("unit", "inbox", "/inbox"),
]
# The API calls the pages are built from, timed in the same rounds for comparison (bearer token).
API_CALLS = [
    ("office_api", "workflow_tasks", "/api/workflow/tasks?limit=50"),
    ("office_api", "workflow_tasks_returned", "/api/workflow/tasks?status=returned&limit=50"),
    ("office_api", "workflow_task", "/api/workflow/tasks/{task}"),
    ("office_api", "intake_documents", "/api/intake/documents?limit=50"),
    ("unit_api", "workflow_tasks_unit", f"/api/workflow/tasks?unit={UNIT}&limit=50"),
    ("unit_api", "notify_unread", "/api/notify/inbox?unread=true&limit=1"),
    # The home pages' queues, one call per service (GET /api/…/queues).
    ("office_api", "workflow_queues", "/api/workflow/queues?limit=50"),
    ("office_api", "intake_queues", "/api/intake/queues?limit=50"),
    ("unit_api", "workflow_queues_unit", "/api/workflow/queues?limit=50"),
]
PERSONAS = {"office": ("office", "VP_UBND"), "unit": ("unit_officer", UNIT)}


def measure_web_pages(
    *, tasks: int = 10_000, per_document: int = 50, rounds: int = 50, clients: int = 2
) -> dict[str, Any]:
    print(
        f"6/6 Trang web: {tasks:,} nhiệm vụ, mỗi trang {rounds} lần (Văn phòng, {UNIT})...",
        flush=True,
    )
    with _EmbeddedSystem() as system:
        began = time.monotonic()
        documents = _load(system, tasks, per_document, clients)
        _wait_for_tasks(system, tasks)
        loaded = time.monotonic() - began
        print(f"    nạp {tasks:,} nhiệm vụ trong {loaded:.0f} s", flush=True)
        sample = _give_the_office_work(system)
        _settle(system)
        sessions = {name: _signed_in(system.base_url, *who) for name, who in PERSONAS.items()}
        for name, (role, unit) in PERSONAS.items():
            sessions[f"{name}_api"] = requests.Session()
            sessions[f"{name}_api"].headers["Authorization"] = f"Bearer {system.token(role, unit)}"
        values = {"task": sample, "document": documents[0]}
        load_before = os.getloadavg()[0]
        timings = _measure(system.base_url, sessions, values, rounds)
        load_after = os.getloadavg()[0]
    figures = _figures(timings, tasks, rounds, loaded)
    # The machine's other work shows in every figure: say how busy it was.
    figures["web_loadavg_1m"] = [round(load_before, 2), round(load_after, 2), os.cpu_count()]
    _print(figures)
    return figures


def _serve_command(port: int) -> list[str]:
    return [str(Path(sys.executable).parent / "nhiemvu"), "serve", "--port", str(port), "--no-demo"]


class _EmbeddedSystem:
    """`nhiemvu serve --no-demo` on a free port and a fresh DATA_DIR, as `make run` runs it."""

    def __enter__(self) -> _EmbeddedSystem:
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


def _load(system: _EmbeddedSystem, tasks: int, per_document: int, clients: int) -> list[str]:
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


def _total(system: _EmbeddedSystem, token: str, query: str = "") -> int:
    return int(system.api("GET", f"/api/workflow/tasks?limit=1{query}", token)["total"])


def _wait_for_tasks(system: _EmbeddedSystem, expected: int, stall: float = 120) -> None:
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


def _give_the_office_work(system: _EmbeddedSystem) -> str:
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


def _settle(system: _EmbeddedSystem, timeout: float = 300) -> None:
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


class _LoginForm(HTMLParser):
    """The hidden fields (CSRF token, next) and the action of the form that has a `role` field."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {k: v or "" for k, v in attrs}
        if tag == "form":
            self.forms.append({"action": values.get("action", ""), "fields": {}, "names": set()})
        elif tag in ("input", "select") and self.forms and values.get("name"):
            form = self.forms[-1]
            form["names"].add(values["name"])
            if values.get("type") == "hidden":
                form["fields"][values["name"]] = values.get("value", "")


def _signed_in(base_url: str, role: str, unit: str) -> requests.Session:
    http = requests.Session()
    page = http.get(f"{base_url}/login", timeout=60)
    page.raise_for_status()
    parser = _LoginForm()
    parser.feed(page.text)
    form = next((f for f in parser.forms if "role" in f["names"]), None)
    if form is None:
        raise RuntimeError("GET /login shows no form with a `role` field")
    action = form["action"] or "/login"
    url = action if action.startswith("http") else base_url + action
    answer = http.post(url, data={**form["fields"], "role": role, "unit": unit}, timeout=60)
    if answer.status_code != 200 or re.search(r"/login(\?|$)", answer.url):
        raise RuntimeError(f"signing in as {role} of {unit} failed: {answer.status_code}")
    return http


def _measure(
    base_url: str, sessions: dict[str, requests.Session], values: dict[str, str], rounds: int
) -> dict[str, dict[str, list[float]]]:
    """{persona/page: {"round_trip": [...], "server": [...]}} in seconds, warm-up excluded."""
    timings: dict[str, dict[str, list[float]]] = {}
    for index in range(rounds + 2):
        for persona, name, path in PAGES + API_CALLS:
            url = base_url + path.format(**values)
            started = time.perf_counter()
            answer = sessions[persona].get(url, timeout=60, allow_redirects=False)
            elapsed = time.perf_counter() - started
            if answer.status_code != 200:
                raise RuntimeError(f"{persona} {path}: {answer.status_code} {answer.text[:300]}")
            if index < 2:  # warm-up: templates compiled, unit directory cached
                continue
            entry = timings.setdefault(
                f"{persona}/{name}", {"round_trip": [], "server": [], "api_calls": [], "api": []}
            )
            entry["round_trip"].append(elapsed)
            server = _server_seconds(answer.headers)
            if server is not None:
                entry["server"].append(server)
            api = re.search(
                r'api;desc="(\d+) calls?, ([\d.]+) ?ms"', answer.headers.get("Server-Timing", "")
            )
            if api:  # the web's count of its API calls for the page and their summed time
                entry["api_calls"].append(float(api.group(1)))
                entry["api"].append(float(api.group(2)) / 1000)
    return timings


def _server_seconds(headers: Any) -> float | None:
    """The web's own measure of its time, if it sends one: X-Response-Time ("12.3ms", "12.3")
    or Server-Timing ("app;dur=12.3")."""
    raw = headers.get("X-Response-Time")
    if raw:
        match = re.search(r"([\d.]+)\s*(ms|s)?", raw)
        if match:
            value = float(match.group(1))
            return value if match.group(2) == "s" else value / 1000
    timing = headers.get("Server-Timing")
    if timing:
        durations = [float(d) for d in re.findall(r"dur=([\d.]+)", timing)]
        if durations:
            return max(durations) / 1000
    return None


def _percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def _figures(
    timings: dict[str, dict[str, list[float]]], tasks: int, rounds: int, loaded: float
) -> dict[str, Any]:
    rows: dict[str, Any] = {}
    for key, entry in timings.items():
        trips = entry["round_trip"]
        row = {
            "p50_ms": round(_percentile(trips, 50) * 1000, 1),
            "p95_ms": round(_percentile(trips, 95) * 1000, 1),
            "max_ms": round(max(trips) * 1000, 1),
        }
        if entry["server"]:
            row["server_p95_ms"] = round(_percentile(entry["server"], 95) * 1000, 1)
        if entry["api"]:
            row["api_calls"] = int(max(entry["api_calls"]))
            row["api_sum_p50_ms"] = round(_percentile(entry["api"], 50) * 1000, 1)
        rows[key] = row
    pages = {k: v for k, v in rows.items() if not k.split("/")[0].endswith("_api")}
    worst = max(row["p95_ms"] for row in pages.values())
    return {
        "web_tasks": tasks,
        "web_rounds": rounds,
        "web_load_seconds": round(loaded, 1),
        "web_pages": pages,
        "web_api_calls": {k: v for k, v in rows.items() if k not in pages},
        "web_page_p95_max_ms": worst,
        "web_page_p95_ok": worst < TARGET_P95_MS,
    }


def _print(figures: dict[str, Any]) -> None:
    heading = ["p50 ms", "p95 ms", "max ms"]
    title = "trang (và lời gọi API bên dưới)"
    print(
        f"    {title:<36}",
        *[f"{h:>8}" for h in heading],
        f"{'máy chủ p95':>12}",
        "gọi API × tổng ms (p50)",
    )
    for key, row in [*figures["web_pages"].items(), *figures["web_api_calls"].items()]:
        server = f"{row['server_p95_ms']:>12}" if "server_p95_ms" in row else f"{'—':>12}"
        api = f"{row['api_calls']:>4} × {row['api_sum_p50_ms']:>6}" if "api_calls" in row else ""
        print(
            f"    {key:<36} {row['p50_ms']:>8} {row['p95_ms']:>8} {row['max_ms']:>8} {server} {api}"
        )
    before, after, cpus = figures["web_loadavg_1m"]
    print(f"    tải máy (loadavg 1 phút) {before} → {after} trên {cpus} CPU")
    verdict = "đạt" if figures["web_page_p95_ok"] else "KHÔNG đạt"
    print(
        f"    p95 lớn nhất {figures['web_page_p95_max_ms']} ms (mục tiêu < {TARGET_P95_MS:g} ms): "
        f"{verdict}",
        flush=True,
    )


if __name__ == "__main__":
    import json

    result = measure_web_pages(
        tasks=int(sys.argv[1]) if len(sys.argv) > 1 else 10_000,
        rounds=int(sys.argv[2]) if len(sys.argv) > 2 else 50,
    )
    print(json.dumps(result, ensure_ascii=False, sort_keys=True))
