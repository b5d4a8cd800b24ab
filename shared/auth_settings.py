"""Authentication settings: how bearer tokens are signed and checked, read from the
environment once at start-up (JWT_ALGORITHM, JWT_SECRET, JWT_PUBLIC_KEY[_FILE], JWT_JWKS_URL,
JWT_ISSUER, JWT_AUDIENCE, JWT_PUBLIC_KEY_ID)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from shared.config import ConfigError, is_production

HS256 = "hs256"
RS256 = "rs256"
JWT_ALGORITHMS: Mapping[str, str] = {HS256: "HS256", RS256: "RS256"}
DEV_SECRET = "nhiemvu-development-secret-not-for-production"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash


class AuthConfigError(ConfigError):
    """Authentication is misconfigured; raised at start-up, never per request."""


@dataclass(frozen=True)
class AuthSettings:
    mode: str
    secret: str | None = field(repr=False)
    public_key: str | None
    jwks_url: str | None
    issuer: str | None
    audience: str | None
    leeway_seconds: int = 30
    # Production refuses a token without `exp`: a token that never expires cannot be revoked.
    require_exp: bool = False
    # With both a public key and a JWKS URL, tokens whose header names this `kid` (or none) are
    # checked with the public key — the web's own tokens — and the others with the JWKS — the
    # identity provider's, for machine clients.
    public_key_id: str | None = None

    @classmethod
    def from_env(cls, env: Mapping[str, str] = os.environ) -> AuthSettings:
        production = is_production(env)
        public_key = _public_key_from_env(env)
        jwks_url = _env(env, "JWT_JWKS_URL")
        mode = _mode_from_env(env, has_rsa_source=bool(public_key or jwks_url))
        return cls(
            mode=mode,
            secret=_secret_from_env(env, mode, production),
            public_key=public_key,
            jwks_url=jwks_url,
            issuer=_env(env, "JWT_ISSUER"),
            audience=_env(env, "JWT_AUDIENCE"),
            require_exp=production,
            public_key_id=_env(env, "JWT_PUBLIC_KEY_ID"),
        )


def _env(env: Mapping[str, str], name: str) -> str | None:
    return env.get(name, "").strip() or None


def _mode_from_env(env: Mapping[str, str], *, has_rsa_source: bool) -> str:
    # With only a key or JWKS URL configured, RS256 is the only algorithm that can work.
    algorithm = (_env(env, "JWT_ALGORITHM") or ("RS256" if has_rsa_source else "HS256")).lower()
    if algorithm not in JWT_ALGORITHMS:
        raise AuthConfigError(f"JWT_ALGORITHM={algorithm.upper()} không được hỗ trợ (HS256/RS256).")
    return algorithm


def _secret_from_env(env: Mapping[str, str], mode: str, production: bool) -> str | None:
    secret = _env(env, "JWT_SECRET")
    if mode != HS256:
        return secret
    if not production:
        return secret or DEV_SECRET
    if secret is None:
        raise AuthConfigError(
            "NHIEMVU_ENV=production nhưng chưa đặt JWT_SECRET cho HS256; đặt "
            f"JWT_SECRET (ít nhất {MIN_SECRET_BYTES} byte) hoặc dùng RS256 với "
            "JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE hoặc JWT_JWKS_URL."
        )
    if secret == DEV_SECRET or len(secret.encode()) < MIN_SECRET_BYTES:
        raise AuthConfigError(
            f"NHIEMVU_ENV=production: JWT_SECRET phải dài ít nhất "
            f"{MIN_SECRET_BYTES} byte và khác khóa mặc định khi phát triển."
        )
    return secret


def _public_key_from_env(env: Mapping[str, str]) -> str | None:
    inline = env.get("JWT_PUBLIC_KEY", "").strip()
    if inline:
        # Env files often hold a PEM on one line with literal "\n" escapes.
        return inline if "\n" in inline else inline.replace("\\n", "\n")
    path = _env(env, "JWT_PUBLIC_KEY_FILE")
    if path is None:
        return None
    try:
        return Path(path).read_text(encoding="ascii")
    except OSError as exc:
        raise AuthConfigError(f"Không đọc được JWT_PUBLIC_KEY_FILE={path}: {exc.strerror}") from exc
