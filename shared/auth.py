"""Bearer-token identity: JWTs become a Principal; who may see which unit's tasks
(docs/contracts.md, Roles and scoping).

Framework-free except `authenticate_request`, which imports Flask when called."""

from __future__ import annotations

import os
import threading
import time
import unicodedata
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric.rsa import RSAPublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from shared.config import ConfigError, is_production
from shared.errors import Forbidden, Unauthorized

OFFICE = "office"
OFFICE_LEAD = "office_lead"
LEADER = "leader"
UNIT_OFFICER = "unit_officer"
UNIT_HEAD = "unit_head"
INSPECTOR = "inspector"
PROCESS_OWNER = "process_owner"
QLVB = "qlvb"
AGENCY = "agency"

# Audit records carry one role; the most powerful one explains best what the person could do.
ROLE_PRIORITY: tuple[str, ...] = (
    OFFICE_LEAD,
    OFFICE,
    LEADER,
    UNIT_HEAD,
    UNIT_OFFICER,
    INSPECTOR,
    PROCESS_OWNER,
    QLVB,
    AGENCY,
)
ALL_ROLES: frozenset[str] = frozenset(ROLE_PRIORITY)
OFFICE_ROLES: frozenset[str] = frozenset({OFFICE, OFFICE_LEAD})
UNIT_ROLES: frozenset[str] = frozenset({UNIT_OFFICER, UNIT_HEAD})

ROLE_LABELS: Mapping[str, str] = {
    OFFICE: "Văn phòng UBND tỉnh",
    OFFICE_LEAD: "Lãnh đạo Văn phòng UBND tỉnh",
    LEADER: "Lãnh đạo UBND tỉnh",
    UNIT_OFFICER: "Cán bộ đơn vị",
    UNIT_HEAD: "Thủ trưởng đơn vị",
    INSPECTOR: "Thành viên Tổ công tác",
    PROCESS_OWNER: "Người quản lý quy trình",
    QLVB: "Hệ thống quản lý văn bản",
    AGENCY: "Cơ quan kết nối",
}

HS256 = "hs256"
RS256 = "rs256"
_JWT_ALGORITHMS: Mapping[str, str] = {HS256: "HS256", RS256: "RS256"}
DEV_SECRET = "nhiemvu-development-secret-not-for-production"
MIN_SECRET_BYTES = 32  # RFC 7518 §3.2: an HS256 key at least as long as the hash
JWKS_CACHE_SECONDS = 300
# Tokens verified in full, kept by their exact string until their `exp` (plus the leeway) or
# for VERIFIED_SECONDS at most; the least recently used go first above VERIFIED_TOKENS.
VERIFIED_TOKENS = 1024
VERIFIED_SECONDS = JWKS_CACHE_SECONDS
JWKS_TIMEOUT_SECONDS = 5.0
# RFC 6750 §3.1 error codes of the WWW-Authenticate: Bearer challenge that every 401 carries.
INVALID_TOKEN = "invalid_token"
INVALID_REQUEST = "invalid_request"


class AuthConfigError(ConfigError):
    """Authentication is misconfigured; raised at start-up, never per request."""


@dataclass(frozen=True)
class Principal:
    sub: str
    name: str
    unit: str | None
    roles: frozenset[str]
    # What the unit directory adds to the token (shared/scoping.py; docs/contracts.md, Roles and
    # scoping): the units under the caller's unit, transitively (Đ7.2a, Đ8.2c), and the sectors
    # it manages (Đ8.2a). Empty until a service resolves them; never read from the token.
    subordinates: frozenset[str] = frozenset()
    sectors: frozenset[str] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return not self.roles.isdisjoint(roles)

    @property
    def is_office(self) -> bool:
        return self.has_role(*OFFICE_ROLES)

    def to_actor(self) -> dict[str, Any]:
        role = next((r for r in ROLE_PRIORITY if r in self.roles), None)
        return {"sub": self.sub, "name": self.name, "role": role, "unit": self.unit}


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
    if algorithm not in _JWT_ALGORITHMS:
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


class TokenVerifier:
    """Turns a bearer token into a Principal; keys are prepared once, JWKS keys cached."""

    def __init__(self, settings: AuthSettings) -> None:
        self._settings = settings
        if settings.mode not in _JWT_ALGORITHMS:
            raise AuthConfigError(f"Chế độ xác thực '{settings.mode}' không hợp lệ (hs256, rs256).")
        self._algorithm = _JWT_ALGORITHMS[settings.mode]
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


