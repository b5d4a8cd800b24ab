"""Static checks of docker-compose.yml and deploy/Dockerfile (docs/architecture.md, Profiles).

No Docker engine is needed: the compose file is parsed, its commands are run through the parsers
that will really receive them (the `nhiemvu` CLI's and gunicorn's), and the environment it gives
each process is handed to that service's own app factory.
"""

from __future__ import annotations

import importlib
import os
import re
import shlex
import subprocess
import sys
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from gunicorn.config import Config as GunicornConfig
from sqlalchemy.engine import make_url

from services import cli

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_FILE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "deploy" / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
ENV_EXAMPLE = ROOT / "deploy" / "env.example"
POSTGRES_INIT = ROOT / "deploy" / "postgres-init.sql"
GUNICORN_CONF = "deploy/gunicorn.conf.py"

SERVICES = cli.SERVICES
ROLES = ("migrate", "web", "worker")
WEB_PORTS = {"intake": 8001, "workflow": 8002, "notify": 8003, "reporting": 8004}
CONTAINER_PORT = 8000
INFRASTRUCTURE = ("rabbitmq", "postgres")
SITE = "web"  # the web application (services/web): one process, no database of its own

# ${VAR}, ${VAR:-default}, ${VAR-default}, ${VAR:?error}, ${VAR?error}, ${VAR:+alt}, ${VAR+alt}
_VARIABLE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?+])([^}]*))?\}")
_REQUIRED = re.compile(r"^\$\{[A-Za-z_][A-Za-z0-9_]*:\?[^}]+\}$")


# --- helpers ------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE_FILE.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def services(compose: dict[str, Any]) -> dict[str, Any]:
    entries: dict[str, Any] = compose["services"]
    return entries


@pytest.fixture(scope="module")
def required_variables() -> set[str]:
    text = COMPOSE_FILE.read_text(encoding="utf-8")
    return {m.group(1) for m in _VARIABLE.finditer(text) if m.group(2) in (":?", "?")}


def dummy_values(names: set[str]) -> dict[str, str]:
    """What an operator's .env would hold: a URL-safe value for every required variable."""
    return {name: f"{name.lower()}-value" for name in names}


def interpolate(value: str, variables: Mapping[str, str]) -> str:
    """Compose's variable substitution, enough of it for this file."""

    def substitute(match: re.Match[str]) -> str:
        name, operator, argument = match.group(1), match.group(2), match.group(3) or ""
        present = name in variables and (variables[name] != "" or ":" not in (operator or ":"))
        if operator in (":-", "-"):
            return variables[name] if present else argument
        if operator in (":?", "?"):
            if not present:
                raise KeyError(f"required variable {name} is not set: {argument}")
            return variables[name]
        if operator in (":+", "+"):
            return argument if present else ""
        return variables.get(name, "")

    return _VARIABLE.sub(substitute, value.replace("$$", "\0")).replace("\0", "$")


def command_of(service: Mapping[str, Any]) -> list[str]:
    command = service.get("command")
    assert command, "no command"
    return shlex.split(command) if isinstance(command, str) else [str(part) for part in command]


def environment_of(service: Mapping[str, Any]) -> dict[str, str]:
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(item.split("=", 1) if "=" in item else (item, "") for item in environment)
    return {key: "" if value is None else str(value) for key, value in environment.items()}


