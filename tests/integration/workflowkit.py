"""The workflow service's test harness and the helpers its tests share.

`make_workflow(setup, data_dir=..., namespace=...)` (a fixture, registered for the integration
tests by tests/integration/conftest.py) builds one harness; the `workflow` fixture is one built
with the default `Setup`, or with the one a module or test gives by indirect parametrization:
`using(Setup(...), id)` or `on_both_databases(...)`.

A harness is the service itself with:
- `client`: its Flask test client;
- `consumer`: its event consumer, and `deliver(event_type, data, when=..., source=...)` to hand
  it one event (its outcome: "applied", "duplicate", ...);
- `clock`: the clock the test moves (a FixedClock at NOW unless the Setup asks otherwise);
- `scheduler`: a TimerScheduler to drive one round at a time (`run_round()`, `catch_up()`);
- `data_dir`: its DATA_DIR.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.workflow.app import create_app, create_service
from services.workflow.consumer import create_consumer
from services.workflow.scheduler import TimerScheduler
from services.workflow.units import units
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import TZ
from shared.clock import AdjustableClock, FixedClock
from shared.events import encode, make_event

SECRET = "workflow-secret-0123456789-0123456789"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday

# The units the workflow tests name, as intake announces them (`unit.updated`): a request naming a
# unit the directory does not know is refused. Their names are their codes, so that the texts the
# tests read stay as they were written.
KNOWN_UNITS = ("VP_UBND", "SO_TC", "SO_XD", "SO_YT", "SO_KH", "SO_TP")


@dataclass(frozen=True)
class Setup:
    """How to build one workflow service for a test.

    database: "sqlite" (in DATA_DIR) or "postgresql" (a fresh database per test);
    clock: "fixed" (FixedClock, moved only by `advance`) or "adjustable" (AdjustableClock, which
    runs with real time and tells listeners of each `set`/`advance`), starting at `now`;
    units: the units put in the workflow's directory; env: more settings.
    """

    database: str = "sqlite"
    clock: str = "fixed"
    now: datetime = NOW
    units: tuple[str, ...] = KNOWN_UNITS
    env: dict[str, str] = field(default_factory=dict)


ADJUSTABLE = Setup(clock="adjustable")
POSTGRESQL = Setup(database="postgresql")


def using(setup: Setup, name: str) -> pytest.MarkDecorator:
    """Give the tests of a module (`pytestmark = using(...)`) or one test a `workflow` built with
    `setup`; `name` is the id the tests get."""
    marks = [pytest.mark.services] if setup.database == "postgresql" else []
    param = pytest.param(setup, id=name, marks=marks)
    return pytest.mark.parametrize("workflow", [param], indirect=True)


def on_both_databases(setup: Setup | None = None) -> pytest.MarkDecorator:
    """Run the tests on SQLite and again on PostgreSQL (marked `services`)."""
    setup = setup or Setup()
    postgresql = Setup(**{**setup.__dict__, "database": "postgresql"})
    params = [
        pytest.param(setup, id="sqlite"),
        pytest.param(postgresql, id="postgresql", marks=pytest.mark.services),
    ]
    return pytest.mark.parametrize("workflow", params, indirect=True)


def know_units(service: Any, *codes: str) -> None:
    """Put units in the workflow's directory (default: KNOWN_UNITS)."""
    rows = [{"code": code, "name": code, "active": True} for code in codes or KNOWN_UNITS]
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(units.insert(), rows)


def deliver_to(service: Any, event_type: str, data: dict[str, Any], **options: Any) -> str:
    """Hand one event to the service's consumer, as the bus would; its outcome ("applied",
    "duplicate", ...). Options: `when` (the event's time, default the service's now), `source`."""
    when = options.get("when") or service.clock.now()
    body = encode(make_event(event_type, data, source=options.get("source", "/test"), time=when))
    return str(service.consumer.process(body.encode(), {}))


