"""The embedded profile: all four services in one process on SQLite and the in-process bus.

This is the composition root that `nhiemvu serve` (and `make run`) uses. Each service is still
built by its own `create_service`, owns its own database file and talks to the others only
through the bus; only the process is shared.
"""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import isodate
from flask import Flask, request

from services.intake import app as intake_app
from services.intake import consumer as intake_consumer
from services.intake.service import IntakeService
from services.notify import app as notify_app
from services.notify import consumer as notify_consumer
from services.notify.delivery import DeliveryWorker
from services.notify.service import NotifyService
from services.reporting import app as reporting_app
from services.reporting import consumer as reporting_consumer
from services.reporting.schedule import ReportSchedule
from services.reporting.service import ReportingService
from services.workflow import app as workflow_app
from services.workflow import consumer as workflow_consumer
from services.workflow.app import WorkflowService
from services.workflow.scheduler import TimerScheduler
from shared.bus import Bus
from shared.clock import AdjustableClock
from shared.config import PlatformSettings, is_production
from shared.consumer import EventConsumer
from shared.errors import Forbidden, ValidationFailed
from shared.http_edge import install_edge
from shared.http_responses import json_response
from shared.platform import ServicePlatform
from shared.service_app import install_health
from shared.topology import Topology

log = logging.getLogger(__name__)

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


@dataclass
class EmbeddedSystem:
    env: Mapping[str, str]
    clock: AdjustableClock
    bus: Bus
    intake: IntakeService
    workflow: WorkflowService
    notify: NotifyService
    reporting: ReportingService
    consumers: list[EventConsumer] = field(default_factory=list)
    scheduler: TimerScheduler | None = None
    delivery: DeliveryWorker | None = None
    report_schedule: ReportSchedule | None = None

    @property
    def platforms(self) -> dict[str, ServicePlatform]:
        return {
            "intake": self.intake.runtime.platform,
            "workflow": self.workflow.runtime.platform,
            "notify": self.notify.runtime.platform,
            "reporting": self.reporting.runtime.platform,
        }

    def migrate(self) -> None:
        self.intake.migrate()
        self.workflow.migrate()
        self.notify.migrate()
        self.reporting.migrate()

    def wsgi(self, api_url: str | None = None) -> WsgiApp:
        """The four APIs under /api/<service>, the admin routes, and the web application at
        every other path. The web calls the APIs over HTTP at WEB_API_URL, else at `api_url`
        (the address this WSGI app is served at), like any other client."""
        from services.web import app as web_app
        from services.web.config import WebConfigError
        from shared.auth_settings import AuthConfigError

        apps: dict[str, Flask] = {
            "/api/intake": intake_app.create_app(self.intake),
            "/api/workflow": workflow_app.create_app(self.workflow),
            "/api/notify": notify_app.create_app(self.notify),
            "/api/reporting": reporting_app.create_app(self.reporting),
        }
        web_env = dict(self.env)
        if api_url and not web_env.get("WEB_API_URL"):
            web_env["WEB_API_URL"] = api_url
        try:
            web: Flask | None = web_app.create_app(web_env)
        except (WebConfigError, AuthConfigError) as exc:
            # The APIs still serve; the pages need their settings (deploy/README.md §9).
            log.warning("Ứng dụng web không khởi động: %s", exc)
            web = None
        return PrefixDispatcher(apps, self._admin_app(), web=web)

    def start(self) -> None:
        """Start consumers first (they declare queues), then the outbox relays."""
        self.consumers = [
            intake_consumer.create_consumer(self.intake),  # task.completed (Đ3.2)
            workflow_consumer.create_consumer(self.workflow),
            notify_consumer.create_consumer(self.notify),
            reporting_consumer.create_consumer(self.reporting),
        ]
        for consumer in self.consumers:
            consumer.start()
        for consumer in self.consumers:
            consumer.ready.wait(10)
        for platform in self.platforms.values():
            platform.start()
        # Timers fire on the scheduler's thread, and synchronously when the clock is moved, so
        # that POST /api/admin/clock answers after what became due has fired.
        self.scheduler = workflow_consumer.create_scheduler(self.workflow)
        self.clock.on_change(self.scheduler.on_clock_change)
        self.scheduler.start()
        # Notify's webhooks, emails and digests; a moved clock makes retries and digests due.
        self.delivery = notify_consumer.create_delivery_worker(self.notify)
        self.clock.on_change(self.delivery.wake)
        self.delivery.start()
        # Reporting's Đ18 schedule: a moved clock may make a period's report due.
        self.report_schedule = reporting_consumer.create_scheduler(self.reporting)
        self.clock.on_change(self.report_schedule.wake)
        self.report_schedule.start()

    def stop(self) -> None:
        if self.report_schedule is not None:
            self.report_schedule.stop()
        if self.delivery is not None:
            self.delivery.stop()
        if self.scheduler is not None:
            self.scheduler.stop()
        for consumer in self.consumers:
            consumer.stop()
        for platform in self.platforms.values():
            platform.stop()

    def _admin_app(self) -> Flask:
        admin = Flask("nhiemvu.admin")
        install_edge(admin, "admin")
        checks = {
            f"{name}.database": platform.database.engine.connect
            for name, platform in self.platforms.items()
        }
        install_health(
            admin,
            {name: _closing(check) for name, check in checks.items()},
            self.intake.runtime.settings,
        )
        if not is_production(self.env):
            install_clock_routes(admin, self.clock, host=self.env.get("HOST", ""))
        return admin


