"""What the intake correction and unit tests share: a service on SQLite with a fixed clock,
tokens, a document body, and readers for the rows, the outbox and the audit trail."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.intake import store, unit_store
from services.intake.app import create_app, create_service
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import TZ
from shared.clock import FixedClock

SECRET = "integration-secret-0123456789-0123456789"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday
OFFICE_ACTOR = {"sub": "office-1", "name": "office", "role": "office", "unit": "VP_UBND"}


@pytest.fixture()
def intake(request: pytest.FixtureRequest, tmp_path: Path, bus_namespace: str) -> Iterator[Any]:
    """The intake harness: the service (FixedClock at NOW) with `test_client` and `data_dir`; on
    SQLite, or on PostgreSQL when parametrized indirectly with "postgresql" (`ON_BOTH_DATABASES`).
    """
    env = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace}
    database = getattr(request, "param", "sqlite")
    assert database in ("sqlite", "postgresql"), database
    if database == "postgresql":
        env["INTAKE_DATABASE_URL"] = request.getfixturevalue("pg_database_url")
    yield from _intake(env)


ON_BOTH_DATABASES = pytest.mark.parametrize(
    "intake", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)


@pytest.fixture()
def pg_intake(tmp_path: Path, bus_namespace: str, pg_database_url: str) -> Iterator[Any]:
    env = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace}
    yield from _intake({**env, "INTAKE_DATABASE_URL": pg_database_url})


def _intake(env: dict[str, str]) -> Iterator[Any]:
    service = create_service({**env, "JWT_SECRET": SECRET}, clock=FixedClock(NOW))
    service.migrate()
    service.test_client = create_app(service).test_client()
    service.data_dir = Path(env["DATA_DIR"])
    yield service
    service.runtime.platform.stop()


def token(role: str = "office", unit: str | None = "VP_UBND") -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    value = mint_token(settings, sub=f"{role}-1", name=role, unit=unit, roles=[role])
    return {"Authorization": f"Bearer {value}"}


def task_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "content": "Kiểm tra việc sử dụng đất",
        "lead_unit": "SO_NNMT",
        "coordinating_units": ["14812"],
        "due_on": "2026-12-31",
        "cadence": None,
    }
    body.update(overrides)
    return body


def document(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "source_id": f"qlvb-{uuid.uuid4().hex}",
        "number": "25/2026/CT-UBND",
        "type": "chi_thi",
        "assigned_by": "chu_tich",
        "signer": {"name": "Đỗ Minh Tuấn", "position": "Chủ tịch"},
        "issued_on": "2026-11-27",
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về tăng cường quản lý đất đai",
        "release": False,
        "tasks": [task_body()],
    }
    body.update(overrides)
    return body


def post(client: Any, body: Any, role: str = "office", **kwargs: Any) -> Any:
    return client.post("/api/intake/documents", json=body, headers=token(role), **kwargs)


def post_document(intake: Any, **overrides: Any) -> dict[str, Any]:
    answer = intake.test_client.post(
        "/api/intake/documents", json=document(**overrides), headers=token()
    )
    assert answer.status_code == 201, answer.get_json()
    return answer.get_json()


def released_document(intake: Any, **overrides: Any) -> dict[str, Any]:
    return post_document(intake, release=True, **overrides)


def outbox_seq(intake: Any) -> int:
    """The last outbox row now: events after it are the ones the test caused."""
    outbox = intake.runtime.platform.tables.outbox
    with intake.runtime.platform.database.read() as conn:
        return conn.execute(select(outbox.c.seq).order_by(outbox.c.seq.desc())).scalar() or 0


def events(intake: Any, after: int = 0, event_type: str | None = None) -> list[dict[str, Any]]:
    outbox = intake.runtime.platform.tables.outbox
    query = select(outbox.c.body).where(outbox.c.seq > after).order_by(outbox.c.seq)
    if event_type:
        query = query.where(outbox.c.event_type == event_type)
    with intake.runtime.platform.database.read() as conn:
        return [json.loads(row.body) for row in conn.execute(query)]


def audit_records(intake: Any, entity_id: str | None = None) -> list[dict[str, Any]]:
    """Every audit record (of one entity if given), after checking the chain is intact."""
    table = intake.runtime.platform.audit_log.table
    query = select(table).order_by(table.c.seq)
    if entity_id is not None:
        query = query.where(table.c.entity_id == entity_id)
    with intake.runtime.platform.database.read() as conn:
        assert intake.runtime.platform.audit_log.verify(conn) == []
        rows = [dict(row) for row in conn.execute(query).mappings()]
    for row in rows:
        row["changes"] = json.loads(row["changes"])
    return rows


def task_row(intake: Any, task_id: str) -> dict[str, Any]:
    with intake.runtime.platform.database.read() as conn:
        task = store.task_by_id(conn, task_id)
    assert task is not None
    return task


def unit_row(intake: Any, code: str) -> dict[str, Any]:
    with intake.runtime.platform.database.read() as conn:
        unit = unit_store.unit_by_code(conn, code)
    assert unit is not None
    return unit


def add_task(intake: Any, document_id: str, role: str = "office", **overrides: Any) -> Any:
    return intake.test_client.post(
        f"/api/intake/documents/{document_id}/tasks",
        json=task_body(**overrides),
        headers=token(role),
    )


def patch_task(intake: Any, task_id: str, body: dict[str, Any], role: str = "office") -> Any:
    return intake.test_client.patch(f"/api/intake/tasks/{task_id}", json=body, headers=token(role))


def task_command(intake: Any, task_id: str, action: str, body: dict[str, Any]) -> Any:
    return intake.test_client.post(
        f"/api/intake/tasks/{task_id}/{action}", json=body, headers=token()
    )
