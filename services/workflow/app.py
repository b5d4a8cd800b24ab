"""The workflow service: `create_app()` for gunicorn, `create_service()` for workers, tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from flask import Flask
from sqlalchemy import Connection, ScalarSelect

from services.workflow import store, units
from services.workflow.case_dates import case_date_functions
from services.workflow.cases import CaseKind
from services.workflow.config import BPMN_DIR, bpmn_dir
from services.workflow.deadlines import deadline_functions
from services.workflow.engine import Engine
from services.workflow.instances.kind import Kind
from services.workflow.kinds import case_kinds
from services.workflow.kinds.task import TASK
from services.workflow.models import ModelRegistry
from services.workflow.routes import build_router
from shared.auth import Principal, authenticate_request
from shared.bus import Bus
from shared.clock import Clock, PinnableClock
from shared.events import CASE_EVENT_TYPES, TASK_EVENT_TYPES
from shared.runtime import Runtime, build_runtime
from shared.scoping import UnitDirectory, version_column
from shared.service_app import build_service_app

SERVICE = "workflow"
MIGRATIONS = Path(__file__).parent / "migrations"


@dataclass
class WorkflowService:
    runtime: Runtime
    engine: Engine
    models: ModelRegistry
    bpmn_dir: Path = BPMN_DIR
    kinds: dict[str, CaseKind] = field(default_factory=case_kinds)

    def kind_of(self, row: Mapping[str, Any]) -> Kind:
        """The kind an instance's row belongs to: a case's `kind`, else a task."""
        kind = row.get("kind")
        return self.kinds[kind] if isinstance(kind, str) and "case_id" in row else TASK

    def caller(self) -> Principal:
        """The current request's caller, with the units under their unit and the sectors it
        manages from this service's directory (shared/scoping.py)."""
        return self.resolve(self.authenticate())

    def authenticate(self) -> Principal:
        """The current request's caller as the token says (401 otherwise), not yet resolved."""
        return authenticate_request(self.runtime.verifier)

    def resolve(self, principal: Principal, conn: Connection | None = None) -> Principal:
        """The caller with what the directory adds; read on `conn` when the request already
        holds a transaction (an action: no second connection)."""
        return self._directory().resolve(principal, conn)

    def resolve_at(self, principal: Principal, conn: Connection, version: Any) -> Principal:
        """`resolve` on `conn` at the directory's `version`, which the request's transaction
        read with its first statement (`units_version_column`)."""
        return self._directory().resolve_at(principal, conn, version)

    @property
    def units_version_column(self) -> ScalarSelect[Any]:
        return version_column(units.units_version)

    def _directory(self) -> UnitDirectory:
        return UnitDirectory(self.runtime.platform.database, units.units, units.units_version)

    def migrate(self) -> None:
        """Apply migrations, then deploy the diagrams of `bpmn/` whose content is new: shipped
        defaults, which never replace a version a person chose (models.py)."""
        self.runtime.migrate()
        with self.runtime.platform.unit_of_work() as uow:
            self.models.deploy_directory(uow.conn, self.bpmn_dir, uow.now)


def create_service(
    env: Mapping[str, str] | None = None, *, clock: Clock | None = None, bus: Bus | None = None
) -> WorkflowService:
    runtime = build_runtime(SERVICE, store.metadata, MIGRATIONS, env, clock=clock, bus=bus)
    calendar = runtime.calendar
    # One clock for the timers and the diagram functions (`today()`, `due_soon_at`), which the
    # scheduler holds at each timer's due time while it fires (scheduler.py).
    engine_clock = PinnableClock(runtime.clock)
    engine = Engine(
        functions={
            "add_working_days": calendar.add_working_days,
            "is_working_day": calendar.is_working_day,
            "working_days_between": calendar.working_days_between,
            **deadline_functions(calendar, engine_clock),
            **case_date_functions(calendar),
        },
        clock=engine_clock,
        notices=(*TASK_EVENT_TYPES, *CASE_EVENT_TYPES),
        # The deadline functions read the clock by the local day: releases' starts may be copied.
        start_copies=True,
    )
    return WorkflowService(runtime, engine, ModelRegistry(engine), bpmn_dir(env))


def create_app(config: Mapping[str, str] | WorkflowService | None = None) -> Flask:
    """Build the WSGI app; given settings (not a built service) it migrates in development."""
    if isinstance(config, WorkflowService):
        service = config
    else:
        service = create_service(config)
        if service.runtime.settings.development:
            service.migrate()
    return build_service_app(
        service.runtime.platform, build_router(service), "Nhiệm vụ — Quy trình"
    )