def build(
    setup: Setup, data_dir: Path, namespace: str, database_url: Callable[[], str] | None = None
) -> Any:
    """One harness (see the module's docstring); the caller stops `runtime.platform`."""
    env = {"DATA_DIR": str(data_dir), "JWT_SECRET": SECRET, "BUS_NAMESPACE": namespace}
    if setup.database == "postgresql":
        assert database_url is not None, "a PostgreSQL workflow needs a database"
        env["WORKFLOW_DATABASE_URL"] = database_url()
    else:
        assert setup.database == "sqlite", setup.database
    env.update(setup.env)
    clock: Any = (
        AdjustableClock(setup.now) if setup.clock == "adjustable" else FixedClock(setup.now)
    )
    service = create_service(env, clock=clock)
    service.migrate()
    if setup.units:
        know_units(service, *setup.units)
    service.clock = clock
    service.data_dir = data_dir
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    service.scheduler = TimerScheduler(service)
    service.deliver = lambda event_type, data, **options: deliver_to(
        service, event_type, data, **options
    )
    return service


@contextmanager
def running(data_dir: Path, namespace: str, setup: Setup | None = None) -> Iterator[Any]:
    """One harness on SQLite for the length of a `with` block, outside the fixtures."""
    service = build(setup or Setup(), data_dir, namespace)
    try:
        yield service
    finally:
        service.runtime.platform.stop()


@pytest.fixture()
def make_workflow(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, bus_namespace: str
) -> Iterator[Callable[..., Any]]:
    """Build workflow harnesses: `make_workflow(setup=Setup(...), data_dir=..., namespace=...)`;
    each is stopped at the end of the test. Several on PostgreSQL share one database."""
    built: list[Any] = []

    def make(setup: Setup | None = None, **options: Any) -> Any:
        data_dir = options.get("data_dir") or tmp_path_factory.mktemp("workflow")
        service = build(
            setup or Setup(),
            data_dir,
            options.get("namespace", bus_namespace),
            lambda: str(request.getfixturevalue("pg_database_url")),
        )
        built.append(service)
        return service

    yield make
    for service in built:
        service.runtime.platform.stop()


@pytest.fixture()
def workflow(request: pytest.FixtureRequest, make_workflow: Callable[..., Any]) -> Any:
    """The workflow harness, built with the defaults or the `Setup` given by indirect
    parametrization."""
    return make_workflow(getattr(request, "param", None))


# -- what the tests do through the API ---------------------------------------------------------
def auth(role: str, unit: str | None) -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    return {
        "Authorization": "Bearer "
        + mint_token(settings, sub=f"{role}@{unit}", name=role, unit=unit, roles=[role])
    }


OFFICE = auth("office", "VP_UBND")
LEAD = auth("unit_officer", "SO_TC")
COORDINATOR = auth("unit_officer", "SO_XD")
STRANGER = auth("unit_officer", "SO_YT")


def release(service: Any, **overrides: Any) -> str:
    """A task.released for SO_TC (SO_XD coordinating), due 2026-12-20, released at NOW."""
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "document_number": "12/UBND-KTTC",
        "document_type": "cong_van",
        "assigned_by": "chu_tich",
        "issued_on": "2026-11-30",
        "content": "Rà soát vốn",
        "lead_unit": "SO_TC",
        "coordinating_units": ["SO_XD"],
        "due_on": "2026-12-20",
        "cadence": None,
        "released_at": NOW.isoformat(),
        **overrides,
    }
    body = encode(make_event("task.released", data, source="/test", time=NOW))
    assert service.consumer.process(body.encode(), {}) == "applied"
    return str(data["task_id"])


def outbox_types(service: Any) -> list[str]:
    outbox = service.runtime.platform.tables.outbox
    with service.runtime.platform.database.read() as conn:
        rows = conn.execute(select(outbox.c.event_type).order_by(outbox.c.seq))
        return [row.event_type for row in rows]


def act(service: Any, task_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(
        f"/api/workflow/tasks/{task_id}/actions/{action}", headers=who, json=body or None
    )


def open_feedback(service: Any, task_id: str, who: dict[str, str], **body: Any) -> Any:
    payload = {
        "task_id": task_id,
        "about_unit": "SO_TC",
        "problem": "late",
        "description": "Sở chưa gửi số liệu phối hợp",
        **body,
    }
    return service.client.post("/api/workflow/feedback", json=payload, headers=who)