def principal_from_header(verifier: TokenVerifier, authorization: str | None) -> Principal:
    if not authorization or not authorization.strip():
        raise Unauthorized("Thiếu tiêu đề Authorization (cần 'Bearer <token>').")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise Unauthorized(
            "Tiêu đề Authorization phải có dạng 'Bearer <token>'.", bearer_error=INVALID_REQUEST
        )
    return verifier.verify(parts[1])


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


def require_roles(principal: Principal, *roles: str) -> None:
    if not principal.has_role(*roles):
        labels = ", ".join(ROLE_LABELS.get(r, r) for r in roles)
        raise Forbidden(f"Chức năng này chỉ dành cho: {labels}.")


def require_unit_access(
    principal: Principal,
    lead_unit: str,
    coordinating_units: Iterable[str] = (),
    *,
    write: bool = False,
    sector: str | None = None,
    handed_units: Iterable[str] = (),
) -> None:
    """Refuse access to another unit's task (docs/contracts.md, Roles and scoping). `write` means
    acting as the lead unit; a coordinating unit's contribution is not a write, so it is checked
    with `write=False`. Reading also reaches a unit the task was handed on to (Đ8.2c), the units
    above any unit of the task (Đ7.2a, Đ8.2c) and a department managing its sector (Đ8.2a)."""
    if principal.is_office:
        return
    own = principal.unit if principal.has_role(*UNIT_ROLES) else None
    if own is not None and (own == lead_unit or (not write and own in set(coordinating_units))):
        return
    if not write and principal.has_role(LEADER):
        return
    if not write and reaches(principal, lead_unit, coordinating_units, sector, handed_units):
        return
    if write:
        raise Forbidden("Chỉ đơn vị chủ trì hoặc Văn phòng UBND tỉnh được cập nhật nhiệm vụ này.")
    raise Forbidden("Bạn không có quyền xem nhiệm vụ của đơn vị khác.")


def reaches(
    principal: Principal,
    lead_unit: str,
    coordinating_units: Iterable[str],
    sector: str | None,
    handed_units: Iterable[str],
) -> bool:
    """Whether a unit's staff read a task beyond leading or coordinating it: handed on to their
    unit (Đ8.2c), led, coordinated or handed on to a unit under theirs (Đ7.2a, Đ8.2c), or in a
    sector their unit manages (Đ8.2a)."""
    if principal.unit is None or not principal.has_role(*UNIT_ROLES):
        return False
    handed = set(handed_units)
    if principal.unit in handed:
        return True
    involved = {lead_unit, *coordinating_units, *handed}
    if not principal.subordinates.isdisjoint(involved):
        return True
    return sector is not None and sector in principal.sectors


def unit_scope(principal: Principal) -> frozenset[str] | None:
    """Units whose tasks the caller may list (None: every unit): their own and those under it
    (Đ7.2a, Đ8.2c). A task is visible when its lead unit, a coordinating unit or a unit it was
    handed on to is in the set; an empty set shows nothing."""
    if principal.is_office or principal.has_role(LEADER):
        return None
    if principal.has_role(*UNIT_ROLES) and principal.unit is not None:
        return frozenset({principal.unit}) | principal.subordinates
    return frozenset()


def sector_scope(principal: Principal) -> frozenset[str]:
    """Sectors whose tasks the caller also lists (Đ8.2a): those their unit manages."""
    if principal.has_role(*UNIT_ROLES) and principal.unit is not None:
        return principal.sectors
    return frozenset()


def authenticate_request(verifier: TokenVerifier) -> Principal:
    """The caller of the current Flask request; routes pass it on to handlers explicitly."""
    from flask import request  # kept here so the rest of the module never needs Flask

    try:
        return principal_from_header(verifier, request.headers.get("Authorization"))
    except Unauthorized as exc:
        request.environ[BEARER_ERROR_KEY] = exc.bearer_error
        raise


BEARER_ERROR_KEY = "nhiemvu.bearer_error"


def bearer_challenge(error: str | None) -> str:
    """The WWW-Authenticate value of a 401 (RFC 6750 §3): the scheme, and the error code when
    a token or header was presented and refused."""
    return f'Bearer realm="nhiemvu", error="{error}"' if error else 'Bearer realm="nhiemvu"'
