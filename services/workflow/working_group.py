"""The Chairman's Working Group (Tổ Công tác, Đ10.1b, Đ13.1): the decision that sets it up (its
number, date, signer, the members with their roles and units, and its rules of operation, as
text or a reference to the signed document), and who is a member on a given day.

The Office records the decision and keeps the members current (adds a member, ends a membership,
each with its date); everyone signed in reads them. The inspectors an inspection names must be
current members (Đ13): `require_members`, once a decision is recorded — before that the system
has no roster to check against, and the inspections recorded then keep working.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import JSON, Column, Connection, Date, String, Table, Text, insert, select, update

from services.workflow.store import metadata
from services.workflow.units import require_units
from shared import dates
from shared.auth import OFFICE, OFFICE_LEAD, Principal, require_roles
from shared.db import UtcDateTime
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.platform import UnitOfWork

ROLES = {  # Đ10.1đ: a leader of the Office leads it
    "leader": "Tổ trưởng",
    "deputy": "Tổ phó",
    "member": "Thành viên",
}

decisions = Table(
    "working_group_decisions",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("number", String(100), nullable=False),
    Column("signed_on", Date, nullable=False),
    Column("signer", String(300), nullable=False),
    Column("rules", Text),
    Column("rules_ref", String(500)),
    Column("recorded_by", JSON, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)

members = Table(
    "working_group_members",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("decision_id", String(32)),
    Column("sub", String(200), nullable=False, index=True),
    Column("name", String(300), nullable=False),
    Column("role", String(20), nullable=False),
    Column("unit", String(40), nullable=False),
    Column("started_on", Date, nullable=False),
    Column("ended_on", Date),
    Column("basis", String(500)),
    Column("end_reason", Text),
    Column("recorded_by", JSON, nullable=False),
    Column("recorded_at", UtcDateTime(), nullable=False),
)


# -- requests and answers ------------------------------------------------------------------------
class MemberIn(Schema):
    """A member: their account (`sub`, as they sign in), name, role in the group and unit."""

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    role = fields.String(
        required=True, validate=validate.OneOf(sorted(ROLES)), metadata={"enum_labels": ROLES}
    )
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))


class DecisionIn(Schema):
    """Đ13.1: the Chairman's decision setting up the Working Group and its rules of operation."""

    number = fields.String(required=True, validate=validate.Length(min=1, max=100))
    signed_on = fields.Date(required=True, validate=dates.supported_date())
    signer = fields.String(required=True, validate=validate.Length(min=1, max=300))
    rules = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=50000))
    rules_ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    # When its members take office; the day it was signed if not given.
    effective_on = fields.Date(load_default=None, allow_none=True, validate=dates.supported_date())
    members = fields.List(
        fields.Nested(MemberIn), required=True, validate=validate.Length(min=1, max=100)
    )

    @validates_schema
    def _whole(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if not data.get("rules") and not data.get("rules_ref"):
            raise ValidationError(
                "Phải có Quy chế hoạt động của Tổ công tác: nội dung hoặc số, ký hiệu văn bản "
                "(Điều 13).",
                "rules",
            )
        leaders = [m for m in data["members"] if m["role"] == "leader"]
        if len(leaders) != 1:
            raise ValidationError(
                "Tổ công tác có đúng một Tổ trưởng (Điều 10, Điều 13).", "members"
            )
        subs = [m["sub"] for m in data["members"]]
        if len(subs) != len(set(subs)):
            raise ValidationError("Mỗi thành viên chỉ được nêu một lần.", "members")


class MemberAddIn(MemberIn):
    """A member added to the Working Group from a day, on the basis of a decision."""

    started_on = fields.Date(required=True, validate=dates.supported_date())
    basis = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))


class MemberEndIn(Schema):
    """A membership ended from a day (that day the person is no longer a member)."""

    ended_on = fields.Date(required=True, validate=dates.supported_date())
    reason = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class MemberOut(Schema):
    id = fields.String()
    decision_id = fields.String(allow_none=True)
    sub = fields.String()
    name = fields.String()
    role = fields.String()
    role_label = fields.String()
    unit = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)
    current = fields.Boolean()
    basis = fields.String(allow_none=True)
    end_reason = fields.String(allow_none=True)


