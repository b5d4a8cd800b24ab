"""Fixtures shared by the test suites: unique bus namespaces, RabbitMQ vhosts, PostgreSQL databases.

Tests that need RabbitMQ or PostgreSQL are marked `services`; when a server is unreachable they
are skipped, unless REQUIRE_SERVICES=1, in which case they fail (CI must not skip them silently).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import socket
import subprocess
import uuid
from collections.abc import Callable, Iterator

import pytest

AMQP_HOST = os.environ.get("TEST_AMQP_HOST", "127.0.0.1")
AMQP_PORT = int(os.environ.get("TEST_AMQP_PORT", "5672"))
AMQP_USER = os.environ.get("TEST_AMQP_USER", "guest")
AMQP_PASSWORD = os.environ.get("TEST_AMQP_PASSWORD", "guest")
POSTGRES_SERVER_URL = os.environ.get(
    "TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/"
)


def require_services(what: str, probe: Callable[[], object]) -> None:
    """Run `probe`; if it fails, skip the test, or fail it when REQUIRE_SERVICES=1."""
    try:
        probe()
    except Exception as exc:
        skip_or_fail(f"{what} is unreachable: {type(exc).__name__}: {exc}")


def skip_or_fail(message: str) -> None:
    """Skip the test saying why, or fail it when REQUIRE_SERVICES=1 (CI: what the machine must
    have is there)."""
    if os.environ.get("REQUIRE_SERVICES") == "1":
        pytest.fail(f"{message} (REQUIRE_SERVICES=1)", pytrace=False)
    pytest.skip(message)


@pytest.fixture(autouse=True)
def _root_logger_as_it_was() -> Iterator[None]:
    """The root logger's handlers and level as before the test: a test that runs the command
    line (`services.cli.main`) installs the JSON handler at INFO, and the threads of later tests
    would then write their records to the terminal between the tests' captures."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def bus_namespace() -> str:
    """A namespace of its own for each test: kombu's memory:// queues are process-global."""
    return f"nvt{uuid.uuid4().hex[:12]}"


# -- RabbitMQ ------------------------------------------------------------------------------------
def rabbitmqctl(*args: str) -> str:
    result = subprocess.run(
        ["rabbitmqctl", "-q", *args], capture_output=True, text=True, timeout=60, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"rabbitmqctl {' '.join(args)} failed: {result.stderr.strip()}")
    return result.stdout


def rabbitmqctl_json(*args: str) -> list[dict[str, object]]:
    out = rabbitmqctl(*args, "--formatter", "json").strip()
    return json.loads(out) if out else []


def _probe_rabbitmq() -> None:
    if shutil.which("rabbitmqctl") is None:
        raise RuntimeError("rabbitmqctl is not on PATH")
    with socket.create_connection((AMQP_HOST, AMQP_PORT), timeout=3):
        pass


@pytest.fixture
def rabbit_vhost() -> Iterator[str]:
    """A fresh RabbitMQ vhost for one test (deleted afterwards); yields its name."""
    require_services("RabbitMQ", _probe_rabbitmq)
    vhost = f"nvtest_{uuid.uuid4().hex[:12]}"
    rabbitmqctl("add_vhost", vhost)
    try:
        rabbitmqctl("set_permissions", "-p", vhost, AMQP_USER, ".*", ".*", ".*")
        yield vhost
    finally:
        rabbitmqctl("delete_vhost", vhost)


@pytest.fixture
def rabbit_url(rabbit_vhost: str) -> str:
    return f"amqp://{AMQP_USER}:{AMQP_PASSWORD}@{AMQP_HOST}:{AMQP_PORT}/{rabbit_vhost}"


# -- PostgreSQL ----------------------------------------------------------------------------------
def _psycopg_conninfo(database: str) -> str:
    from sqlalchemy.engine import make_url

    url = make_url(POSTGRES_SERVER_URL).set(database=database)
    return url.render_as_string(hide_password=False).replace(
        "postgresql+psycopg://", "postgresql://"
    )


def _admin_connection():  # type: ignore[no-untyped-def]
    import psycopg

    return psycopg.connect(_psycopg_conninfo("postgres"), autocommit=True, connect_timeout=3)


def _probe_postgres() -> None:
    with _admin_connection() as conn:
        conn.execute("SELECT 1")


@pytest.fixture
def pg_database_url() -> Iterator[str]:
    """A fresh PostgreSQL database for one test (dropped afterwards); yields its SQLAlchemy URL."""
    require_services("PostgreSQL", _probe_postgres)
    name = f"nvtest_{uuid.uuid4().hex[:12]}"
    with _admin_connection() as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield POSTGRES_SERVER_URL + name
    finally:
        with _admin_connection() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
