"""Production sign-in: OpenID Connect authorization code flow with PKCE against the province's
identity provider (Authlib), registered by app.py when OIDC_ISSUER is set.

GET /login starts the flow (state, nonce and an S256 PKCE verifier kept in the session with
where to go afterwards); GET /auth/callback checks the state, exchanges the code with the
verifier, validates the ID token (signature against the provider's JWKS from discovery, issuer,
audience, nonce, expiry), reads the person's name, unit and roles from the configured claims
(ID token and userinfo) or, when the claims are absent, from the Office's mapping table
(OIDC_ROLE_MAP_FILE), and signs the person in with a short-lived API token that the four services
verify. /logout (app.py) ends the session here, then at the provider's end_session_endpoint.

Mapping table: a JSON object from a subject or an e-mail address to {"unit": ..., "roles": [...]},
re-read when the file changes, e.g.
    {"nguyen.van.a@thanhhoa.gov.vn": {"unit": "SO_TC", "roles": ["unit_officer"]}}"""

from __future__ import annotations

import hmac
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import requests
from authlib.integrations.base_client import OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, flash, g, redirect, render_template_string, request, session, url_for
from joserfc.errors import JoseError

from services.web.config import WebConfigError, WebSettings
from services.web.context import safe_next
from services.web.session import current_person, sign_in
from services.web.tokens import mint_api_token
from shared.auth import AGENCY, ALL_ROLES, QLVB, UNIT_ROLES

log = logging.getLogger(__name__)

FLOW_KEY = "oidc_flow"  # the pending sign-in: state, nonce, PKCE verifier, redirect URI, next
ID_TOKEN_KEY = "oidc_id_token"  # kept for id_token_hint at logout
FLOW_MAX_AGE_SECONDS = 600
MAX_ID_TOKEN_HINT_CHARS = 2000  # the session is a cookie: a larger ID token is not kept
HTTP_TIMEOUT_SECONDS = 10
CLOCK_LEEWAY_SECONDS = 60
# The document system's and connected agencies' roles belong to machine clients, never to a person.
PERSON_ROLES: frozenset[str] = ALL_ROLES - {QLVB, AGENCY}

UNAVAILABLE = "Hệ thống đăng nhập của tỉnh đang không phản hồi; vui lòng thử lại sau ít phút."
REFUSED = "Hệ thống đăng nhập của tỉnh không xác nhận việc đăng nhập; vui lòng đăng nhập lại."
STALE = (
    "Phiên đăng nhập đã hết hạn hoặc không khớp (có thể do mở nhiều thẻ hoặc quay lại trang cũ); "
    "vui lòng đăng nhập lại."
)
FAILED = "Không xác thực được thông tin đăng nhập từ hệ thống đăng nhập của tỉnh; vui lòng thử lại."
SIGNED_OUT = "Bạn đã đăng xuất khỏi hệ thống theo dõi nhiệm vụ và hệ thống đăng nhập của tỉnh."
CONTACT = "Vui lòng liên hệ Văn phòng UBND tỉnh để được cấp quyền."


class NotMapped(Exception):
    """The provider vouched for the person, but nothing says which unit and roles they have."""


@dataclass(frozen=True)
class ClaimNames:
    unit: str
    roles: str


