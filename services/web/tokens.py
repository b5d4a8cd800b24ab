"""The short-lived API token the web mints for the signed-in person.

The four services verify it like any bearer token (shared.auth_tokens); the web never forwards the
identity provider's own tokens to them."""

from __future__ import annotations

from collections.abc import Iterable

from services.web.config import WebConfigError, WebSettings
from shared.auth_settings import HS256, AuthSettings
from shared.auth_tokens import mint_token


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


def check_token_settings(settings: WebSettings) -> None:
    """At start-up: the web can sign the tokens the services will verify (RS256 needs
    WEB_TOKEN_PRIVATE_KEY_FILE; HS256 needs the services' JWT_SECRET)."""
    auth = AuthSettings.from_env(settings.env)
    if settings.token_private_key is None and (auth.mode != HS256 or not auth.secret):
        raise WebConfigError(
            "Ứng dụng web cần WEB_TOKEN_PRIVATE_KEY_FILE (RS256) hoặc JWT_SECRET (HS256) "
            "để ký token gọi API."
        )
