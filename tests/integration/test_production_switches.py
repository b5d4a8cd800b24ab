"""NHIEMVU_ENV read one way everywhere, refused starts in one line, and what production closes:
tokens without `exp`, 401s without a Bearer challenge, public metrics, a clock on the network."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from flask import Flask

from services.cli import _welcome
from services.embedded import install_clock_routes
from services.intake.app import create_app as intake_app
from services.web.config import WebConfigError, WebSettings
from shared.auth_settings import AuthConfigError, AuthSettings
from shared.auth_tokens import TokenVerifier, mint_token
from shared.clock import AdjustableClock
from shared.config import ConfigError, PlatformSettings, environment
from shared.errors import Unauthorized
from shared.http_edge import install_edge

ROOT = Path(__file__).resolve().parents[2]
NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
SECRET = "switches-secret-0123456789-0123456789-01"


def readme_settings() -> str:
    """The README's Configuration table, as text."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    section = text.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    return "\n".join(line for line in section.splitlines() if line.startswith("| `"))


@pytest.mark.parametrize("value", ["prod", "staging", "productio", "dev", "true"])
def test_an_unknown_environment_refuses_to_start_instead_of_running_as_development(
    value: str,
) -> None:
    readers = (
        lambda env: environment(env),
        lambda env: PlatformSettings.from_env("intake", env),
        lambda env: AuthSettings.from_env(env),
        lambda env: WebSettings.from_env(env),
    )
    for read in readers:
        with pytest.raises(ConfigError, match="NHIEMVU_ENV"):
            read({"NHIEMVU_ENV": value})


@pytest.mark.parametrize("value", ["Production", " PRODUCTION ", "production\n"])
def test_production_in_any_letter_case_is_production_for_every_reader(value: str) -> None:
    env = {"NHIEMVU_ENV": value}
    with pytest.raises(ConfigError, match="INTAKE_DATABASE_URL"):
        PlatformSettings.from_env("intake", env)
    full = {**env, "INTAKE_DATABASE_URL": "sqlite://", "BROKER_URL": "memory://"}
    assert PlatformSettings.from_env("intake", full).development is False
    with pytest.raises(AuthConfigError, match="JWT_SECRET"):
        AuthSettings.from_env(env)
    assert AuthSettings.from_env({**env, "JWT_SECRET": SECRET}).require_exp is True
    with pytest.raises(WebConfigError, match="WEB_SECRET_KEY"):
        WebSettings.from_env(env)


def test_an_unset_or_blank_environment_is_development() -> None:
    assert environment({}) == environment({"NHIEMVU_ENV": "  "}) == "development"
    assert environment({"NHIEMVU_ENV": " Development "}) == "development"


def run_cli(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NHIEMVU, *args],
        env={"PATH": "/usr/bin:/bin", **env},
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ROOT,
    )


@pytest.mark.parametrize(
    ("env", "setting"),
    [
        ({"NHIEMVU_ENV": "prod"}, "NHIEMVU_ENV"),
        ({"NHIEMVU_ENV": "production"}, "INTAKE_DATABASE_URL"),
        ({"NHIEMVU_ENV": "production", "INTAKE_DATABASE_URL": "sqlite://"}, "BROKER_URL"),
        (
            {"NHIEMVU_ENV": "production", "INTAKE_DATABASE_URL": "sqlite://", "BROKER_URL": "x"},
            "JWT_SECRET",
        ),
        ({"MAX_BODY_BYTES": "lots"}, "MAX_BODY_BYTES"),
    ],
)
def test_a_refused_start_prints_one_line_naming_a_documented_setting_and_exits_2(
    tmp_path: Path, env: dict[str, str], setting: str
) -> None:
    for command in (("serve", "--port", "0", "--no-demo"), ("worker", "intake")):
        result = run_cli(*command, env={"DATA_DIR": str(tmp_path), **env})
        assert result.returncode == 2, result.stderr
        assert "Traceback" not in result.stderr
        lines = [line for line in result.stderr.splitlines() if line.strip()]
        assert len(lines) == 1 and setting in lines[0], result.stderr
    assert f"`{setting}`" in readme_settings()


