"""Fresh PostgreSQL databases (one per service) and a RabbitMQ vhost for one benchmark run, removed
afterwards, and the environment a cluster runs with on them (bench/run.py and the benchmarks that
need the bus)."""

from __future__ import annotations

import subprocess
import uuid

import psycopg

from services.distributed import SERVICES

SECRET = "bench-secret-0123456789-0123456789-abcdef"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


class _infrastructure:
    """Fresh databases and a vhost for one run, removed afterwards."""

    def __enter__(self) -> dict[str, str]:
        suffix = uuid.uuid4().hex[:8]
        self.databases = {s: f"nv_bench_{s}_{suffix}" for s in SERVICES}
        self.vhost = f"nv_bench_{suffix}"
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.databases.values():
                conn.execute(f'CREATE DATABASE "{name}"')
        subprocess.run(["rabbitmqctl", "add_vhost", self.vhost], check=True, capture_output=True)
        subprocess.run(
            ["rabbitmqctl", "set_permissions", "-p", self.vhost, "guest", ".*", ".*", ".*"],
            check=True,
            capture_output=True,
        )
        env = {
            "NHIEMVU_ENV": "production",
            "JWT_SECRET": SECRET,
            "LOG_LEVEL": "WARNING",
            "BROKER_URL": f"amqp://guest:guest@127.0.0.1:5672/{self.vhost}",
            "OUTBOX_POLL_SECONDS": "0.2",
        }
        for service, name in self.databases.items():
            env[f"{service.upper()}_DATABASE_URL"] = (
                f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
            )
        return env

    def __exit__(self, *_: object) -> None:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            for name in self.databases.values():
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        subprocess.run(["rabbitmqctl", "delete_vhost", self.vhost], capture_output=True)