def init_oidc(app: Flask, settings: WebSettings) -> None:
    if not settings.oidc_client_id:
        raise WebConfigError("OIDC_ISSUER đã đặt nhưng thiếu OIDC_CLIENT_ID.")
    role_map_file = (settings.env.get("OIDC_ROLE_MAP_FILE") or "").strip()
    role_map = RoleMap(Path(role_map_file)) if role_map_file else None
    scopes = settings.oidc_scopes.split()
    if "openid" not in scopes:
        scopes.insert(0, "openid")
    issuer = settings.oidc_issuer.rstrip("/") if settings.oidc_issuer else ""
    oauth = OAuth(app)
    client = oauth.register(
        name="province",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        server_metadata_url=f"{issuer}/.well-known/openid-configuration",
        client_kwargs={
            "scope": " ".join(scopes),
            "code_challenge_method": "S256",
            "token_endpoint_auth_method": (
                "client_secret_basic" if settings.oidc_client_secret else "none"
            ),
            "default_timeout": HTTP_TIMEOUT_SECONDS,
        },
    )
    claim_names = ClaimNames(unit=settings.oidc_unit_claim, roles=settings.oidc_roles_claim)

    def metadata() -> dict[str, Any]:
        data: dict[str, Any] = client.load_server_metadata()
        # OpenID Connect Discovery §4.3: the document must name the issuer we were configured with.
        if str(data.get("issuer", "")).rstrip("/") != issuer:
            raise OAuthError(description="issuer in discovery does not match OIDC_ISSUER")
        return data

    def callback_url() -> str:
        return settings.oidc_redirect_url or url_for("oidc_callback", _external=True)

    def login() -> Any:
        target = safe_next(request.args.get("next"))
        if current_person() is not None:
            return redirect(target)
        try:
            metadata()
            flow = client.create_authorization_url(callback_url())
        except (OAuthError, requests.RequestException, ValueError) as exc:
            log.warning("OpenID provider unavailable at sign-in: %s", exc)
            return _page(503, "Không kết nối được hệ thống đăng nhập", UNAVAILABLE)
        session[FLOW_KEY] = {
            "state": flow["state"],
            "nonce": flow["nonce"],
            "code_verifier": flow["code_verifier"],
            "redirect_uri": callback_url(),
            "next": target,
            "started": int(time.time()),
        }
        return redirect(flow["url"])

    def callback() -> Any:
        flow = session.pop(FLOW_KEY, None)
        if request.args.get("error"):
            log.info("OpenID provider refused sign-in: %s", request.args.get("error"))
            return _page(403, "Đăng nhập không thành công", REFUSED)
        if not _flow_matches(flow, request.args.get("state")):
            return _page(400, "Phiên đăng nhập không hợp lệ", STALE)
        try:
            meta = metadata()
            returned_iss = request.args.get("iss")  # RFC 9207: a mix-up shows here
            if returned_iss is not None and returned_iss != meta["issuer"]:
                raise OAuthError(description="iss in the authorization response is not ours")
            code = request.args.get("code")
            if not code:
                raise OAuthError(description="no code in the authorization response")
            token = client.fetch_access_token(
                redirect_uri=flow["redirect_uri"], code=code, code_verifier=flow["code_verifier"]
            )
            if "id_token" not in token:
                raise OAuthError(description="the token response has no id_token")
            claims = dict(
                client.parse_id_token(
                    token,
                    nonce=flow["nonce"],
                    claims_options={
                        "iss": {"essential": True, "values": [meta["issuer"]]},
                        "aud": {"essential": True, "values": [settings.oidc_client_id]},
                    },
                    leeway=CLOCK_LEEWAY_SECONDS,
                )
            )
            if meta.get("userinfo_endpoint") and token.get("access_token"):
                info = dict(client.userinfo(token=token))
                if info.get("sub") != claims["sub"]:  # OpenID Connect Core §5.3.2
                    raise OAuthError(description="userinfo is about another subject")
                claims = {**info, **claims}  # the signed ID token wins
        except requests.RequestException as exc:
            log.warning("OpenID provider unavailable at callback: %s", exc)
            return _page(503, "Không kết nối được hệ thống đăng nhập", UNAVAILABLE)
        except (OAuthError, JoseError, KeyError, ValueError) as exc:
            log.warning("OpenID sign-in refused: %s: %s", type(exc).__name__, exc)
            return _page(400, "Đăng nhập không thành công", FAILED)
        try:
            identity = identity_from_claims(claims, claim_names, role_map)
        except NotMapped as exc:
            log.info("OpenID sign-in of %s refused: no unit/roles mapping", claims.get("sub"))
            return _page(403, "Tài khoản chưa được cấp quyền", str(exc), retry=False)
        api_token = mint_api_token(settings, **identity, ttl_seconds=settings.session_minutes * 60)
        sign_in(identity, api_token)
        if len(token["id_token"]) <= MAX_ID_TOKEN_HINT_CHARS:
            session[ID_TOKEN_KEY] = token["id_token"]
        flash(f"Đã đăng nhập: {identity['name']}.", "success")
        return redirect(flow["next"])

    def signed_out() -> Any:
        return _page(200, "Đã đăng xuất", SIGNED_OUT)

    def remember_id_token() -> None:
        # app.py's /logout clears the session before asking for the provider's logout URL.
        if request.path == "/logout":
            g.oidc_id_token = session.get(ID_TOKEN_KEY)

    def logout_url(*_args: Any, **_kwargs: Any) -> str:
        done = _post_logout_url(settings.oidc_redirect_url)
        try:
            end_session = metadata().get("end_session_endpoint")
        except (OAuthError, requests.RequestException, ValueError) as exc:
            log.warning("OpenID provider unavailable at logout: %s", exc)
            end_session = None
        if not end_session:
            return done
        params = {"client_id": settings.oidc_client_id, "post_logout_redirect_uri": done}
        hint = g.get("oidc_id_token")
        if isinstance(hint, str) and hint:
            params["id_token_hint"] = hint
        return f"{end_session}{'&' if '?' in end_session else '?'}{urlencode(params)}"

    app.add_url_rule("/login", "login", login, methods=["GET"])
    app.add_url_rule("/auth/callback", "oidc_callback", callback, methods=["GET"])
    app.add_url_rule("/signed-out", "oidc_signed_out", signed_out, methods=["GET"])
    app.before_request(remember_id_token)
    app.extensions["oidc_logout_url"] = logout_url


PAGE = """{% extends "base.html" %}
{% block title %}{{ title }}{% endblock %}
{% block content %}
<h1>{{ title }}</h1>
<p>{{ detail }}</p>
{% if retry %}<p><a href="{{ url_for('login') }}">Đăng nhập lại</a></p>{% endif %}
{% endblock %}"""


def _page(status: int, title: str, detail: str, *, retry: bool = True) -> Any:
    """A page in the web's own look, with a link to sign in (again) unless that cannot help."""
    return render_template_string(PAGE, title=title, detail=detail, retry=retry), status


