"""Every setting of the web application, its environment variable and its default, in one place."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import ConfigError, is_production
from shared.files import FileStore

DEV_SECRET_KEY = "nhiemvu-web-development-secret-not-for-production"
DEFAULT_API_URL = "http://127.0.0.1:8000"
SERVICES = ("intake", "workflow", "notify", "reporting")
# One origin a CSP source list can carry: scheme, host (optionally `*.` before it), port; no path.
_ORIGIN = re.compile(
    r"https?://(\*\.)?[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*(:\d{1,5})?",
    re.IGNORECASE,
)


class WebConfigError(ConfigError):
    """The web application is misconfigured; raised at start-up."""


@dataclass(frozen=True)
class WebSettings:
    development: bool
    api_url: str
    service_urls: Mapping[str, str]
    secret_key: str = field(repr=False)
    session_minutes: int
    oidc_issuer: str | None
    oidc_client_id: str | None
    oidc_client_secret: str | None = field(repr=False)
    oidc_scopes: str
    oidc_unit_claim: str
    oidc_roles_claim: str
    oidc_redirect_url: str | None
    token_private_key: str | None = field(repr=False)
    api_timeout_seconds: float
    # The origins that may show the public results pages in a frame (the provincial portal).
    public_frame_ancestors: tuple[str, ...]
    # The largest form the pages take: a few files of MAX_FILE_BYTES each (shared/files.py).
    max_form_bytes: int
    env: Mapping[str, str] = field(repr=False)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> WebSettings:
        env = dict(os.environ if env is None else env)
        development = not is_production(env)
        api_url = (_get(env, "WEB_API_URL") or DEFAULT_API_URL).rstrip("/")
        service_urls = {
            name: (_get(env, f"WEB_{name.upper()}_URL") or api_url).rstrip("/") for name in SERVICES
        }
        return cls(
            development=development,
            api_url=api_url,
            service_urls=service_urls,
            secret_key=_secret_key(env, development),
            session_minutes=int(_get(env, "WEB_SESSION_MINUTES") or 480),
            oidc_issuer=_oidc_issuer(env, development),
            oidc_client_id=_get(env, "OIDC_CLIENT_ID"),
            oidc_client_secret=_get(env, "OIDC_CLIENT_SECRET"),
            oidc_scopes=_get(env, "OIDC_SCOPES") or "openid profile email",
            oidc_unit_claim=_get(env, "OIDC_UNIT_CLAIM") or "unit",
            oidc_roles_claim=_get(env, "OIDC_ROLES_CLAIM") or "roles",
            oidc_redirect_url=_get(env, "OIDC_REDIRECT_URL"),
            token_private_key=_private_key(env),
            api_timeout_seconds=float(_get(env, "WEB_API_TIMEOUT_SECONDS") or 15),
            public_frame_ancestors=_frame_ancestors(env, development),
            max_form_bytes=max(
                10 * 1024 * 1024, 3 * FileStore.from_env(env, Path(".")).max_bytes + 1024 * 1024
            ),
            env=env,
        )

    def service_url(self, service: str) -> str:
        """The base URL of one service's API, e.g. http://127.0.0.1:8000/api/workflow."""
        return f"{self.service_urls[service]}/api/{service}"


def _get(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _secret_key(env: Mapping[str, str], development: bool) -> str:
    key = _get(env, "WEB_SECRET_KEY")
    if key:
        return key
    if development:
        return DEV_SECRET_KEY
    raise WebConfigError("NHIEMVU_ENV=production nhưng chưa đặt WEB_SECRET_KEY.")


def _oidc_issuer(env: Mapping[str, str], development: bool) -> str | None:
    """Production signs people in only through the province's OpenID provider: without one
    nobody could sign in (the development form does not exist there)."""
    issuer = _get(env, "OIDC_ISSUER")
    if issuer is None and not development:
        raise WebConfigError("NHIEMVU_ENV=production nhưng chưa đặt OIDC_ISSUER.")
    if issuer is not None and not _get(env, "OIDC_CLIENT_ID"):
        raise WebConfigError("Đã đặt OIDC_ISSUER nhưng chưa đặt OIDC_CLIENT_ID.")
    return issuer


def _private_key(env: Mapping[str, str]) -> str | None:
    path = _get(env, "WEB_TOKEN_PRIVATE_KEY_FILE")
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="ascii")
    except OSError as exc:
        raise WebConfigError(f"Không đọc được WEB_TOKEN_PRIVATE_KEY_FILE={path}") from exc


def _frame_ancestors(env: Mapping[str, str], development: bool) -> tuple[str, ...]:
    """PUBLIC_FRAME_ANCESTORS: space-separated origins such as https://thanhhoa.gov.vn. Each goes
    into a CSP header as written, so anything but an origin is refused at start-up; production
    takes https only."""
    origins = tuple((_get(env, "PUBLIC_FRAME_ANCESTORS") or "").split())
    for origin in origins:
        if not _ORIGIN.fullmatch(origin) or (not development and origin.startswith("http:")):
            raise WebConfigError(
                f"PUBLIC_FRAME_ANCESTORS: '{origin}' không phải một nguồn gốc hợp lệ "
                "(dạng https://cong.thanhhoa.gov.vn, cách nhau bởi dấu cách)."
            )
    return origins
