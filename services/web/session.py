"""The signed-in person, kept in Flask's signed session cookie, and the CSRF token of every form.

The cookie is HttpOnly, SameSite=Lax and Secure in production (app.py). A session lasts
`session_minutes`; past that the person signs in again and comes back to where they were.

CSRF: a random token per session, put in every form (`csrf_token`) and in htmx requests (the
X-CSRF-Token header, from the <meta> tag), and checked on every POST. A dozen lines of our own
rather than Flask-WTF: the web has no WTForms forms, and one less dependency to pin and audit."""

from __future__ import annotations

import hmac
import secrets
import time
from dataclasses import dataclass
from typing import Any

from flask import abort, current_app, request, session

from shared.auth import (
    LEADER,
    OFFICE_LEAD,
    OFFICE_ROLES,
    PROCESS_OWNER,
    ROLE_LABELS,
    ROLE_PRIORITY,
    UNIT_ROLES,
)

PERSON_KEY = "person"
TOKEN_KEY = "api_token"
EXPIRES_KEY = "expires_at"
CSRF_KEY = "csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


@dataclass(frozen=True)
class Person:
    sub: str
    name: str
    unit: str | None
    roles: tuple[str, ...]
    api_token: str

    @property
    def is_office(self) -> bool:
        return any(r in OFFICE_ROLES for r in self.roles)

    @property
    def is_office_lead(self) -> bool:
        return OFFICE_LEAD in self.roles

    @property
    def is_unit(self) -> bool:
        return any(r in UNIT_ROLES for r in self.roles) and self.unit is not None

    @property
    def is_leader(self) -> bool:
        return LEADER in self.roles

    @property
    def is_process_owner(self) -> bool:
        return PROCESS_OWNER in self.roles

    @property
    def role_label(self) -> str:
        role = next((r for r in ROLE_PRIORITY if r in self.roles), None)
        return ROLE_LABELS.get(role, "") if role else ""


def sign_in(identity: dict[str, Any], api_token: str) -> None:
    """Start a fresh session (a new CSRF token too: no fixation across sign-ins)."""
    minutes = current_app.config["WEB_SETTINGS"].session_minutes
    session.clear()
    session.permanent = True
    session[PERSON_KEY] = {
        "sub": str(identity["sub"]),
        "name": str(identity.get("name") or identity["sub"]),
        "unit": identity.get("unit") or None,
        "roles": list(identity.get("roles") or []),
    }
    session[TOKEN_KEY] = api_token
    session[EXPIRES_KEY] = int(time.time()) + minutes * 60
    session[CSRF_KEY] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session.clear()


def session_expired() -> bool:
    """A session that was signed in and has run past its time."""
    expires = session.get(EXPIRES_KEY)
    return PERSON_KEY in session and (not isinstance(expires, int) or expires <= time.time())


def current_person() -> Person | None:
    data = session.get(PERSON_KEY)
    token = session.get(TOKEN_KEY)
    if not isinstance(data, dict) or not isinstance(token, str) or session_expired():
        return None
    return Person(
        sub=data["sub"],
        name=data["name"],
        unit=data.get("unit"),
        roles=tuple(data.get("roles") or ()),
        api_token=token,
    )


def csrf_token() -> str:
    token = session.get(CSRF_KEY)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_KEY] = token
    return token


def check_csrf() -> None:
    """Refuse a state-changing request without the session's token (403)."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    expected = session.get(CSRF_KEY)
    if not isinstance(expected, str) or not hmac.compare_digest(sent, expected):
        abort(
            403, description="Phiên làm việc không hợp lệ (thiếu mã CSRF); vui lòng tải lại trang."
        )
