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
import sys
import time
from html.parser import HTMLParser
from typing import Any

import requests

from bench.web_system import (
    UNIT,
    EmbeddedSystem,
    give_the_office_work,
    load_tasks,
    settle,
    wait_for_tasks,
)

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
    with EmbeddedSystem() as system:
        began = time.monotonic()
        documents = load_tasks(system, tasks, per_document, clients)
        wait_for_tasks(system, tasks)
        loaded = time.monotonic() - began
        print(f"    nạp {tasks:,} nhiệm vụ trong {loaded:.0f} s", flush=True)
        sample = give_the_office_work(system)
        settle(system)
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
