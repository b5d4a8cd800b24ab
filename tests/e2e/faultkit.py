"""Fault tests' kit: the distributed system behind TCP proxies that a test cuts and restores.

The workers and web processes reach RabbitMQ and PostgreSQL through a `TcpProxy` each, started
by the test: `cut()` closes every connection and refuses new ones (the dependency is down),
`restore()` listens again on the same port (it is back). The machine's own servers are never
touched. Helpers post work with Idempotency-Keys and retry as a client would, and count the
outcome in all four services: no loss and no duplicate, with the recovery time printed.
"""

from __future__ import annotations

import contextlib
import re
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests

from services.distributed import Cluster
from shared.calendar import local_date
from tests.e2e.conftest import RABBIT, Client, _client_of, _running_cluster, free_port
from tests.polling import WaitTimeout, wait_for

LEAD = "SO_TC"
TASKS_PER_DOCUMENT = 5


class TcpProxy:
    """Forwards 127.0.0.1:<port> to a server; cut() is an outage, restore() the way back."""

    def __init__(self, target: tuple[str, int]) -> None:
        self.target = target
        self.port = free_port()
        self._listener: socket.socket | None = None
        self._sockets: set[socket.socket] = set()
        self._lock = threading.Lock()
        self.cut_at: float | None = None
        self.restored_at: float | None = None

    def start(self) -> TcpProxy:
        listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(128)
        self._listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()
        return self

    def cut(self) -> None:
        """Close every connection and stop listening: connects are refused from now on."""
        self.cut_at = time.monotonic()
        listener, self._listener = self._listener, None
        if listener is not None:
            with contextlib.suppress(OSError):
                listener.shutdown(socket.SHUT_RDWR)
            listener.close()
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)
            sock.close()

    def restore(self) -> None:
        self.restored_at = time.monotonic()
        self.start()

    def close(self) -> None:
        self.cut()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                if self._listener is not listener:  # cut meanwhile
                    client.close()
                    upstream.close()
                    return
                self._sockets |= {client, upstream}
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pump, args=(source, sink), daemon=True).start()

    def _pump(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while data := source.recv(65536):
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)


@dataclass
class FaultySystem:
    client: Client
    cluster: Cluster
    broker: TcpProxy
    database: TcpProxy
    broker_url: str  # straight to RabbitMQ, for the test's own messages
    status_dir: Path

    @property
    def office(self) -> str:
        return self.client.token("office", "VP_UBND")

    @property
    def officer(self) -> str:
        return self.client.token("unit_officer", LEAD)


@pytest.fixture()
def faulty(
    tmp_path: Path, pg_databases: dict[str, str], rabbit_vhost: str, cluster_env: dict[str, str]
) -> Iterator[FaultySystem]:
    host, port = RABBIT.split(":")
    broker = TcpProxy((host, int(port))).start()
    database = TcpProxy(("127.0.0.1", 5432)).start()
    proxied_broker = rabbit_vhost.replace(f"@{RABBIT}/", f"@127.0.0.1:{broker.port}/")
    databases = {
        service: url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{database.port}/")
        for service, url in pg_databases.items()
    }
    status_dir = tmp_path / "status"
    extra = {"WORKER_STATUS_DIR": str(status_dir), "WORKER_STALL_SECONDS": "20", **cluster_env}
    try:
        with _running_cluster(tmp_path / "logs", databases, proxied_broker, extra) as cluster:
            yield FaultySystem(
                _client_of(cluster), cluster, broker, database, rabbit_vhost, status_dir
            )
    finally:
        broker.close()
        database.close()


# -- work, posted as a client would ------------------------------------------------------------
def a_document(tasks: int = TASKS_PER_DOCUMENT, *, source_id: bool = False) -> dict[str, Any]:
    """A released document with `tasks` tasks for LEAD; without a source_id unless asked, so that
    only the Idempotency-Key tells a retry from new work."""
    today = local_date(datetime.now(UTC))
    document: dict[str, Any] = {
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today.isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về việc kiểm thử sự cố",
        "release": True,
        "tasks": [
            {
                "content": f"Nhiệm vụ kiểm thử số {n + 1}",
                "lead_unit": LEAD,
                "coordinating_units": ["SO_XD"],
                "due_on": (today + timedelta(days=20)).isoformat(),
                "cadence": None,
            }
            for n in range(tasks)
        ],
    }
    if source_id:
        document["source_id"] = f"fault-{uuid.uuid4().hex}"
    return document


def post_with_retries(
    client: Client, token: str, document: dict[str, Any], key: str, deadline: float = 90.0
) -> tuple[list[str], int]:
    """POST a document with its Idempotency-Key until the service answers 200/201, as a client
    that sees errors or no answer retries the same request. Returns its task ids and tries."""
    tries = 0

    def attempt() -> list[str] | None:
        nonlocal tries
        tries += 1
        answer = client.call(
            "POST", "/api/intake/documents", token, json=document, headers={"Idempotency-Key": key}
        )
        if answer.status_code in (200, 201):
            return [str(task["id"]) for task in answer.json()["tasks"]]
        if answer.status_code < 500 and answer.status_code not in (409, 429):
            raise RefusedError(f"refused: {answer.status_code} {answer.text[:300]}")
        return None

    ids = wait_for(
        attempt,
        deadline,
        f"an answer for key {key}",
        interval=0.3,
        ignore=(requests.RequestException,),
    )
    return ids, tries