class DecisionOut(Schema):
    id = fields.String()
    number = fields.String()
    signed_on = fields.Date()
    signer = fields.String()
    rules = fields.String(allow_none=True)
    rules_ref = fields.String(allow_none=True)
    recorded_at = fields.DateTime()


class WorkingGroupOut(Schema):
    decision = fields.Nested(DecisionOut, allow_none=True)
    decisions = fields.List(fields.Nested(DecisionOut))
    members = fields.List(fields.Nested(MemberOut))
    former_members = fields.List(fields.Nested(MemberOut))


# -- reading --------------------------------------------------------------------------------------
def _is_current(row: Mapping[str, Any], on: date) -> bool:
    return bool(row["started_on"] <= on and (row["ended_on"] is None or row["ended_on"] > on))


def member_view(row: Mapping[str, Any], on: date) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("id", "decision_id", "sub", "name", "role", "unit", "basis")},
        "role_label": ROLES[row["role"]],
        "started_on": row["started_on"].isoformat(),
        "ended_on": row["ended_on"].isoformat() if row["ended_on"] else None,
        "current": _is_current(row, on),
        "end_reason": row["end_reason"],
    }


def decision_view(row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        **{k: row[k] for k in ("id", "number", "signer", "rules", "rules_ref")},
        "signed_on": row["signed_on"].isoformat(),
        "recorded_at": row["recorded_at"].isoformat(),
    }


def overview(conn: Connection, on: date) -> dict[str, Any]:
    """The latest decision, every decision, the members on `on` and those no longer."""
    found = [
        dict(r._mapping)
        for r in conn.execute(
            select(decisions).order_by(decisions.c.signed_on.desc(), decisions.c.recorded_at.desc())
        )
    ]
    rows = [
        dict(r._mapping)
        for r in conn.execute(select(members).order_by(members.c.started_on, members.c.name))
    ]
    order = {role: n for n, role in enumerate(ROLES)}
    current = sorted((r for r in rows if _is_current(r, on)), key=lambda r: order[r["role"]])
    return {
        "decision": decision_view(found[0]) if found else None,
        "decisions": [decision_view(d) for d in found],
        "members": [member_view(r, on) for r in current],
        "former_members": [member_view(r, on) for r in rows if not _is_current(r, on)],
    }


def recorded(conn: Connection) -> bool:
    return conn.execute(select(decisions.c.id).limit(1)).first() is not None


def current_subs(conn: Connection, on: date) -> set[str]:
    rows = conn.execute(select(members.c.sub, members.c.started_on, members.c.ended_on))
    return {r.sub for r in rows if _is_current(dict(r._mapping), on)}


def require_members(
    conn: Connection, people: Iterable[Mapping[str, Any]], on: date, field: str = "inspectors"
) -> None:
    """Đ13: the inspectors an inspection names are current members of the Working Group (422
    naming them), once its decision is recorded."""
    people = list(people)
    if not people or not recorded(conn):
        return
    current = current_subs(conn, on)
    outside = [p.get("name") or p["sub"] for p in people if p["sub"] not in current]
    if outside:
        message = (
            "Chỉ thành viên Tổ công tác đang còn hiệu lực mới được phân công kiểm tra (Điều 13): "
            f"{', '.join(outside)} không phải thành viên."
        )
        raise ValidationFailed(message, {field: [message]})


# -- changing ------------------------------------------------------------------------------------
def require_office(principal: Principal) -> None:
    """The Office records the Chairman's decision and keeps the members (Đ10.1b)."""
    require_roles(principal, OFFICE, OFFICE_LEAD)


