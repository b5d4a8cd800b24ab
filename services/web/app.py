"""The web application: create_app builds it; nothing happens at import.

Production: gunicorn "services.web.app:create_app()". `make run` serves it at / beside the APIs
(services/embedded.py), calling them over HTTP at WEB_API_URL like any other client."""

from __future__ import annotations

import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import Flask, Response, current_app, g, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response as BaseResponse

from services.web import context, labels
from services.web.api_client import ApiError, ApiUnauthorized, ApiUnavailable, submit
from services.web.config import WebSettings
from services.web.directory import UnitDirectory
from services.web.navigation import nav_groups
from services.web.session import CSRF_FIELD, check_csrf, csrf_token, session_expired, sign_out
from services.web.tokens import check_token_settings

# No inline script or style anywhere: every script and stylesheet is a file under /static.
CSP_WITHOUT_FRAMING = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; base-uri 'self'; object-src 'none'"
)
CSP = f"{CSP_WITHOUT_FRAMING}; frame-ancestors 'none'"
OPEN_ENDPOINTS = frozenset(
    {"static", "login", "login_post", "logout", "healthz", "oidc_callback", "oidc_signed_out"}
)
# The public results (Đ16.2): no sign-in, no session; the only pages another site may frame.
PUBLIC_BLUEPRINT = "public"


def create_app(env: Mapping[str, str] | None = None) -> Flask:
    settings = WebSettings.from_env(env)
    check_token_settings(settings)
    app = Flask(__name__, static_url_path="/static")
    app.config.update(
        WEB_SETTINGS=settings,
        SECRET_KEY=settings.secret_key,
        SESSION_COOKIE_NAME="nhiemvu_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=not settings.development,
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=settings.session_minutes),
        MAX_CONTENT_LENGTH=settings.max_form_bytes,
    )
    app.extensions["web_http"] = requests.Session()
    app.extensions["web_units"] = UnitDirectory()
    app.extensions["web_labels"] = labels.Labels(
        lambda service: context.api().get(service, "/vocabulary")
    )
    app.jinja_env.globals.update(
        labels=app.extensions["web_labels"], CSRF_FIELD=CSRF_FIELD, csrf_token=csrf_token
    )
    app.jinja_env.filters.update(labels.FILTERS)
    app.jinja_env.globals.update(nav_groups=nav_groups)
    _install_guards(app)
    _install_errors(app)
    _install_sign_in(app, settings)
    from services.web.routes import (
        annual_reports,
        commendations,
        dashboard,
        diagrams,
        document_templates,
        documents,
        home,
        inbox,
        office_reports,
        overdue_summaries,
        public,
        reports,
        sectors,
        tasks,
        unit_inspections,
        unit_reports,
        working_group,
    )

    for module in (
        home,
        documents,
        tasks,
        unit_reports,
        unit_inspections,
        working_group,
        overdue_summaries,
        commendations,
        inbox,
        public,
        dashboard,
        sectors,
        reports,
        office_reports,
        annual_reports,
        diagrams,
        document_templates,
    ):
        app.register_blueprint(module.bp)
    return app


def _install_sign_in(app: Flask, settings: WebSettings) -> None:
    if settings.oidc_issuer:
        from services.web.oidc import init_oidc

        init_oidc(app, settings)
    elif settings.development:
        from services.web import dev_login

        dev_login.install(app)

    @app.post("/logout")
    def logout() -> Any:
        sign_out()
        provider_logout = app.extensions.get("oidc_logout_url")
        if callable(provider_logout):
            return redirect(provider_logout())
        return redirect(url_for("login"))

    @app.get("/healthz")
    def healthz() -> Any:
        return {"status": "ok"}


