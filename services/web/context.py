"""What every page needs: the person's API client, the unit directory, sign-in guards, labels."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar, cast
from urllib.parse import urlsplit

import requests
from flask import abort, current_app, g, redirect, request, url_for

from services.web.api_client import ApiClient
from services.web.config import WebSettings
from services.web.directory import UnitDirectory
from services.web.labels import Labels
from services.web.session import Person, current_person
from shared.calendar import local_date

F = TypeVar("F", bound=Callable[..., Any])


def settings() -> WebSettings:
    found: WebSettings = current_app.config["WEB_SETTINGS"]
    return found


def person() -> Person | None:
    if "person" not in g:
        g.person = current_person()
    found: Person | None = g.person
    return found


def api() -> ApiClient:
    """The person's API client for this request (one per request: it counts the calls)."""
    if "api" not in g:
        who = person()
        http = current_app.extensions["web_http"]
        g.api = ApiClient(settings(), http, who.api_token if who else None)
    found: ApiClient = g.api
    return found


def labels() -> Labels:
    """The services' vocabularies (read once through the first person's API client)."""
    found: Labels = current_app.extensions["web_labels"]
    return found


def directory() -> UnitDirectory:
    found: UnitDirectory = current_app.extensions["web_units"]
    return found


def unit_names() -> dict[str, str]:
    return directory().names(api())


def login_url(next_path: str | None = None) -> str:
    target = safe_next(next_path if next_path is not None else request.full_path.rstrip("?"))
    return url_for("login", next=target) if target and target != "/" else url_for("login")


MAX_NEXT_CHARS = 1000


def safe_next(target: str | None) -> str:
    """Only a path on this site (no open redirect): no scheme, no host, no '//' or '/\\'
    (browsers read both as a host), no control characters, nothing that would swell the
    session cookie."""
    if not target or len(target) > MAX_NEXT_CHARS or not target.startswith("/"):
        return "/"
    if (
        target.startswith("//")
        or "\\" in target
        or any(ord(c) < 0x20 or ord(c) == 0x7F for c in target)
        or urlsplit(target).netloc
    ):
        return "/"
    return target


def signed_in(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if person() is None:
            return redirect(login_url())
        return view(*args, **kwargs)

    return cast(F, wrapper)


def office_only(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = person()
        if who is None:
            return redirect(login_url())
        if not who.is_office:
            abort(403, description="Trang này chỉ dành cho Văn phòng UBND tỉnh.")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def today() -> date:
    """The system's date. In development its clock may have been moved (/api/admin/clock)."""
    if "today" not in g:
        g.today = local_date(datetime.now(UTC))
        if settings().development:
            g.today = _development_today(g.today)
    found: date = g.today
    return found


def today_getter() -> Callable[[], date]:
    """today() as a call that needs no request context (for gather): settings read now."""
    if "today" in g:
        known: date = g.today
        return lambda: known
    development, http, api_url = settings().development, current_app_http(), settings().api_url

    def read() -> date:
        fallback = local_date(datetime.now(UTC))
        return _development_today(fallback, http, api_url) if development else fallback

    return read


def _development_today(fallback: date, http: Any = None, api_url: str | None = None) -> date:
    http = http or current_app.extensions["web_http"]
    api_url = api_url or settings().api_url
    try:
        answer = http.get(f"{api_url}/api/admin/clock", timeout=5)
        return datetime.fromisoformat(answer.json()["now"]).date()
    except (requests.RequestException, ValueError, KeyError):
        return fallback


def current_app_http() -> Any:
    return current_app.extensions["web_http"]
