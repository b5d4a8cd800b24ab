"""End-to-end fixtures: the running system over HTTP, on both profiles.

`embedded` starts `nhiemvu serve` (one process, SQLite, in-process bus). `distributed` starts every
service as gunicorn web + worker processes against RabbitMQ and PostgreSQL, each test run with its
own databases and vhost, removed afterwards.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
import requests

from services.distributed import SERVICES, Cluster
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from tests.conftest import require_services
from tests.polling import wait_for

ROOT = Path(__file__).resolve().parents[2]
SECRET = "e2e-secret-0123456789-0123456789-abcdef"
PG_ADMIN = os.environ.get("TEST_POSTGRES_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres")
RABBIT = os.environ.get("TEST_RABBITMQ", "127.0.0.1:5672")


def _connect(host: str, port: int) -> None:
    socket.create_connection((host, port), timeout=1).close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class Client:
    """Talks to the system as its users do: a bearer token per call, routing by /api/<service>."""

    def __init__(self, bases: dict[str, str]) -> None:
        self.bases = bases
        self.settings = AuthSettings(
            mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
        )

    def token(self, role: str, unit: str | None) -> str:
        return mint_token(
            self.settings,
            sub=f"{role}.{unit}.{uuid.uuid4().hex[:6]}",
            name=f"{role} {unit}",
            unit=unit,
            roles=[role],
        )

    def call(self, method: str, path: str, token: str | None = None, **kwargs: Any) -> Any:
        service = path.split("/")[2] if path.startswith("/api/") else "intake"
        base = self.bases.get(service, self.bases.get("*", ""))
        headers = dict(kwargs.pop("headers", {}) or {})
        if token:
            headers["Authorization"] = f"Bearer {token}"
        return requests.request(method, base + path, headers=headers, timeout=30, **kwargs)

    def log_records(self) -> list[dict[str, Any]]:
        """Every JSON log line the system's processes wrote so far, tagged with the process."""
        records = []
        for path in sorted(self.log_dir.glob("*.log")):  # type: ignore[attr-defined]
            for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
                if line.startswith("{"):
                    try:
                        records.append({**json.loads(line), "process": path.stem})
                    except json.JSONDecodeError:
                        continue
        return records

    def wait_for(self, probe: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
        """Poll until `probe` returns something truthy: asynchronous effects take a moment."""
        return wait_for(probe, timeout=timeout, what=what, interval=0.1)


@pytest.fixture()
def embedded(tmp_path: Path) -> Iterator[Client]:
    port = free_port()
    env = {
        **os.environ,
        "DATA_DIR": str(tmp_path / "var"),
        "JWT_SECRET": SECRET,
        "BUS_NAMESPACE": f"e2e{uuid.uuid4().hex[:8]}",
        "NHIEMVU_ENV": "development",
    }
    log = open(tmp_path / "serve.log", "wb")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "nhiemvu"), "serve", "--port", str(port), "--no-demo"],
        env=env,
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    client = Client({"*": f"http://127.0.0.1:{port}"})
    client.log_dir = tmp_path  # type: ignore[attr-defined]
    try:
        client.wait_for(lambda: _ready(f"http://127.0.0.1:{port}/readyz"), "nhiemvu serve", 60)
        yield client
    finally:
        process.terminate()
        process.wait(20)
        log.close()


def _ready(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).ok
    except requests.RequestException:
        return False


# Each service's database migrated once per test process, by `nhiemvu migrate` as a deployment
# does; a cluster's databases are then made as copies of these (PostgreSQL's CREATE DATABASE …
# TEMPLATE, a file copy), which saves four migration processes at every cluster start.
_TEMPLATES: dict[str, str] = {}
_CREATED: list[str] = []  # every template database made, dropped when the session ends
# The environment as the session began: a test's own settings (monkeypatch.setenv of a receiver's
# loopback address, say) are no concern of the templates, made when a process first needs them.
_SESSION_ENV = dict(os.environ)


def _migrated_templates() -> dict[str, str]:
    if not _TEMPLATES:
        suffix = uuid.uuid4().hex[:8]
        names = {service: f"nv_e2e_template_{service}_{suffix}" for service in SERVICES}
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'CREATE DATABASE "{name}"')
                _CREATED.append(name)
        env = {
            **_SESSION_ENV,
            "NHIEMVU_ENV": "production",
            "JWT_SECRET": SECRET,
            "BROKER_URL": f"amqp://guest:guest@{RABBIT}/",  # required by the profile, not used
        }
        for service, name in names.items():
            env[f"{service.upper()}_DATABASE_URL"] = (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            )
        Cluster(env, {}, Path(tempfile.mkdtemp(prefix="nv-e2e-templates-"))).migrate()
        _TEMPLATES.update(names)
    return _TEMPLATES


