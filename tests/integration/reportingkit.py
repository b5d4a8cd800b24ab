"""Feeds reporting's consumer the events the workflow and intake would publish, for tests."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.reporting.app import create_app, create_service
from services.reporting.consumer import create_consumer
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import TZ
from shared.clock import FixedClock
from shared.events import encode, make_event

SECRET = "reporting-secret-0123456789-0123456789"
NOW = datetime(2026, 12, 15, 10, 0, tzinfo=TZ)


@contextmanager
def reporting_service(
    tmp_path: Path, bus_namespace: str, database_url: str | None = None
) -> Iterator[Any]:
    """One harness: the service (FixedClock at NOW; on PostgreSQL at `database_url` if given)
    with `client`, `consumer`, `deliver(event_type, data, when)` (hand it one event; asserts it
    is applied, as `send`), `clock` (the Runtime's own) and `data_dir`."""
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": bus_namespace}
    if database_url is not None:
        env["REPORTING_DATABASE_URL"] = database_url
    clock = FixedClock(NOW)
    service = create_service(env, clock=clock)
    service.migrate()
    service.data_dir = tmp_path
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    service.deliver = lambda event_type, data, when: send(service, event_type, data, when)
    try:
        yield service
    finally:
        service.runtime.platform.stop()


@pytest.fixture()
def reporting(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bus_namespace: str
) -> Iterator[Any]:
    """The reporting harness, on SQLite, or on PostgreSQL when parametrized indirectly with
    "postgresql". A module seeds it by overriding the fixture (`def reporting(reporting)`)."""
    database = getattr(request, "param", "sqlite")
    assert database in ("sqlite", "postgresql"), database
    url = request.getfixturevalue("pg_database_url") if database == "postgresql" else None
    with reporting_service(tmp_path_factory.mktemp("reporting"), bus_namespace, url) as service:
        yield service


def headers(role: str = "office", unit: str | None = "VP_UBND") -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(settings, sub="u-" + role, name="Cán bộ", unit=unit, roles=[role])
    return {"Authorization": "Bearer " + token}


def get(service: Any, path: str, role: str = "office", unit: str | None = "VP_UBND") -> Any:
    answer = service.client.get(path, headers=headers(role, unit))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def at(day: str, hour: int = 10, minute: int = 0) -> datetime:
    start = datetime.combine(date.fromisoformat(day), datetime.min.time(), tzinfo=TZ)
    return start + timedelta(hours=hour, minutes=minute)


def send(service: Any, event_type: str, data: dict[str, Any], when: datetime) -> None:
    body = encode(make_event(event_type, data, source="/test", time=when))
    assert service.consumer.process(body.encode(), {}) == "applied"


def unit(service: Any, code: str, name: str) -> None:
    data = {"code": code, "name": name, "kind": "department", "active": True}
    send(service, "unit.updated", data, NOW)


def document(
    service: Any,
    document_id: str,
    number: str,
    issued: str,
    released: datetime,
    late: bool = False,
    *,
    signer: tuple[str, str] | None = None,
) -> None:
    """A document.released; without `signer` (name, position), as intake sent it before."""
    data: dict[str, Any] = {
        "document_id": document_id,
        "number": number,
        "issued_on": issued,
        "released_at": released.isoformat(),
        "intake_deadline": issued,
        "released_late": late,
        "task_ids": [],
    }
    if signer is not None:
        data["signer_name"], data["signer_position"] = signer
    send(service, "document.released", data, released)


class Task:
    """One task's life as the workflow tells it: every event carries the state after it."""

    def __init__(
        self,
        service: Any,
        lead: str,
        assigned: str,
        due: str | None,
        *,
        document: str = "d" * 32,
        assigned_by: str = "chu_tich",
    ) -> None:
        self.service = service
        self.id = uuid.uuid4().hex
        self.data = {
            "task_id": self.id,
            "document_id": document,
            "lead_unit": lead,
            "coordinating_units": [],
            "due_on": due,
            "assigned_on": assigned,
            "assigned_by": assigned_by,
            "content": "Nhiệm vụ",
        }
        self.send("task.assigned", "assigned", at(assigned, 9))

    def send(
        self, event_type: str, status: str, when: datetime, *, overdue: bool = False, **changes: Any
    ) -> Task:
        self.data.update(changes)
        data = {**self.data, "status": status, "overdue": overdue, "occurred_at": when.isoformat()}
        send(self.service, event_type, data, when)
        return self

    def accept(self, day: str) -> Task:
        return self.send("task.accepted", "in_progress", at(day))

    def complete(self, when: datetime) -> Task:
        return self.send("task.completed", "completed", when)
