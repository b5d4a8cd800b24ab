"""A web process of several gunicorn workers shares its clients between them: each worker listens
on a socket of its own and the kernel spreads new connections (deploy/gunicorn.conf.py,
`reuse_port`; docs/architecture.md, Benchmarks). On one shared socket the worker that woke first
took most kept-alive clients and the other's threads stood idle."""

from __future__ import annotations

import http.client
import os
import runpy
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CONF = ROOT / "deploy" / "gunicorn.conf.py"

# An app that answers with the worker's process id; the settings' hooks run around it as around
# a service's.
APP = """
import os
from flask import Flask


def create_app():
    app = Flask(__name__)
    app.add_url_rule("/pid", "pid", lambda: str(os.getpid()))
    return app
"""


def settings(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> dict[str, object]:
    for name in ("GUNICORN_WORKERS", "GUNICORN_REUSE_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(CONF))


def test_several_workers_listen_on_a_socket_each_unless_told_not_to(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert settings({"GUNICORN_WORKERS": "2"}, monkeypatch)["reuse_port"] is True
    assert settings({"GUNICORN_WORKERS": "1"}, monkeypatch)["reuse_port"] is False
    assert settings({}, monkeypatch)["reuse_port"] is False
    off = {"GUNICORN_WORKERS": "2", "GUNICORN_REUSE_PORT": "0"}
    assert settings(off, monkeypatch)["reuse_port"] is False


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _pid(port: int) -> str:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        connection.request("GET", "/pid")
        return connection.getresponse().read().decode()
    finally:
        connection.close()


@pytest.fixture
def two_workers(tmp_path: Path) -> Iterator[int]:
    (tmp_path / "pidapp.py").write_text(APP, encoding="utf-8")
    port = _free_port()
    env = {
        **os.environ,
        "PYTHONPATH": f"{tmp_path}{os.pathsep}{ROOT}",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "2",
        "GUNICORN_THREADS": "2",
    }
    env.pop("GUNICORN_REUSE_PORT", None)
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    log = (tmp_path / "gunicorn.log").open("w")
    process = subprocess.Popen(
        [gunicorn, "-c", str(CONF), "pidapp:create_app()"],
        env=env,
        cwd=tmp_path,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        # Ready once both workers answer (each binds its socket as it boots).
        seen: set[str] = set()
        deadline = time.monotonic() + 30
        while len(seen) < 2:
            assert process.poll() is None, (tmp_path / "gunicorn.log").read_text()
            assert time.monotonic() < deadline, (tmp_path / "gunicorn.log").read_text()
            try:
                seen.add(_pid(port))
            except OSError:
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(20)
        log.close()


@pytest.mark.skipif(
    sys.platform != "linux",
    reason="only Linux spreads new connections between SO_REUSEPORT sockets; elsewhere the "
    "option lets several sockets bind one port but one of them may take every connection",
)
def test_kept_alive_clients_connecting_at_once_are_shared_between_the_workers(
    two_workers: int,
) -> None:
    # 60 clients connect before any sends (as the back-to-back benchmark's 50 do), then each
    # asks on its connection which worker serves it. On one shared socket the first worker to
    # wake accepts most of the queue; with a socket each, the kernel hashes every connection to
    # one of two, so a worker serving fewer than 15 of 60 would be a 1-in-20,000 draw.
    clients = [http.client.HTTPConnection("127.0.0.1", two_workers, timeout=10) for _ in range(60)]
    try:
        for client in clients:
            client.connect()
        answers = []
        for client in clients:
            client.request("GET", "/pid")
            answers.append(client.getresponse().read().decode())
        # Kept alive: a connection's next request is served by the same worker.
        clients[0].request("GET", "/pid")
        again = clients[0].getresponse().read().decode()
    finally:
        for client in clients:
            client.close()
    served = Counter(answers)
    assert len(served) == 2, served
    assert min(served.values()) >= 15, served
    assert again == answers[0]