def depends_on_of(service: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    depends_on = service.get("depends_on") or {}
    if isinstance(depends_on, list):
        return {name: {"condition": "service_started"} for name in depends_on}
    return {name: dict(spec or {}) for name, spec in depends_on.items()}


def health_check_is_on(service: Mapping[str, Any]) -> bool:
    healthcheck = service.get("healthcheck") or {}
    return bool(healthcheck.get("test")) and not healthcheck.get("disable", False)


def app_entries() -> list[tuple[str, str]]:
    return [(svc, role) for svc in SERVICES for role in ROLES]


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) with continuation lines joined and comments dropped."""
    text = DOCKERFILE.read_text(encoding="utf-8")
    logical, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.endswith("\\"):
            current += stripped[:-1] + " "
            continue
        current += stripped
        instruction, _, arguments = current.partition(" ")
        logical.append((instruction.upper(), arguments.strip()))
        current = ""
    return logical


def rsa_public_key_file(directory: Path) -> Path:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    path = directory / "jwt_public_key.pem"
    path.write_bytes(pem)
    return path


# --- the compose file ---------------------------------------------------------------------------


def test_the_compose_file_follows_the_compose_specification_without_a_version_key(
    compose: dict[str, Any],
) -> None:
    assert "version" not in compose
    assert isinstance(compose.get("services"), dict)


@pytest.mark.parametrize("svc", SERVICES)
def test_every_service_has_a_migrate_a_web_and_a_worker_entry(
    services: dict[str, Any], svc: str
) -> None:
    missing = [f"{svc}-{role}" for role in ROLES if f"{svc}-{role}" not in services]
    assert not missing, f"docker-compose.yml lacks {missing}"


def test_the_compose_file_runs_exactly_the_infrastructure_and_the_services_the_cli_knows(
    services: dict[str, Any],
) -> None:
    expected = {*INFRASTRUCTURE, SITE, *(f"{svc}-{role}" for svc, role in app_entries())}
    assert set(services) == expected


@pytest.mark.parametrize("svc", SERVICES)
def test_a_web_command_starts_gunicorn_with_the_deploy_settings_and_the_services_app_factory(
    services: dict[str, Any], svc: str
) -> None:
    command = command_of(services[f"{svc}-web"])
    assert command[0] == "gunicorn"
    args = GunicornConfig().parser().parse_args(command[1:])  # exits (fails) on unknown options
    assert args.config == GUNICORN_CONF
    assert (ROOT / GUNICORN_CONF).is_file()
    assert args.args == [f"services.{svc}.app:create_app()"]
    module = importlib.import_module(f"services.{svc}.app")
    assert callable(getattr(module, "create_app", None))


@pytest.mark.parametrize(("svc", "role"), [(s, r) for s in SERVICES for r in ("migrate", "worker")])
def test_worker_and_migrate_commands_are_subcommands_the_cli_parser_accepts(
    services: dict[str, Any], svc: str, role: str
) -> None:
    command = command_of(services[f"{svc}-{role}"])
    assert command[0] == "nhiemvu"
    try:
        args = cli._parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"`{shlex.join(command)}` is rejected by the nhiemvu command line")
    assert args.run is {"migrate": cli._migrate, "worker": cli._worker}[role]
    assert args.service == svc


def test_the_nhiemvu_command_in_the_image_is_the_cli_the_commands_were_checked_against() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert project["project"]["scripts"]["nhiemvu"] == "services.cli:main"


@pytest.mark.parametrize(("svc", "role"), app_entries())
def test_every_process_of_a_service_runs_in_production_against_its_own_database_only(
    services: dict[str, Any], required_variables: set[str], svc: str, role: str
) -> None:
    environment = environment_of(services[f"{svc}-{role}"])
    assert environment.get("NHIEMVU_ENV") == "production"
    own = f"{svc.upper()}_DATABASE_URL"
    assert own in environment, f"{svc}-{role} has no {own}"
    others = sorted(k for k in environment if k.endswith("_DATABASE_URL") and k != own)
    assert not others, f"{svc}-{role} can reach other services' databases: {others}"
    url = make_url(interpolate(environment[own], dummy_values(required_variables)))
    assert url.get_backend_name() == "postgresql"
    assert url.get_driver_name() == "psycopg"
    assert (url.host, url.port) == ("postgres", 5432)
    assert url.database == f"nhiemvu_{svc}"
    assert url.username == "nhiemvu"


@pytest.mark.parametrize(("svc", "role"), [(s, r) for s in SERVICES for r in ("web", "worker")])
def test_every_web_and_worker_talks_to_rabbitmq(
    services: dict[str, Any], required_variables: set[str], svc: str, role: str
) -> None:
    environment = environment_of(services[f"{svc}-{role}"])
    assert "BROKER_URL" in environment, f"{svc}-{role} would fall back to the in-memory bus"
    broker = urlsplit(interpolate(environment["BROKER_URL"], dummy_values(required_variables)))
    assert broker.scheme in ("amqp", "amqps", "pyamqp")
    assert broker.hostname == "rabbitmq"
    vhost = services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_VHOST"]
    assert broker.path.lstrip("/") == vhost


def test_passwords_are_required_from_the_environment_and_never_written_in_the_file(
    services: dict[str, Any],
) -> None:
    assert _REQUIRED.match(services["postgres"]["environment"]["POSTGRES_PASSWORD"])
    assert _REQUIRED.match(services["rabbitmq"]["environment"]["RABBITMQ_DEFAULT_PASS"])
    for svc, role in app_entries():
        for name, value in environment_of(services[f"{svc}-{role}"]).items():
            if name.endswith("_DATABASE_URL") or name == "BROKER_URL":
                password = re.search(r"://[^:/@]+:(.*)@[^@]*$", value)
                assert password and _REQUIRED.match(password.group(1)), (
                    f"{svc}-{role} {name}: the password must be ${{VAR:?message}}, not written here"
                )


@pytest.mark.parametrize(("svc", "role"), app_entries())
def test_every_process_verifies_rs256_tokens_with_a_mounted_public_key_and_no_shared_secret(
    compose: dict[str, Any], services: dict[str, Any], svc: str, role: str
) -> None:
    service = services[f"{svc}-{role}"]
    environment = environment_of(service)
    assert environment.get("JWT_ALGORITHM") == "RS256"
    assert "JWT_SECRET" not in environment
    key_file = environment.get("JWT_PUBLIC_KEY_FILE", "")
    assert key_file.startswith("/run/secrets/"), "the public key comes in as a compose secret"
    secret = key_file.removeprefix("/run/secrets/")
    assert secret in (service.get("secrets") or [])
    assert _REQUIRED.match(compose["secrets"][secret]["file"])


def test_every_required_variable_is_listed_in_the_env_example(
    required_variables: set[str],
) -> None:
    listed = {
        line.split("=", 1)[0].strip()
        for line in ENV_EXAMPLE.read_text(encoding="utf-8").splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    }
    assert required_variables, "no ${VAR:?message} in docker-compose.yml"
    assert required_variables <= listed, f"missing from env.example: {required_variables - listed}"


# What each process does at start-up with its environment, up to (not including) connecting:
# gunicorn resolves the app factory string and calls it; the CLI builds the service and consumer.
_START_UP = {
    "web": (
        "import sys; from gunicorn.util import import_app\n"
        "app = import_app(sys.argv[1])\n"
        "rules = {rule.rule for rule in app.url_map.iter_rules()}\n"
        "assert {'/healthz', '/readyz'} <= rules, rules\n"
    ),
    "worker": (
        "import importlib, sys; from services import cli\n"
        "service = cli.build_service(sys.argv[1])\n"
        "importlib.import_module(f'services.{sys.argv[1]}.consumer').create_consumer(service)\n"
        "assert cli._platform(service).settings.environment == 'production'\n"
    ),
}


@pytest.mark.parametrize(("svc", "role"), [(s, r) for s in SERVICES for r in ("web", "worker")])
def test_each_process_starts_up_with_the_environment_compose_gives_it(
    services: dict[str, Any], required_variables: set[str], tmp_path: Path, svc: str, role: str
) -> None:
    """Production settings (database, broker, JWT) are read at start-up; nothing connects yet.

    A fresh interpreter each time, as in the container: a service's tables are module-level, so
    one process builds a service once.
    """
    service = services[f"{svc}-{role}"]
    variables = dummy_values(required_variables)
    environment = {k: interpolate(v, variables) for k, v in environment_of(service).items()}
    environment["JWT_PUBLIC_KEY_FILE"] = str(rsa_public_key_file(tmp_path))
    environment["PYTHONPATH"] = str(ROOT)
    environment["PATH"] = os.environ.get("PATH", "")
    argument = command_of(service)[-1]
    result = subprocess.run(
        [sys.executable, "-c", _START_UP[role], argument],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert not list(tmp_path.glob("var")), "a production process fell back to SQLite files"


@pytest.mark.parametrize("svc", SERVICES)
def test_every_web_has_a_readiness_health_check_that_needs_no_curl(
    services: dict[str, Any], svc: str
) -> None:
    web = services[f"{svc}-web"]
    assert health_check_is_on(web)
    test = web["healthcheck"]["test"]
    probe = test if isinstance(test, str) else " ".join(map(str, test))
    assert f"127.0.0.1:{CONTAINER_PORT}/readyz" in probe
    assert "python" in probe
    assert "curl" not in probe and "wget" not in probe  # neither is in python:3.11-slim


@pytest.mark.parametrize("svc", SERVICES)
def test_migrations_switch_off_the_images_http_health_check(
    services: dict[str, Any], svc: str
) -> None:
    assert services[f"{svc}-migrate"].get("healthcheck", {}).get("disable") is True


@pytest.mark.parametrize("svc", SERVICES)
def test_every_worker_is_checked_by_the_worker_health_command_of_its_own_service(
    services: dict[str, Any], svc: str
) -> None:
    """A worker serves no HTTP: the image's /healthz check would always fail. Its check is the
    CLI's `worker-health`, which fails when the consumer is stuck while messages wait."""
    worker = services[f"{svc}-worker"]
    assert health_check_is_on(worker)
    test = worker["healthcheck"]["test"]
    assert isinstance(test, list) and test[0] == "CMD", "exec form: no shell in the check"
    command = [str(part) for part in test[1:]]
    assert command[0] == "nhiemvu"
    try:
        args = cli._parser().parse_args(command[1:])
    except SystemExit:
        pytest.fail(f"`{shlex.join(command)}` is rejected by the nhiemvu command line")
    assert args.run is cli._worker_health
    assert args.service == svc
    assert "curl" not in command and "wget" not in command


