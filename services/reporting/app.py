"""The reporting service: `create_app()` for gunicorn, `create_service()` for workers, tests."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from flask import Flask

from services.reporting import store
from services.reporting.routes import build_router
from services.reporting.service import ReportingService
from shared.bus import Bus
from shared.clock import Clock
from shared.runtime import build_runtime
from shared.service_app import build_service_app

SERVICE = "reporting"
MIGRATIONS = Path(__file__).parent / "migrations"
TITLE = "Nhiệm vụ — Báo cáo, thống kê"


def create_service(
    env: Mapping[str, str] | None = None, *, clock: Clock | None = None, bus: Bus | None = None
) -> ReportingService:
    runtime = build_runtime(SERVICE, store.metadata, MIGRATIONS, env, clock=clock, bus=bus)
    return ReportingService(runtime)


def create_app(config: Mapping[str, str] | ReportingService | None = None) -> Flask:
    """Build the WSGI app; given settings (not a built service) it migrates in development."""
    if isinstance(config, ReportingService):
        service = config
    else:
        service = create_service(config)
        if service.runtime.settings.development:
            service.migrate()
    return build_service_app(service.runtime.platform, build_router(service), TITLE)
