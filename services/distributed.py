"""The production profile as local processes: per service a gunicorn web process and a worker,
against RabbitMQ and PostgreSQL (`make run-distributed`; the end-to-end tests use it too).

Ports: intake 8001, workflow 8002, notify 8003, reporting 8004 (`BASE_PORT` moves them), and
the web application on its own gunicorn process at 8000 (`BASE_PORT` - 1), calling the four.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parents[1]
SERVICES = ("intake", "workflow", "notify", "reporting")
GUNICORN_CONF = ROOT / "deploy" / "gunicorn.conf.py"


@dataclass
class Cluster:
    env: dict[str, str]
    ports: dict[str, int]
    log_dir: Path
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Worker processes per service (1 unless given); they share the service's queue.
    workers: dict[str, int] = field(default_factory=dict)

    def url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.ports[service]}"

    def migrate(self) -> None:
        for service in SERVICES:
            subprocess.run(
                [_bin("nhiemvu"), "migrate", service],
                env=self.env,
                check=True,
                stdout=subprocess.DEVNULL,
                stderr=self._log(f"migrate-{service}"),
            )

    def start_web(self, service: str) -> None:
        env = {**self.env, "PORT": str(self.ports[service])}
        if service == "workflow" and "GUNICORN_WORKERS" not in env:
            # Its actions run the engine (CPU, under one interpreter lock per process): a second
            # process where there is a second core (docs/architecture.md, Benchmarks).
            processes = _workflow_processes()
            env["GUNICORN_WORKERS"] = str(processes)
            env.setdefault("GUNICORN_THREADS", str(max(2, 8 // processes)))
        self._spawn(
            f"{service}-web",
            [_bin("gunicorn"), "-c", str(GUNICORN_CONF), f"services.{service}.app:create_app()"],
            env,
        )

    def start_site(self, port: int) -> str:
        """The web application (services/web) as its own gunicorn process, calling each service
        over HTTP at its port. Without an OpenID provider (OIDC_ISSUER) it runs with the
        development sign-in, so that the profile can be tried locally; with one, in production
        mode like the services."""
        env = {**self.env, "PORT": str(port)}
        env.update({f"WEB_{s.upper()}_URL": self.url(s) for s in SERVICES})
        if not env.get("OIDC_ISSUER"):
            env["NHIEMVU_ENV"] = "development"
        env["WEB_API_URL"] = self.url("workflow")
        argv = [_bin("gunicorn"), "-c", str(GUNICORN_CONF), "services.web.app:create_app()"]
        self._spawn("web", argv, env)
        return f"http://127.0.0.1:{port}"

    def start_worker(self, service: str, index: int = 1) -> None:
        name = f"{service}-worker" if index == 1 else f"{service}-worker-{index}"
        self._spawn(name, [_bin("nhiemvu"), "worker", service], self.env)

    def start(self) -> None:
        # Workers first: they declare the queues that the web processes' relays publish to.
        for service in SERVICES:
            for index in range(1, self.workers.get(service, 1) + 1):
                self.start_worker(service, index)
        for service in SERVICES:
            self.start_web(service)
        self.wait_ready()

    def wait_ready(self, timeout: float = 60.0) -> None:
        import requests

        deadline = time.monotonic() + timeout
        for service in SERVICES:
            while True:
                try:
                    if requests.get(f"{self.url(service)}/readyz", timeout=2).ok:
                        break
                except requests.RequestException:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{service} did not become ready; see {self.log_dir}")
                time.sleep(0.2)

    def kill(self, name: str) -> None:
        """SIGKILL a process, as a crash would."""
        process = self.processes.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(10)

    def stop(self) -> None:
        for process in self.processes.values():
            process.send_signal(signal.SIGTERM)
        for process in self.processes.values():
            try:
                process.wait(15)
            except subprocess.TimeoutExpired:
                process.kill()
        self.processes.clear()

    def _spawn(self, name: str, argv: list[str], env: Mapping[str, str]) -> None:
        self.processes[name] = subprocess.Popen(
            argv, env=dict(env), cwd=ROOT, stdout=self._log(name), stderr=subprocess.STDOUT
        )

    def _log(self, name: str) -> int:
        self.log_dir.mkdir(parents=True, exist_ok=True)
        return os.open(self.log_dir / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND)


def default_workers(service: str) -> int:
    """Worker processes of a service: the workflow's, competing consumers of its queue, two
    where there are two cores or more, else one (`WORKFLOW_WORKERS` overrides); the others
    one."""
    if service != "workflow":
        return 1
    given = os.environ.get("WORKFLOW_WORKERS", "").strip()
    return int(given) if given else _workflow_processes()


def _workflow_processes() -> int:
    """Two processes instead of one where the machine has two cores or more. The workflow's
    worker is the one process every released task goes through and the costliest per task
    (the engine starts its process), so one such process on one core bounds the whole
    pipeline; with two, the released tasks per second on two cores rose from 419 to 472–488
    (docs/architecture.md, Benchmarks). Not more: each further process only shares the same
    cores."""
    return max(1, min(2, os.cpu_count() or 1))


def _bin(name: str) -> str:
    return str(Path(sys.executable).parent / name)


def ensure_databases(env: Mapping[str, str]) -> None:
    """Create each service's PostgreSQL database if it does not exist yet."""
    for service in SERVICES:
        url = make_url(env[f"{service.upper()}_DATABASE_URL"])
        admin = url.set(drivername="postgresql", database="postgres")
        with psycopg.connect(admin.render_as_string(hide_password=False), autocommit=True) as conn:
            exists = conn.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", (url.database,)
            ).fetchone()
            if not exists:
                conn.execute(f'CREATE DATABASE "{url.database}"')


def default_env(base: Mapping[str, str] | None = None, base_port: int = 8001) -> dict[str, str]:
    env = dict(os.environ if base is None else base)
    env.setdefault("NHIEMVU_ENV", "production")
    env.setdefault("JWT_SECRET", "nhiemvu-local-distributed-secret-0123456789")
    env.setdefault("BROKER_URL", "amqp://guest:guest@127.0.0.1:5672//")
    for service in SERVICES:
        env.setdefault(
            f"{service.upper()}_DATABASE_URL",
            f"postgresql+psycopg://postgres@127.0.0.1:5432/nhiemvu_{service}",
        )
    return env


def main() -> int:
    base_port = int(os.environ.get("BASE_PORT", "8001"))
    env = default_env()
    ensure_databases(env)
    cluster = Cluster(
        env,
        {s: base_port + i for i, s in enumerate(SERVICES)},
        ROOT / "var" / "logs",
        workers={"workflow": default_workers("workflow")},
    )
    cluster.migrate()
    cluster.start()
    site = cluster.start_site(base_port - 1)
    for service in SERVICES:
        print(f"{service}: {cluster.url(service)}/api/{service}/openapi.json")
    print(f"web: {site}/ (đăng nhập: {site}/login)")
    print(f"Nhật ký: {cluster.log_dir}. Ctrl+C để dừng.", flush=True)
    try:
        while all(p.poll() is None for p in cluster.processes.values()):
            time.sleep(1)
    except KeyboardInterrupt:
        pass
    cluster.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
