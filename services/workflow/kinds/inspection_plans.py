"""The annual inspection plan (Đ10.1a, Đ12.1, Đ13): the Office drafts the year's plan — the
inspections planned, each a unit, a month and what is inspected (Đ11) — and submits it; the
leader approves it or returns it with a reason. The Working Group's regular inspections are then
opened from an approved plan's items (`plan_id`, `plan_item` on `POST /api/workflow/inspections`,
kinds/inspections.py; the inspection's `group_id` is the plan).

The diagram is bpmn/inspection_plan.bpmn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, fields, post_load, validate
from sqlalchemy import Connection

from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.bodies import UNIT_CODE as _UNIT_CODE
from services.workflow.kinds.inspection_schemas import SCOPES
from services.workflow.units import require_units
from shared.auth import Principal
from shared.calendar import local_date

STATUSES = {
    "draft": "Dự thảo kế hoạch kiểm tra",
    "submitted": "Đã trình lãnh đạo phê duyệt",
    "returned": "Lãnh đạo trả lại để chỉnh sửa",
    "approved": "Kế hoạch kiểm tra đã được phê duyệt",
}

ACTIONS = {
    "submit": "Trình kế hoạch kiểm tra",
    "approve": "Phê duyệt kế hoạch kiểm tra",
    "return_plan": "Trả lại kế hoạch để chỉnh sửa",
}

EVENTS = {
    "open": "inspection_plan.drafted",
    "submit": "inspection_plan.submitted",
    "approve": "inspection_plan.approved",
    "return_plan": "inspection_plan.returned",
}


class PlanItemIn(Schema):
    """One planned inspection: the unit, the month and what is inspected (Đ11, Đ12.1)."""

    unit = fields.String(required=True, validate=_UNIT_CODE)
    month = fields.Integer(required=True, validate=validate.Range(min=1, max=12))
    scope = fields.List(
        fields.String(validate=validate.OneOf(sorted(SCOPES))),
        required=True,
        validate=validate.Length(min=1),
    )
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def _items(required: bool) -> fields.List[Any]:
    one = fields.Nested(PlanItemIn)
    size = validate.Length(min=1, max=500)
    if required:
        return fields.List(one, required=True, validate=size)
    return fields.List(one, load_default=None, allow_none=True, validate=size)


def _numbered(items: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each item's number in the plan, by which an inspection names it."""
    return [{"no": n, **item} for n, item in enumerate(items, start=1)]


class AnnualPlanIn(Schema):
    """Đ10.1a: the year and the inspections planned."""

    year = fields.Integer(required=True, validate=validate.Range(min=2020, max=2100))
    title = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=500))
    items = _items(required=True)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class AnnualPlanSubmitIn(Schema):
    """The plan as submitted: its items replaced if given, else as drafted."""

    items = _items(required=False)
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))

    @post_load
    def _kept(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if data.get("items") is None:
            data.pop("items", None)  # the draft's items stay
        else:
            data["items"] = _numbered(data["items"])
        return data


class AnnualPlanApproveIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class AnnualPlanReturnIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


def _may_open(principal: Principal) -> bool:
    return principal.is_office


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    items = _numbered(body["items"])
    require_units(conn, "items", [item["unit"] for item in items])
    year = body["year"]
    return [
        Opening(
            title=body.get("title") or f"Kế hoạch kiểm tra năm {year}",
            parties={},
            data={
                "opened_on": local_date(now).isoformat(),
                "year": year,
                "items": items,
                "note": body.get("note"),
            },
            note=f"Năm {year}: {len(items)} cuộc kiểm tra",
        )
    ]


def _check_stored(
    conn: Connection, case: Mapping[str, Any], action: str, body: dict[str, Any], today: date
) -> None:
    if action == "submit" and body.get("items"):
        require_units(conn, "items", [item["unit"] for item in body["items"]])


KIND = CaseKind(
    kind="inspection_plan",
    process_id="inspection_plan",
    path="inspection-plans",
    label="Kế hoạch kiểm tra",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "submit": AnnualPlanSubmitIn,
        "approve": AnnualPlanApproveIn,
        "return_plan": AnnualPlanReturnIn,
    },
    events=EVENTS,
    open_schema=AnnualPlanIn,
    may_open=_may_open,
    opening=_opening,
    note_fields=("reason", "note"),
    check_stored=_check_stored,
)