def _seconds(value: str) -> float:
    units = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(
        float(number) * units[unit]
        for number, unit in re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", value)
    )


@pytest.mark.parametrize("svc", SERVICES)
def test_a_stuck_worker_is_reported_within_a_few_minutes_and_not_while_it_starts(
    services: dict[str, Any], svc: str
) -> None:
    check = services[f"{svc}-worker"]["healthcheck"]
    interval, timeout = _seconds(check["interval"]), _seconds(check["timeout"])
    # The command reads a file; a status older than 30 s counts as a hung worker.
    assert timeout < interval <= 60
    assert interval * int(check["retries"]) <= 180
    assert _seconds(check["start_period"]) >= 30  # the broker may still be starting


def test_rabbitmq_and_postgres_have_health_checks(services: dict[str, Any]) -> None:
    rabbitmq, postgres = services["rabbitmq"], services["postgres"]
    assert health_check_is_on(rabbitmq) and health_check_is_on(postgres)
    assert rabbitmq["healthcheck"]["test"][1:] == ["rabbitmq-diagnostics", "-q", "ping"]
    assert "pg_isready" in postgres["healthcheck"]["test"]


def test_rabbitmq_and_postgres_keep_their_data_in_named_volumes(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    declared = set(compose.get("volumes") or {})
    for name, target in (
        ("rabbitmq", "/var/lib/rabbitmq"),
        ("postgres", "/var/lib/postgresql/data"),
    ):
        mounts = {v.split(":")[1]: v.split(":")[0] for v in services[name]["volumes"]}
        assert mounts.get(target) in declared, f"{name} keeps {target} in no named volume"
    assert services["rabbitmq"].get("hostname"), "the node name must survive re-creation"


def test_postgres_creates_each_services_database_owned_by_nhiemvu_on_first_start(
    services: dict[str, Any],
) -> None:
    postgres = services["postgres"]
    assert postgres["environment"]["POSTGRES_USER"] == "nhiemvu"
    mounts = [v.split(":") for v in postgres["volumes"]]
    init = [src for src, dst, *_ in mounts if dst.startswith("/docker-entrypoint-initdb.d/")]
    assert init and (ROOT / init[0]).resolve() == POSTGRES_INIT
    sql = POSTGRES_INIT.read_text(encoding="utf-8")
    for svc in SERVICES:
        assert re.search(rf"CREATE DATABASE nhiemvu_{svc} OWNER nhiemvu\b", sql, re.IGNORECASE)


@pytest.mark.parametrize(("svc", "role"), [(s, r) for s in SERVICES for r in ("web", "worker")])
def test_web_and_worker_wait_for_a_healthy_broker_and_database_and_a_finished_migration(
    services: dict[str, Any], svc: str, role: str
) -> None:
    depends_on = depends_on_of(services[f"{svc}-{role}"])
    assert depends_on.get("rabbitmq", {}).get("condition") == "service_healthy"
    assert depends_on.get("postgres", {}).get("condition") == "service_healthy"
    migrate = depends_on.get(f"{svc}-migrate", {})
    assert migrate.get("condition") == "service_completed_successfully"


@pytest.mark.parametrize("svc", SERVICES)
def test_a_migration_runs_once_after_postgres_is_healthy_and_is_never_restarted(
    services: dict[str, Any], svc: str
) -> None:
    migrate = services[f"{svc}-migrate"]
    # Quoted in YAML: a bare `no` would be read as the boolean false.
    assert migrate.get("restart") == "no"
    assert depends_on_of(migrate).get("postgres", {}).get("condition") == "service_healthy"


def test_every_depends_on_target_exists_and_its_condition_can_be_met(
    services: dict[str, Any],
) -> None:
    for name, service in services.items():
        for target, spec in depends_on_of(service).items():
            assert target in services, f"{name} depends on unknown service {target}"
            condition = spec.get("condition", "service_started")
            if condition == "service_healthy":
                assert health_check_is_on(services[target]), f"{target} has no health check"
            elif condition == "service_completed_successfully":
                assert services[target].get("restart") == "no", f"{target} is not a one-shot"
            else:
                assert condition == "service_started", f"{name}: unknown condition {condition}"


@pytest.mark.parametrize("svc", SERVICES)
def test_each_web_is_published_on_its_own_host_port_onto_container_port_8000(
    services: dict[str, Any], svc: str
) -> None:
    web = services[f"{svc}-web"]
    published = [str(p).rsplit(":", 2)[-2:] for p in web.get("ports", [])]
    assert published == [[str(WEB_PORTS[svc]), str(CONTAINER_PORT)]]
    assert environment_of(web).get("PORT", str(CONTAINER_PORT)) == str(CONTAINER_PORT)


def test_workers_publish_no_ports_and_have_no_fixed_names_so_they_can_be_scaled(
    services: dict[str, Any],
) -> None:
    for svc in SERVICES:
        worker = services[f"{svc}-worker"]
        assert not worker.get("ports") and "container_name" not in worker


def test_every_secret_and_named_volume_a_service_uses_is_declared(
    compose: dict[str, Any], services: dict[str, Any]
) -> None:
    secrets, volumes = set(compose.get("secrets") or {}), set(compose.get("volumes") or {})
    for name, service in services.items():
        for secret in service.get("secrets") or []:
            assert (secret if isinstance(secret, str) else secret["source"]) in secrets, name
        for volume in service.get("volumes") or []:
            source = volume.split(":")[0]
            if source.startswith((".", "/")):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in volumes, f"{name} uses undeclared volume {source}"


# --- the image ----------------------------------------------------------------------------------


def test_the_files_the_dockerfile_copies_exist() -> None:
    assert (ROOT / GUNICORN_CONF).is_file()
    assert list((ROOT / "bpmn").glob("*.bpmn")), "bpmn/ has no diagrams"
    sources: list[str] = []
    for instruction, arguments in dockerfile_instructions():
        if instruction == "COPY" and "--from=" not in arguments:
            parts = [p for p in shlex.split(arguments) if not p.startswith("--")]
            sources += parts[:-1]
    assert {"bpmn/", "deploy/"} <= set(sources)
    # requirements.lock is generated (pip freeze); its absence is the lock's problem, not ours.
    missing = [s for s in sources if s != "requirements.lock" and not (ROOT / s).exists()]
    assert not missing, f"deploy/Dockerfile copies missing {missing}"


def test_the_image_is_python_3_11_slim_running_as_a_non_root_user_in_production() -> None:
    instructions = dockerfile_instructions()
    arguments = {i: [a for j, a in instructions if j == i] for i, _ in instructions}
    assert any("python:3.11-slim" in a for a in arguments["ARG"] + arguments["FROM"])
    user = arguments["USER"][-1].split(":")[0]
    assert user not in ("root", "0")
    env = " ".join(arguments["ENV"])
    assert "NHIEMVU_ENV=production" in env and "PYTHONUNBUFFERED=1" in env
    assert str(CONTAINER_PORT) in arguments["EXPOSE"]
    assert "/healthz" in arguments["HEALTHCHECK"][-1] and "python" in arguments["HEALTHCHECK"][-1]
    assert arguments["CMD"][-1] == '["nhiemvu", "--help"]'


def test_the_image_points_the_workflow_service_at_the_diagrams_it_copies() -> None:
    """Installed into site-packages, services/workflow/config.py cannot find bpmn/ by itself."""
    instructions = dockerfile_instructions()
    workdir = [a for i, a in instructions if i == "WORKDIR"][-1]
    env = " ".join(a for i, a in instructions if i == "ENV")
    assert f"BPMN_DIR={workdir.rstrip('/')}/bpmn" in env
    assert ("COPY", "bpmn/ ./bpmn/") in instructions


def test_the_web_command_finds_the_gunicorn_settings_in_the_images_working_directory() -> None:
    instructions = dockerfile_instructions()
    assert [a for i, a in instructions if i == "WORKDIR"][-1] == "/app"
    assert ("COPY", "deploy/ ./deploy/") in instructions


def test_dockerignore_keeps_tests_secrets_and_the_venv_out_of_the_image() -> None:
    patterns = {
        line.strip()
        for line in DOCKERIGNORE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }
    assert {".venv", "var", ".git", "tests", ".env"} <= patterns
    needed = {"requirements.lock", "pyproject.toml", "shared", "services", "bpmn", "deploy"}
    assert not needed & patterns, "the Dockerfile copies what .dockerignore leaves out"


# --- the web application ------------------------------------------------------------------------


def test_the_web_application_runs_gunicorn_on_port_8000_and_calls_each_service_web(
    services: dict[str, Any],
) -> None:
    site = services[SITE]
    assert command_of(site) == ["gunicorn", "-c", GUNICORN_CONF, "services.web.app:create_app()"]
    assert [str(p).rsplit(":", 2)[-2:] for p in site["ports"]] == [["8000", "8000"]]
    environment = environment_of(site)
    for svc in SERVICES:
        assert environment[f"WEB_{svc.upper()}_URL"] == f"http://{svc}-web:{CONTAINER_PORT}"
        assert depends_on_of(site)[f"{svc}-web"]["condition"] == "service_healthy"
    assert not any(name.endswith("_DATABASE_URL") for name in environment)
    assert "JWT_SECRET" not in environment and environment["NHIEMVU_ENV"] == "production"
    assert "/healthz" in " ".join(map(str, site["healthcheck"]["test"]))


def test_the_web_application_starts_up_with_the_environment_compose_gives_it(
    services: dict[str, Any], required_variables: set[str], tmp_path: Path
) -> None:
    """Production: its session key, an RS256 key for the API tokens, an OpenID provider; no
    development sign-in. Nothing connects at start-up (the provider is asked at sign-in)."""
    site = services[SITE]
    variables = dummy_values(required_variables)
    environment = {k: interpolate(v, variables) for k, v in environment_of(site).items()}
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private = tmp_path / "web_token_private_key.pem"
    private.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    environment["WEB_TOKEN_PRIVATE_KEY_FILE"] = str(private)
    environment["OIDC_ISSUER"] = "https://id.example"
    environment["PYTHONPATH"] = str(ROOT)
    environment["PATH"] = os.environ.get("PATH", "")
    script = (
        "import sys; from gunicorn.util import import_app\n"
        "app = import_app(sys.argv[1])\n"
        "rules = {rule.rule for rule in app.url_map.iter_rules()}\n"
        "assert {'/healthz', '/login', '/auth/callback', '/logout'} <= rules, rules\n"
        "assert app.config['SESSION_COOKIE_SECURE'] is True\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script, command_of(site)[-1]],
        env=environment,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr[-3000:]