def _flow_matches(flow: Any, state: str | None) -> bool:
    if not isinstance(flow, dict) or not state or not isinstance(flow.get("state"), str):
        return False
    if not hmac.compare_digest(flow["state"].encode(), state.encode()):
        return False
    if not flow.get("code_verifier") or not flow.get("nonce") or not flow.get("redirect_uri"):
        return False  # never exchange a code without PKCE, nor accept an ID token without nonce
    started = flow.get("started")
    return isinstance(started, int) and time.time() - started <= FLOW_MAX_AGE_SECONDS


def _post_logout_url(redirect_url: str | None) -> str:
    if redirect_url:
        parts = urlsplit(redirect_url)
        return f"{parts.scheme}://{parts.netloc}/signed-out"
    return url_for("oidc_signed_out", _external=True)


# -- claims → identity ---------------------------------------------------------------------------
def identity_from_claims(
    claims: Mapping[str, Any], names: ClaimNames, role_map: RoleMap | None = None
) -> dict[str, Any]:
    """The person the services will know: sub, name, unit and known roles. The claims come first;
    the Office's table fills what they lack. Raises NotMapped with a Vietnamese explanation."""
    sub = str(claims["sub"])
    email = claims.get("email") if isinstance(claims.get("email"), str) else None
    name = next(
        (
            v.strip()
            for v in (claims.get("name"), claims.get("preferred_username"), email)
            if isinstance(v, str) and v.strip()
        ),
        sub,
    )
    unit = _text(claim(claims, names.unit))
    roles = known_roles(claim(claims, names.roles))
    if role_map is not None and (not roles or unit is None):
        verified = claims.get("email_verified") not in (False, "false")
        entry = role_map.lookup(sub, email if verified else None)
        if entry is not None:
            unit = unit or entry[0]
            roles = roles or list(entry[1])
    who = f"{name} ({email or sub})"
    if not roles:
        raise NotMapped(
            f"Tài khoản {who} đã được hệ thống đăng nhập của tỉnh xác thực nhưng chưa được phân "
            f"vai trò trong hệ thống theo dõi nhiệm vụ. {CONTACT}"
        )
    if unit is None and any(r in UNIT_ROLES for r in roles):
        raise NotMapped(
            f"Tài khoản {who} có vai trò của đơn vị nhưng chưa được gán đơn vị. {CONTACT}"
        )
    return {"sub": sub, "name": name, "unit": unit, "roles": roles}


def claim(claims: Mapping[str, Any], name: str) -> Any:
    """A claim by its name, or by a dotted path into nested objects (e.g. 'nhiemvu.unit')."""
    if name in claims:
        return claims[name]
    value: Any = claims
    for part in name.split("."):
        if not isinstance(value, Mapping) or part not in value:
            return None
        value = value[part]
    return value


def known_roles(value: Any) -> list[str]:
    """Roles from a list or a space/comma-separated string; unknown ones grant nothing."""
    if isinstance(value, str):
        items: list[Any] = value.replace(",", " ").split()
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = []
    return [r for r in dict.fromkeys(i for i in items if isinstance(i, str)) if r in PERSON_ROLES]


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


class RoleMap:
    """The Office's table: subject or e-mail → (unit, roles); re-read when the file changes."""

    def __init__(self, path: Path) -> None:
        self._path = path
        self._mtime = self._stat()
        self._entries = self._load()

    def lookup(self, sub: str, email: str | None) -> tuple[str | None, tuple[str, ...]] | None:
        mtime = self._stat()
        if mtime != self._mtime:
            try:
                self._entries, self._mtime = self._load(), mtime
            except WebConfigError as exc:  # keep the last good table; say why
                log.error("%s", exc)
        found = self._entries.get(sub)
        if found is None and email:
            found = self._entries.get(email.strip().lower())
        return found

    def _stat(self) -> float | None:
        try:
            return self._path.stat().st_mtime
        except OSError:
            return None

    def _load(self) -> dict[str, tuple[str | None, tuple[str, ...]]]:
        where = f"OIDC_ROLE_MAP_FILE={self._path}"
        try:
            data = json.loads(self._path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise WebConfigError(f"Không đọc được {where}: {exc}") from exc
        if not isinstance(data, dict):
            raise WebConfigError(f"{where} phải là một đối tượng JSON.")
        entries: dict[str, tuple[str | None, tuple[str, ...]]] = {}
        for key, value in data.items():
            roles = value.get("roles") if isinstance(value, dict) else None
            unit = value.get("unit") if isinstance(value, dict) else None
            if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
                raise WebConfigError(f"{where}: '{key}' cần danh sách vai trò 'roles'.")
            unknown = sorted(set(roles) - PERSON_ROLES)
            if unknown or (unit is not None and not isinstance(unit, str)):
                problem = f"vai trò không tồn tại {unknown}" if unknown else "'unit' phải là chuỗi"
                raise WebConfigError(f"{where}: '{key}': {problem}.")
            entries[key.strip().lower() if "@" in key else key] = (_text(unit), tuple(roles))
        return entries