@pytest.fixture(scope="session", autouse=True)
def _drop_templates() -> Iterator[None]:
    yield
    if _CREATED:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in _CREATED:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        _CREATED.clear()
        _TEMPLATES.clear()


@contextmanager
def _pg_databases() -> Iterator[dict[str, str]]:
    """Each service's own database, migrated to the code's head (copied from the templates)."""
    require_services("PostgreSQL", lambda: _connect("127.0.0.1", 5432))
    templates = _migrated_templates()
    suffix = uuid.uuid4().hex[:8]
    names = {service: f"nv_e2e_{service}_{suffix}" for service in SERVICES}
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for service, name in names.items():
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{templates[service]}"')
    try:
        yield {
            service: f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            for service, name in names.items()
        }
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in names.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def _rabbit_vhost() -> Iterator[str]:
    host, port = RABBIT.split(":")
    require_services("RabbitMQ", lambda: _connect(host, int(port)))
    vhost = f"nv_e2e_{uuid.uuid4().hex[:8]}"
    subprocess.run(["rabbitmqctl", "add_vhost", vhost], check=True, capture_output=True)
    subprocess.run(
        ["rabbitmqctl", "set_permissions", "-p", vhost, "guest", ".*", ".*", ".*"],
        check=True,
        capture_output=True,
    )
    try:
        yield f"amqp://guest:guest@{RABBIT}/{vhost}"
    finally:
        subprocess.run(["rabbitmqctl", "delete_vhost", vhost], capture_output=True)


@contextmanager
def _running_cluster(
    log_dir: Path, databases: dict[str, str], broker_url: str, extra: dict[str, str]
) -> Iterator[Cluster]:
    env = {
        **os.environ,
        "NHIEMVU_ENV": "production",
        "JWT_SECRET": SECRET,
        "BROKER_URL": broker_url,
        "GUNICORN_WORKERS": "1",
        "OUTBOX_POLL_SECONDS": "0.2",
        **extra,
    }
    for service, url in databases.items():
        env[f"{service.upper()}_DATABASE_URL"] = url
    ports = {service: free_port() for service in SERVICES}
    running = Cluster(env, ports, log_dir)  # its databases come migrated (_pg_databases)
    try:
        running.start()
        yield running
    finally:
        running.stop()


@pytest.fixture()
def pg_databases() -> Iterator[dict[str, str]]:
    with _pg_databases() as databases:
        yield databases


@pytest.fixture()
def rabbit_vhost() -> Iterator[str]:
    with _rabbit_vhost() as url:
        yield url


@pytest.fixture()
def cluster_env() -> dict[str, str]:
    """Extra environment for the cluster's processes; a test module may override it."""
    return {}


@pytest.fixture()
def cluster(
    tmp_path: Path, pg_databases: dict[str, str], rabbit_vhost: str, cluster_env: dict[str, str]
) -> Iterator[Cluster]:
    with _running_cluster(tmp_path / "logs", pg_databases, rabbit_vhost, cluster_env) as running:
        yield running


def _client_of(cluster: Cluster) -> Client:
    client = Client({service: cluster.url(service) for service in SERVICES})
    client.cluster = cluster  # type: ignore[attr-defined]
    client.log_dir = cluster.log_dir  # type: ignore[attr-defined]
    return client


@pytest.fixture(scope="module")
def module_distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Client]:
    """One distributed system for a whole test module whose tests do not disturb each other
    (no killed processes, their own documents and cases): it saves a cluster start per test."""
    with (
        _pg_databases() as databases,
        _rabbit_vhost() as broker_url,
        _running_cluster(tmp_path_factory.mktemp("logs"), databases, broker_url, {}) as running,
    ):
        yield _client_of(running)


@pytest.fixture(params=["embedded", "distributed"])
def shared_system(request: pytest.FixtureRequest) -> Client:
    """`system`, with the distributed profile shared by the module's tests."""
    if request.param == "distributed":
        request.applymarker(pytest.mark.services)
        return request.getfixturevalue("module_distributed")  # type: ignore[no-any-return]
    return request.getfixturevalue("embedded")  # type: ignore[no-any-return]


@pytest.fixture()
def distributed(cluster: Cluster) -> Client:
    return _client_of(cluster)


@pytest.fixture(params=["embedded", "distributed"])
def system(request: pytest.FixtureRequest) -> Client:
    if request.param == "distributed":
        request.applymarker(pytest.mark.services)
    return request.getfixturevalue(request.param)