def record_decision(uow: UnitOfWork, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    """Đ13.1: the decision and its members from `effective_on`; a member of an earlier decision
    it does not name stops being one that day."""
    conn = uow.conn
    require_units(conn, "members", [m["unit"] for m in body["members"]])
    actor = principal.to_actor()
    start: date = body.get("effective_on") or body["signed_on"]
    row = {
        "id": uuid.uuid4().hex,
        "number": body["number"],
        "signed_on": body["signed_on"],
        "signer": body["signer"],
        "rules": body.get("rules"),
        "rules_ref": body.get("rules_ref"),
        "recorded_by": actor,
        "recorded_at": uow.now,
    }
    conn.execute(insert(decisions), row)
    named = {m["sub"] for m in body["members"]}
    for old in conn.execute(select(members).where(members.c.ended_on.is_(None))).all():
        if old.started_on <= start:
            conn.execute(
                update(members)
                .where(members.c.id == old.id)
                .values(ended_on=start, end_reason=f"Thay thế theo Quyết định {body['number']}")
            )
    for member in body["members"]:
        conn.execute(
            insert(members),
            {
                "id": uuid.uuid4().hex,
                "decision_id": row["id"],
                **{k: member[k] for k in ("sub", "name", "role", "unit")},
                "started_on": start,
                "ended_on": None,
                "basis": f"Quyết định {body['number']}",
                "end_reason": None,
                "recorded_by": actor,
                "recorded_at": uow.now,
            },
        )
    uow.audit(
        actor,
        "working_group.decision_recorded",
        "working_group",
        row["id"],
        {
            "number": row["number"],
            "signed_on": row["signed_on"].isoformat(),
            "signer": row["signer"],
            "members": sorted(named),
        },
    )
    return decision_view(row)


def add_member(
    uow: UnitOfWork, principal: Principal, body: dict[str, Any], today: date
) -> dict[str, Any]:
    conn = uow.conn
    if not recorded(conn):
        raise Conflict(
            "Chưa ghi nhận Quyết định thành lập Tổ công tác của Chủ tịch UBND tỉnh (Điều 13)."
        )
    require_units(conn, "unit", [body["unit"]])
    if body["sub"] in current_subs(conn, max(today, body["started_on"])):
        raise Conflict(f"{body['name']} đang là thành viên Tổ công tác.")
    if body["role"] == "leader" and any(
        m["role"] == "leader" for m in overview(conn, body["started_on"])["members"]
    ):
        message = "Tổ công tác đã có Tổ trưởng: kết thúc nhiệm vụ của Tổ trưởng hiện tại trước."
        raise ValidationFailed(message, {"role": [message]})
    latest = overview(conn, today)["decision"]
    actor = principal.to_actor()
    row = {
        "id": uuid.uuid4().hex,
        "decision_id": latest["id"] if latest else None,
        **{k: body[k] for k in ("sub", "name", "role", "unit", "started_on")},
        "ended_on": None,
        "basis": body.get("basis"),
        "end_reason": None,
        "recorded_by": actor,
        "recorded_at": uow.now,
    }
    conn.execute(insert(members), row)
    uow.audit(
        actor,
        "working_group.member_added",
        "working_group_member",
        row["id"],
        {k: str(row[k]) for k in ("sub", "name", "role", "unit", "started_on")},
    )
    return member_view(row, today)


def end_member(
    uow: UnitOfWork, principal: Principal, member_id: str, body: dict[str, Any], today: date
) -> dict[str, Any]:
    conn = uow.conn
    found = conn.execute(select(members).where(members.c.id == member_id)).first()
    if found is None:
        raise NotFound("Không tìm thấy thành viên Tổ công tác.", member_id=member_id)
    row = dict(found._mapping)
    if row["ended_on"] is not None:
        raise Conflict(f"{row['name']} đã thôi là thành viên Tổ công tác.")
    if body["ended_on"] < row["started_on"]:
        message = "Ngày kết thúc không được trước ngày bắt đầu là thành viên."
        raise ValidationFailed(message, {"ended_on": [message]})
    conn.execute(
        update(members)
        .where(members.c.id == member_id)
        .values(ended_on=body["ended_on"], end_reason=body["reason"])
    )
    row |= {"ended_on": body["ended_on"], "end_reason": body["reason"]}
    uow.audit(
        principal.to_actor(),
        "working_group.member_ended",
        "working_group_member",
        member_id,
        {"ended_on": body["ended_on"].isoformat(), "reason": body["reason"]},
    )
    return member_view(row, today)
