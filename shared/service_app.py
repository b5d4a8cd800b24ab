"""Builds a service's Flask app around its router: edge, OpenAPI, health and metrics."""

from __future__ import annotations

import hmac
from collections.abc import Callable

from flask import Flask, Response, request
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from shared.auth import BEARER_ERROR_KEY, INVALID_TOKEN, bearer_challenge
from shared.config import PlatformSettings
from shared.db import ping
from shared.http import ApiRouter
from shared.http_edge import install_edge
from shared.http_responses import json_response, problem
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
    install_health(app, checks, platform.settings)
    app.extensions["nhiemvu"] = platform
    return app


def install_health(app: Flask, checks: dict[str, Check], settings: PlatformSettings) -> None:
    """/healthz, /readyz, /metrics (guarded as `settings` says), and the Bearer challenge on
    every 401 the app answers."""
    app.add_url_rule(
        "/healthz", endpoint="healthz", view_func=lambda: json_response({"status": "ok"})
    )
    app.add_url_rule("/readyz", endpoint="readyz", view_func=lambda: readiness(checks))
    app.add_url_rule(
        "/metrics",
        endpoint="metrics",
        view_func=lambda: guarded_metrics(settings.metrics_token, public=settings.development),
    )
    app.after_request(_bearer_challenge)


def _bearer_challenge(response: Response) -> Response:
    """RFC 6750 §3: a 401 says how to authenticate, and why a presented token was refused."""
    if response.status_code == 401 and "WWW-Authenticate" not in response.headers:
        response.headers["WWW-Authenticate"] = bearer_challenge(
            request.environ.get(BEARER_ERROR_KEY)
        )
    return response


def guarded_metrics(token: str | None, *, public: bool) -> Response:
    """Prometheus metrics: with METRICS_TOKEN, only for `Authorization: Bearer <it>`; without
    it, public in development and off (404) in production."""
    if token is None:
        if public:
            return metrics()
        return problem(404, "Không tìm thấy", "Chỉ số vận hành chưa bật (METRICS_TOKEN).")
    scheme, _, presented = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not presented.strip():
        return problem(401, "Chưa xác thực", "Cần 'Authorization: Bearer <METRICS_TOKEN>'.")
    if not hmac.compare_digest(presented.strip().encode(), token.encode()):
        request.environ[BEARER_ERROR_KEY] = INVALID_TOKEN
        return problem(401, "Chưa xác thực", "METRICS_TOKEN không đúng.")
    return metrics()


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