def _install_guards(app: Flask) -> None:
    @app.before_request
    def _expired_session() -> Any:
        if _open(request.endpoint) or not session_expired():
            return None
        sign_out()
        return _to_login()

    @app.before_request
    def _csrf() -> None:
        g.started = time.perf_counter()
        check_csrf()

    @app.before_request
    def _prefetch_unread() -> None:
        # The header's unread count is asked at once, beside the page's own API calls.
        page = request.method == "GET" and not request.headers.get("HX-Request")
        if page and not _open(request.endpoint) and context.person() is not None:
            api = context.api()
            g.unread = submit(api.get, "notify", "/inbox", unread="true", limit=1)

    @app.context_processor
    def _page_context() -> dict[str, Any]:
        return {"person": context.person(), "unread": _unread_count}

    @app.after_request
    def _headers(response: Response) -> Response:
        framers = app.config["WEB_SETTINGS"].public_frame_ancestors
        if request.blueprint == PUBLIC_BLUEPRINT and framers:
            # The provincial portal may show the public results in a frame (Đ16.2); no
            # X-Frame-Options then, which knows no list of origins.
            csp = f"{CSP_WITHOUT_FRAMING}; frame-ancestors {' '.join(framers)}"
            response.headers.setdefault("Content-Security-Policy", csp)
        else:
            response.headers.setdefault("Content-Security-Policy", CSP)
            response.headers["X-Frame-Options"] = "DENY"
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "same-origin"
        if response.mimetype == "text/html":
            response.headers["Cache-Control"] = "no-store"
        if "started" in g:  # the page's server time, API calls included (make bench reads it)
            elapsed_ms = (time.perf_counter() - g.started) * 1000
            timing = f"app;dur={elapsed_ms:.1f}"
            if "api" in g:
                # Not a `dur`: the calls overlap, so their sum is not part of the page's time.
                timing += f', api;desc="{g.api.calls} calls, {g.api.elapsed_ms:.1f} ms"'
            response.headers["Server-Timing"] = timing
        return response


def _open(endpoint: str | None) -> bool:
    """Pages anyone may open, signed in or not, whose session (if any) they never read."""
    return endpoint in OPEN_ENDPOINTS or (endpoint or "").startswith(f"{PUBLIC_BLUEPRINT}.")


def _unread_count() -> int | None:
    """The header's unread count; a page still renders if notify does not answer."""
    if context.person() is None or request.headers.get("HX-Request"):
        return None  # htmx takes only part of the page, never the header
    try:
        if "unread" in g:
            return int(g.unread.result()["unread"])
        return int(context.api().get("notify", "/inbox", unread="true", limit=1)["unread"])
    except (ApiError, ApiUnavailable, KeyError, TypeError):
        return None


def _to_login() -> BaseResponse:
    # After signing in again the person comes back to the page they were on: for a form that
    # was posted, the page that showed it.
    where = request.full_path.rstrip("?")
    if request.method != "GET":
        referrer = urlsplit(request.referrer or "")
        same_site = referrer.netloc in ("", request.host)
        where = (
            (referrer.path + (f"?{referrer.query}" if referrer.query else "")) if same_site else "/"
        )
    target = context.login_url(where)
    if request.headers.get("HX-Request"):
        response = current_app.response_class(status=204)
        response.headers["HX-Redirect"] = target
        return response
    return redirect(target)


def _install_errors(app: Flask) -> None:
    @app.errorhandler(ApiUnauthorized)
    def _api_unauthorized(_exc: ApiUnauthorized) -> Any:
        sign_out()
        return _to_login()

    @app.errorhandler(ApiError)
    def _api_error(exc: ApiError) -> Any:
        return render_template("error.html", title=exc.title, detail=exc.detail), exc.status

    @app.errorhandler(ApiUnavailable)
    def _api_unavailable(exc: ApiUnavailable) -> Any:
        return render_template(
            "error.html", title="Dịch vụ tạm thời không phản hồi", detail=str(exc)
        ), 503

    @app.errorhandler(HTTPException)
    def _http_error(exc: HTTPException) -> Any:
        titles = {403: "Không được phép", 404: "Không tìm thấy trang", 405: "Không hỗ trợ"}
        title = titles.get(exc.code or 500, exc.name)
        return render_template("error.html", title=title, detail=exc.description), exc.code
