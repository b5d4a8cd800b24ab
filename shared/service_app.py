"""Builds a service's Flask app around its router: edge, OpenAPI, health and metrics."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.db import ping
from shared.http import ApiRouter, install_edge, json_response
from shared.idempotency import IdempotencyStore
from shared.openapi import openapi_document
from shared.platform import ServicePlatform

Check = Callable[[], None]


def build_service_app(platform: ServicePlatform, router: ApiRouter, title: str) -> Flask:
    service = platform.service
    app = Flask(f"nhiemvu.{service}")
    app.config["MAX_CONTENT_LENGTH"] = platform.settings.max_body_bytes
    install_edge(app, service)
    router.idempotency = IdempotencyStore(
        platform.database, platform.tables.idempotency, platform.clock
    )
    router.install(app)
    document = openapi_document(router, title)
    app.add_url_rule(
        f"/api/{service}/openapi.json",
        endpoint="openapi",
        view_func=lambda: json_response(document),
    )
    checks: dict[str, Check] = {
        "database": lambda: ping(platform.database.engine),
        "broker": platform.bus.ping,
    }
    install_health(app, checks)
    app.extensions["nhiemvu"] = platform
    return app


def install_health(app: Flask, checks: dict[str, Check]) -> None:
    app.add_url_rule(
        "/healthz", endpoint="healthz", view_func=lambda: json_response({"status": "ok"})
    )
    app.add_url_rule("/readyz", endpoint="readyz", view_func=lambda: readiness(checks))
    app.add_url_rule("/metrics", endpoint="metrics", view_func=metrics)


def readiness(checks: dict[str, Check]) -> Response:
    results: dict[str, str] = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:
            results[name] = f"unavailable: {type(exc).__name__}"
    ready = all(value == "ok" for value in results.values())
    return json_response(
        {"status": "ready" if ready else "not ready", "checks": results}, 200 if ready else 503
    )


def metrics() -> Response:
    return Response(generate_latest(), mimetype=CONTENT_TYPE_LATEST)