def install_clock_routes(app: Flask, clock: AdjustableClock, *, host: str = "") -> None:
    """Development only: read and move the system clock; moving it fires what became due.
    Served only when the server listens on a loopback address (HOST, default 127.0.0.1): on any
    other address the route answers 403, so that nobody on the network can move the clock."""
    loopback = is_loopback(host)

    @app.before_request
    def refuse_off_loopback() -> None:
        if not loopback and request.path == "/api/admin/clock":
            raise Forbidden(
                f"Đồng hồ thử nghiệm chỉ dùng được khi máy chủ nghe trên địa chỉ loopback "
                f"(HOST={host})."
            )

    @app.get("/api/admin/clock")
    def get_clock() -> Any:
        return json_response({"now": _local_iso(clock.now())})

    @app.post("/api/admin/clock")
    def post_clock() -> Any:
        body = request.get_json(silent=True)
        if not isinstance(body, dict) or not ({"advance", "now"} & body.keys()):
            raise ValidationFailed(
                "Cần 'advance' (ISO 8601, ví dụ P10D) hoặc 'now'.", {"advance": ["Thiếu giá trị."]}
            )
        try:
            if "advance" in body:
                duration = isodate.parse_duration(str(body["advance"]))
                target = clock.now() + duration
                clock.set(target)
            else:
                clock.set(datetime.fromisoformat(str(body["now"])))
        except (isodate.ISO8601Error, ValueError, TypeError) as exc:
            field_name = "advance" if "advance" in body else "now"
            raise ValidationFailed("Không đổi được đồng hồ.", {field_name: [str(exc)]}) from exc
        return json_response({"now": _local_iso(clock.now())})


def is_loopback(host: str) -> bool:
    """127.0.0.1, ::1, localhost (and an unset HOST, whose default is 127.0.0.1)."""
    name = host.strip().strip("[]").lower()
    if name in ("", "localhost"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _local_iso(value: datetime) -> str:
    from shared.calendar import TZ

    return value.astimezone(TZ).isoformat()


def _closing(connect: Callable[[], Any]) -> Callable[[], None]:
    def check() -> None:
        connect().close()

    return check


ADMIN_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})


class PrefixDispatcher:
    """Hand each request to the service whose `/api/<service>` prefix it starts with; other
    /api paths and the health and metrics routes to `fallback` (the admin app); every other
    path to the web application, when there is one."""

    def __init__(
        self, apps: Mapping[str, WsgiApp], fallback: Flask, web: WsgiApp | None = None
    ) -> None:
        self.apps = dict(apps)
        self.fallback = fallback
        self.web = web

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        path = environ.get("PATH_INFO", "")
        for prefix, app in self.apps.items():
            if path == prefix or path.startswith(prefix + "/"):
                return app(environ, start_response)
        if self.web is None or path.startswith("/api/") or path == "/api" or path in ADMIN_PATHS:
            return self.fallback(environ, start_response)
        return self.web(environ, start_response)


def build_system(env: Mapping[str, str] | None = None) -> EmbeddedSystem:
    environ = dict(os.environ if env is None else env)
    # The bus is the services' own: the same settings (and, in production, the same required
    # ones) as each service reads, and no setting that only this composition would ask for.
    settings = PlatformSettings.from_env("intake", environ)
    clock = AdjustableClock()
    bus = Bus(settings.broker_url, Topology(settings.bus_namespace, settings.retry_delays))
    return EmbeddedSystem(
        env=environ,
        clock=clock,
        bus=bus,
        intake=intake_app.create_service(environ, clock=clock, bus=bus),
        workflow=workflow_app.create_service(environ, clock=clock, bus=bus),
        notify=notify_app.create_service(environ, clock=clock, bus=bus),
        reporting=reporting_app.create_service(environ, clock=clock, bus=bus),
    )
