"""The operators' command line: tokens, migrations and the audit check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import create_engine, text

from shared.auth_settings import AuthSettings
from shared.auth_tokens import TokenVerifier

NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
SECRET = "cli-secret-0123456789-0123456789-0123456"


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([NHIEMVU, *args], env=env, capture_output=True, text=True, timeout=120)


def test_a_minted_development_token_is_accepted_by_the_services() -> None:
    env = {"JWT_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    result = run("token", "--role", "unit_head", "--unit", "SO_TC", env=env)
    assert result.returncode == 0, result.stderr
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    principal = TokenVerifier(settings).verify(result.stdout.strip())
    assert principal.unit == "SO_TC" and principal.roles == frozenset({"unit_head"})


def test_audit_verify_passes_on_an_intact_trail_and_finds_an_edited_record(
    tmp_path: Path,
) -> None:
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    assert run("migrate", "all", env=env).returncode == 0
    intact = run("audit", "verify", env=env)
    assert intact.returncode == 0, intact.stdout + intact.stderr

    # One audited change: a process model deployed by the workflow's own migration is not
    # audited, so write a record through the platform itself.
    from services.workflow.app import create_service

    service = create_service(env)
    with service.runtime.platform.unit_of_work() as uow:
        uow.audit({"sub": "tester"}, "task.accept", "task", "t1", {"status": "in_progress"})
        uow.audit({"sub": "tester"}, "task.confirm", "task", "t1", {"status": "completed"})
    service.runtime.platform.stop()
    assert run("audit", "verify", "workflow", env=env).returncode == 0

    engine = create_engine(f"sqlite:///{tmp_path / 'workflow.db'}")
    with engine.begin() as conn:
        conn.execute(text('UPDATE audit_log SET changes = \'{"status":"rework"}\' WHERE seq = 1'))
    tampered = run("audit", "verify", "workflow", env=env)
    assert tampered.returncode == 1
    assert "workflow" in tampered.stdout
