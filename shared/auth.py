"""Who the caller is and what they may reach: roles, the Principal a bearer token becomes, the
role and unit checks (docs/contracts.md, Roles and scoping), and reading the caller from a
request's Authorization header. Settings live in shared/auth_settings.py, verifying and minting
tokens in shared/auth_tokens.py.

Framework-free except `authenticate_request`, which imports Flask when called."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from shared.errors import Forbidden, Unauthorized

if TYPE_CHECKING:
    from shared.auth_tokens import TokenVerifier

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

# RFC 6750 §3.1 error codes of the WWW-Authenticate: Bearer challenge that every 401 carries.
INVALID_TOKEN = "invalid_token"
INVALID_REQUEST = "invalid_request"


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


def principal_from_header(verifier: TokenVerifier, authorization: str | None) -> Principal:
    if not authorization or not authorization.strip():
        raise Unauthorized("Thiếu tiêu đề Authorization (cần 'Bearer <token>').")
    parts = authorization.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        raise Unauthorized(
            "Tiêu đề Authorization phải có dạng 'Bearer <token>'.", bearer_error=INVALID_REQUEST
        )
    return verifier.verify(parts[1])


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