class RefusedError(AssertionError):
    """The service refused a request that a retry cannot fix."""


# -- counting in the four services --------------------------------------------------------------
def _get(client: Client, path: str, token: str) -> Any:
    answer = client.call("GET", path, token)
    answer.raise_for_status()
    return answer.json()


def snapshot(system: FaultySystem) -> dict[str, Any]:
    """What each service holds of the test's work (LEAD's tasks), or {} if one cannot answer."""
    client, officer, office = system.client, system.officer, system.office
    today = local_date(datetime.now(UTC)).isoformat()
    try:
        documents = _get(client, "/api/intake/documents?limit=500", office)
        tasks = _get(client, "/api/workflow/tasks?limit=500", officer)
        inbox = _get(client, "/api/notify/inbox?limit=500", officer)
        stats = _get(client, f"/api/reporting/stats?from={today}&to={today}&unit={LEAD}", office)
    except (requests.RequestException, ValueError):
        return {}
    return {
        "intake_documents": int(documents["total"]),
        "intake_tasks": sorted(
            str(t["id"]) for d in documents["items"] for t in d.get("tasks", [])
        ),
        "workflow": sorted(str(item["id"]) for item in tasks["items"]),
        "workflow_total": int(tasks["total"]),
        "notify": sorted(str(item["task_id"]) for item in inbox["items"]),
        "notify_total": int(inbox["total"]),
        "reporting_total": int(stats["totals"]["total"]),
    }


@dataclass
class Recovery:
    resumed: float  # seconds until a service had moved on from where it stood
    complete: float  # seconds until all four held all the work


def wait_for_exact_counts(
    system: FaultySystem,
    task_ids: list[str],
    documents: int,
    timeout: float = 90.0,
    baseline: dict[str, Any] | None = None,
) -> Recovery:
    """Wait until every service holds exactly the work posted; returns how long it took to
    resume (any count past `baseline`) and to complete. Then checks again a moment later: a late
    duplicate would show up there."""
    began = time.monotonic()
    expected = sorted(task_ids)
    moving = ("workflow_total", "notify_total", "reporting_total")
    resumed: float | None = None
    last: dict[str, Any] = {}

    def complete() -> bool:
        nonlocal resumed, last
        last = snapshot(system)
        if (
            last
            and resumed is None
            and any(last[name] > (baseline or {}).get(name, -1) for name in moving)
        ):
            resumed = time.monotonic() - began
        return bool(last) and all(
            (
                last["workflow_total"] >= len(expected),
                last["notify_total"] >= len(expected),
                last["reporting_total"] >= len(expected),
                last["intake_documents"] >= documents,
            )
        )

    with contextlib.suppress(WaitTimeout):  # the counts below say what is missing
        wait_for(complete, timeout, "every service to hold the work posted", interval=0.2)
    took = time.monotonic() - began
    time.sleep(1.5)
    final = snapshot(system) or last
    assert final, "the services did not answer"
    assert final["intake_documents"] == documents, final["intake_documents"]
    assert final["intake_tasks"] == expected, "intake"
    assert final["workflow_total"] == len(expected) and final["workflow"] == expected, "workflow"
    assert final["notify_total"] == len(expected) and final["notify"] == expected, "notify"
    assert final["reporting_total"] == len(expected), "reporting"
    return Recovery(resumed=took if resumed is None else resumed, complete=took)


def back_after(system: FaultySystem) -> dict[str, float]:
    """Per process, the longest spell its loops and consumer logged as failed before they worked
    again ("… recovered after 7.9s", "consumer … consuming again after 7.9s")."""
    spells: dict[str, float] = {}
    for record in system.client.log_records():
        message = str(record.get("message", ""))
        found = re.search(r"(?:recovered|consuming again) after ([0-9.]+)s", message)
        if found:
            process = str(record["process"])
            spells[process] = max(spells.get(process, 0.0), float(found.group(1)))
    return spells


def report(what: str, **figures: Any) -> None:
    """One friendly line per scenario on stdout (pytest -s shows it)."""
    shown = ", ".join(
        f"{name.replace('_', ' ')} {value:.1f}s" if isinstance(value, float) else f"{name} {value}"
        for name, value in figures.items()
    )
    print(f"\n[faults] {what}: {shown}", flush=True)


# -- a webhook receiver that can be down --------------------------------------------------------
class Receiver:
    """An agency's webhook endpoint on a fixed port, down (connection refused) or up."""

    def __init__(self) -> None:
        self.port = free_port()
        self.received: list[tuple[float, bytes]] = []
        self._server: ThreadingHTTPServer | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with receiver._lock:
                    receiver.received.append((time.monotonic(), body))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self._server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