@pytest.mark.parametrize(
    ("app", "env", "setting"),
    [
        ("services.notify.app:create_app()", {"NHIEMVU_ENV": "Prod"}, "NHIEMVU_ENV"),
        ("services.web.app:create_app()", {"NHIEMVU_ENV": "production"}, "WEB_SECRET_KEY"),
    ],
)
def test_gunicorn_refuses_a_misconfigured_start_in_one_line(
    app: str, env: dict[str, str], setting: str
) -> None:
    gunicorn = str(Path(sys.executable).parent / "gunicorn")
    result = subprocess.run(
        [gunicorn, "-c", "deploy/gunicorn.conf.py", app],
        env={"PATH": "/usr/bin:/bin", "PORT": "0", **env},
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr and setting in result.stderr


SETTING_READ = re.compile(
    r"(?:env_str|env_int|env_float|env_bool|_get|_env|\.get)\(\s*(?:env|environ|self\.env),\s*"
    r'"([A-Z][A-Z0-9_]{2,})"'
)


def test_every_setting_the_services_read_is_in_the_readme_table() -> None:
    read: set[str] = set()
    sources = [*ROOT.glob("shared/*.py"), *ROOT.glob("services/**/*.py"), *ROOT.glob("deploy/*.py")]
    for path in sources:
        read |= set(SETTING_READ.findall(path.read_text(encoding="utf-8")))
    table = readme_settings()
    per_service = {f"{s}_DATABASE_URL" for s in ("INTAKE", "WORKFLOW", "NOTIFY", "REPORTING")}
    not_settings = {"PATH_INFO"}  # the WSGI environ's, read by the embedded dispatcher
    missing = sorted(n for n in read - per_service - not_settings if f"`{n}`" not in table)
    assert not missing, f"settings missing from the README's Configuration table: {missing}"
    assert "`INTAKE_DATABASE_URL`" in table and "`REPORTING_DATABASE_URL`" in table


def fake_system(database_url: str, broker_url: str, development: bool) -> Any:
    settings = SimpleNamespace(
        database_url=database_url, broker_url=broker_url, development=development
    )
    platform = SimpleNamespace(settings=settings)
    intake = SimpleNamespace(runtime=SimpleNamespace(settings=settings))
    return SimpleNamespace(intake=intake, platforms={"i": platform})


def test_the_start_banner_says_the_mode_databases_and_bus_that_run() -> None:
    dev = _welcome("127.0.0.1", 8000, fake_system("sqlite:///var/i.db", "memory://", True))
    assert "chế độ phát triển, SQLite + bus trong tiến trình" in dev and "/login" in dev
    prod = _welcome("0.0.0.0", 8000, fake_system("postgresql+psycopg://h/db", "amqp://h/v", False))
    assert "chế độ production, PostgreSQL + RabbitMQ" in prod
    assert "phát triển" not in prod and "nhiemvu token" not in prod and "/login" not in prod
    exposed = _welcome("0.0.0.0", 8000, fake_system("sqlite:///i.db", "memory://", True))
    assert "Đồng hồ thử nghiệm tắt" in exposed


# -- item 9: what production closes --------------------------------------------------------------


def production_auth() -> AuthSettings:
    return AuthSettings.from_env({"NHIEMVU_ENV": "production", "JWT_SECRET": SECRET})


def test_a_token_that_never_expires_is_refused_in_production() -> None:
    settings = production_auth()
    forever = mint_token(settings, sub="a", name="A", unit=None, roles=["office"], ttl_seconds=None)
    with pytest.raises(Unauthorized, match="exp") as refused:
        TokenVerifier(settings).verify(forever)
    assert refused.value.bearer_error == "invalid_token"
    hours = mint_token(settings, sub="a", name="A", unit=None, roles=["office"])
    assert TokenVerifier(settings).verify(hours).sub == "a"


def production_intake(tmp_path: Path, **extra: str) -> Any:
    env = {
        "NHIEMVU_ENV": "production",
        "JWT_SECRET": SECRET,
        "INTAKE_DATABASE_URL": f"sqlite:///{tmp_path / 'intake.db'}",
        "BROKER_URL": "memory://",
        "BUS_NAMESPACE": f"nvt{tmp_path.name[-8:]}",
        **extra,
    }
    return intake_app(env).test_client()


def test_every_401_carries_a_bearer_challenge_with_the_rfc_6750_error(tmp_path: Path) -> None:
    client = production_intake(tmp_path)
    path = "/api/intake/documents"
    missing = client.get(path)
    assert missing.status_code == 401
    assert missing.headers["WWW-Authenticate"] == 'Bearer realm="nhiemvu"'
    for header, error in (
        ("Bearer not-a-jwt", "invalid_token"),
        (
            "Bearer "
            + mint_token(
                production_auth(), sub="a", name="A", unit=None, roles=[], ttl_seconds=None
            ),
            "invalid_token",
        ),
        ("Basic dXNlcjpwYXNz", "invalid_request"),
    ):
        answer = client.get(path, headers={"Authorization": header})
        assert answer.status_code == 401
        assert answer.headers["WWW-Authenticate"] == f'Bearer realm="nhiemvu", error="{error}"'
        assert answer.mimetype == "application/problem+json"


def test_metrics_are_not_public_in_production(tmp_path: Path) -> None:
    closed = production_intake(tmp_path)
    assert closed.get("/metrics").status_code == 404
    guarded = production_intake(tmp_path, METRICS_TOKEN="scrape-token-0123456789")
    anonymous = guarded.get("/metrics")
    assert anonymous.status_code == 401
    assert anonymous.headers["WWW-Authenticate"] == 'Bearer realm="nhiemvu"'
    wrong = guarded.get("/metrics", headers={"Authorization": "Bearer guess"})
    assert wrong.status_code == 401 and 'error="invalid_token"' in wrong.headers["WWW-Authenticate"]
    scraped = guarded.get("/metrics", headers={"Authorization": "Bearer scrape-token-0123456789"})
    assert scraped.status_code == 200 and b"http_requests" in scraped.data
    assert guarded.get("/healthz").status_code == 200


def clock_app(host: str) -> Any:
    app = Flask("clock")
    install_edge(app, "admin")
    install_clock_routes(app, AdjustableClock(), host=host)
    return app.test_client()


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10", "nhiemvu.example"])
def test_the_clock_cannot_be_read_or_moved_when_serving_beyond_loopback(host: str) -> None:
    client = clock_app(host)
    assert client.get("/api/admin/clock").status_code == 403
    assert client.post("/api/admin/clock", json={"advance": "P1D"}).status_code == 403


@pytest.mark.parametrize("host", ["", "127.0.0.1", "::1", "[::1]", "localhost", "127.0.0.2"])
def test_the_clock_serves_on_a_loopback_address(host: str) -> None:
    client = clock_app(host)
    assert client.get("/api/admin/clock").status_code == 200
    assert client.post("/api/admin/clock", json={"advance": "P1D"}).status_code == 200
