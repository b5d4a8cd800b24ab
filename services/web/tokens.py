"""The short-lived API token the web mints for the signed-in person.

The four services verify it like any bearer token (shared.auth); the web never forwards the
identity provider's own tokens to them."""

from __future__ import annotations

from collections.abc import Iterable

from services.web.config import WebSettings
from shared.auth import AuthSettings, mint_token


def mint_api_token(
    settings: WebSettings,
    *,
    sub: str,
    name: str,
    unit: str | None,
    roles: Iterable[str],
    ttl_seconds: int,
) -> str:
    auth = AuthSettings.from_env(settings.env)
    return mint_token(
        auth,
        sub=sub,
        name=name,
        unit=unit,
        roles=roles,
        ttl_seconds=ttl_seconds,
        private_key=settings.token_private_key,
        key_id=settings.env.get("WEB_TOKEN_KEY_ID") or None,
    )
