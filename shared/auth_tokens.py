"""Bearer tokens: TokenVerifier turns a JWT into a Principal (keys prepared once, JWKS keys
and verified tokens cached); mint_token signs development tokens."""

from __future__ import annotations

import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from shared.auth import ALL_ROLES, INVALID_TOKEN, Principal
from shared.auth_settings import HS256, JWT_ALGORITHMS, RS256, AuthConfigError, AuthSettings
from shared.errors import Unauthorized

JWKS_CACHE_SECONDS = 300
# Tokens verified in full, kept by their exact string until their `exp` (plus the leeway) or
# for VERIFIED_SECONDS at most; the least recently used go first above VERIFIED_TOKENS.
VERIFIED_TOKENS = 1024
VERIFIED_SECONDS = JWKS_CACHE_SECONDS
JWKS_TIMEOUT_SECONDS = 5.0


class TokenVerifier:
    """Turns a bearer token into a Principal; keys are prepared once, JWKS keys cached."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        if settings.mode not in JWT_ALGORITHMS:
            raise AuthConfigError(f"Chế độ xác thực '{settings.mode}' không hợp lệ (hs256, rs256).")
        self._algorithm = JWT_ALGORITHMS[settings.mode]
        self._key: str | RSAPublicKey | None = _static_key(settings)
        self._jwks: jwt.PyJWKClient | None = None
        self._verified: OrderedDict[str, tuple[Principal, float]] = OrderedDict()
        self._lock = threading.Lock()
        if settings.mode == RS256 and settings.jwks_url:
            self._jwks = jwt.PyJWKClient(
                settings.jwks_url,
                cache_keys=True,
                lifespan=JWKS_CACHE_SECONDS,
                timeout=JWKS_TIMEOUT_SECONDS,
            )

    def verify(self, token: str) -> Principal:
        """The token's Principal, or Unauthorized. A token that passed every check is kept
        (by its exact string) and answered from memory until the moment the full check would
        first refuse it: `exp` plus the leeway (PyJWT refuses once exp <= now - leeway), or
        VERIFIED_SECONDS after it was checked (a JWKS key withdrawn since, a token without
        `exp`), whichever is sooner. `nbf` and `iat` only become truer with time; a refused
        token is never kept."""
        now = time.time()
        with self._lock:
            kept = self._verified.get(token)
            if kept is not None:
                if now < kept[1]:
                    self._verified.move_to_end(token)
                    return kept[0]
                del self._verified[token]
        principal, until = self._verify(token, now)
        with self._lock:
            self._verified[token] = (principal, until)
            if len(self._verified) > VERIFIED_TOKENS:
                self._verified.popitem(last=False)
        return principal

    def _verify(self, token: str, now: float) -> tuple[Principal, float]:
        """The full check of a token: its Principal and until when it would still pass."""
        settings = self._settings
        try:
            claims = jwt.decode(
                token,
                self._signing_key(token),
                algorithms=[self._algorithm],  # one: no confusion
                issuer=settings.issuer,
                audience=settings.audience,
                leeway=settings.leeway_seconds,
                options={
                    "require": ["sub", "exp"] if settings.require_exp else ["sub"],
                    "verify_aud": settings.audience is not None,
                },
            )
        except jwt.PyJWTError as exc:
            raise Unauthorized(_token_error_detail(exc), bearer_error=INVALID_TOKEN) from exc
        principal = _principal_from_claims(claims)
        until = now + VERIFIED_SECONDS
        if "exp" in claims:  # an integer: PyJWT refused the token otherwise
            until = min(until, int(claims["exp"]) + settings.leeway_seconds)
        return principal, until

    def _signing_key(self, token: str) -> Any:
        if self._jwks is None:
            return self._key
        if self._key is not None:
            kid = jwt.get_unverified_header(token).get("kid")
            if kid is None or kid == self._settings.public_key_id:
                return self._key
        # The bare key, not the PyJWK, so that `algorithms` alone decides what is accepted.
        return self._jwks.get_signing_key_from_jwt(token).key


def _static_key(settings: AuthSettings) -> str | RSAPublicKey | None:
    if settings.mode == HS256:
        if not settings.secret:
            raise AuthConfigError("HS256 cần JWT_SECRET.")
        return settings.secret
    if settings.public_key:
        try:
            key = load_pem_public_key(settings.public_key.encode())
        except ValueError as exc:
            raise AuthConfigError("JWT_PUBLIC_KEY không phải khóa PEM đọc được.") from exc
        if not isinstance(key, RSAPublicKey):
            raise AuthConfigError("JWT_PUBLIC_KEY phải là khóa công khai RSA (PEM).")
        return key
    if not settings.jwks_url:
        raise AuthConfigError("RS256 cần JWT_PUBLIC_KEY, JWT_PUBLIC_KEY_FILE hoặc JWT_JWKS_URL.")
    return None


_TOKEN_ERRORS: tuple[tuple[type[jwt.PyJWTError], str], ...] = (
    (jwt.ExpiredSignatureError, "Token đã hết hạn; vui lòng đăng nhập lại."),
    (jwt.InvalidIssuerError, "Token không do nơi phát hành được chấp nhận cấp (iss)."),
    (jwt.InvalidAudienceError, "Token không dành cho hệ thống này (aud)."),
    (jwt.PyJWKClientConnectionError, "Không lấy được khóa công khai để kiểm tra token."),
)


def _token_error_detail(exc: jwt.PyJWTError) -> str:
    if isinstance(exc, jwt.MissingRequiredClaimError):
        return f"Token thiếu trường bắt buộc '{exc.claim}'."
    known = (text for kind, text in _TOKEN_ERRORS if isinstance(exc, kind))
    return next(known, "Token không hợp lệ.")


def _principal_from_claims(claims: Mapping[str, Any]) -> Principal:
    sub, name, unit, roles = (claims.get(k) for k in ("sub", "name", "unit", "roles"))
    if not isinstance(sub, str) or not sub.strip():
        raise Unauthorized("Token thiếu định danh người dùng (sub).", bearer_error=INVALID_TOKEN)
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise Unauthorized("Token thiếu danh sách vai trò (roles).", bearer_error=INVALID_TOKEN)
    if not isinstance(name, str | None) or not isinstance(unit, str | None):
        raise Unauthorized(
            "Trường name hoặc unit trong token không hợp lệ.", bearer_error=INVALID_TOKEN
        )
    return Principal(
        sub=sub,
        name=unicodedata.normalize("NFC", name) if name else sub,
        unit=(unit.strip() or None) if unit else None,
        roles=frozenset(r for r in roles if r in ALL_ROLES),  # unknown roles grant nothing
    )


def mint_token(
    settings: AuthSettings,
    *,
    sub: str,
    name: str,
    unit: str | None,
    roles: Iterable[str],
    ttl_seconds: int | None = 8 * 3600,
    now: datetime | None = None,
    private_key: str | None = None,
    key_id: str | None = None,
) -> str:
    """A development token: HS256 with the secret, or RS256 when a PEM private key is given."""
    role_list = list(dict.fromkeys(roles))
    unknown = sorted(set(role_list) - ALL_ROLES)
    if unknown:
        raise ValueError(f"Vai trò không tồn tại: {', '.join(unknown)}.")
    # Wall-clock time on purpose: the demo clock moves days ahead and must not expire sessions.
    issued = now or datetime.now(UTC)
    if issued.tzinfo is None:
        issued = issued.replace(tzinfo=UTC)
    claims: dict[str, Any] = {
        "sub": sub,
        "name": name,
        "unit": unit,
        "roles": role_list,
        "iat": int(issued.timestamp()),
    }
    if ttl_seconds is not None:
        claims["exp"] = int((issued + timedelta(seconds=ttl_seconds)).timestamp())
    claims.update({k: v for k, v in (("iss", settings.issuer), ("aud", settings.audience)) if v})
    headers = {"kid": key_id} if key_id else None
    if private_key is not None:
        return jwt.encode(claims, private_key, algorithm="RS256", headers=headers)
    if not settings.secret:
        raise AuthConfigError("Không có JWT_SECRET để ký token HS256.")
    return jwt.encode(claims, settings.secret, algorithm="HS256", headers=headers)
