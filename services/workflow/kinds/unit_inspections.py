"""A unit's own inspection (Đ10.2b, Đ15.1): a unit follows and checks how its tasks are carried
out and reported within itself; its head opens the inspection — no plan goes to the Chairman or
the Working Group's leader, unlike the Working Group's inspections (kinds/inspections.py) — the
unit carries it out and records its end, and the report of its results is due within 10 working
days after the end (Đ15.1), with a reminder, an overdue notice and urging; the Office sees every
one (it follows and sums them up, Đ15.1).

A kind of its own rather than an `origin` on the Working Group's inspection: the flow differs
(no plan approval, no invitation, no presentation at the monthly meeting), so do who opens it and
who acts, and the Working Group's monthly account and plan keep counting only their own.

Units form no hierarchy yet: a unit inspects itself only (`units`, if given, must be its own).

The diagram is bpmn/unit_inspection.bpmn.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import Connection

from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.bodies import UNIT_CODE as _UNIT_CODE
from services.workflow.kinds.bodies import text as _text
from services.workflow.kinds.inspection_schemas import (
    FORMS,
    SCOPES,
    InspectionFinishIn,
    InspectionReportIn,
)
from services.workflow.units import unit_name
from shared import dates
from shared.auth import UNIT_HEAD, Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed

STATUSES = {
    "in_progress": "Đơn vị đang tự kiểm tra",
    "reporting": "Đã kết thúc kiểm tra, đang lập báo cáo kết quả",
    "reported": "Đã báo cáo kết quả kiểm tra",
    "cancelled": "Đã hủy cuộc kiểm tra",
}

ACTIONS = {
    "finish": "Kết thúc kiểm tra",
    "cancel": "Hủy cuộc kiểm tra",
    "submit_report": "Báo cáo kết quả kiểm tra",
}

EVENTS = {
    "open": "unit_inspection.opened",
    "cancel": "unit_inspection.cancelled",
    "finish": "unit_inspection.finished",
    "submit_report": "unit_inspection.reported",
}

NOTICE_LABELS = {
    "report_due": "Nhắc đơn vị: sắp hết hạn báo cáo kết quả kiểm tra",
    "report_overdue": "Báo đơn vị và Văn phòng: quá hạn báo cáo kết quả kiểm tra",
    "report_urged": "Đôn đốc đơn vị báo cáo kết quả kiểm tra",
}


class UnitInspectionIn(Schema):
    """Đ10.2b, Đ11, Đ12: the unit's inspection of itself — its form, what and which period."""

    form = fields.String(
        required=True, validate=validate.OneOf(sorted(FORMS)), metadata={"enum_labels": FORMS}
    )
    title = _text(maximum=500)
    # The units inspected: the unit itself (its subordinate units once units form a hierarchy).
    units = fields.List(
        fields.String(validate=_UNIT_CODE),
        load_default=None,
        allow_none=True,
        validate=validate.Length(min=1, max=200),
    )
    scope = fields.List(
        fields.String(validate=validate.OneOf(sorted(SCOPES))),
        required=True,
        validate=validate.Length(min=1),
    )
    period_from = fields.Date(required=True, validate=dates.supported_date())
    period_to = fields.Date(required=True, validate=dates.supported_date())
    basis = _text(required=False)
    task_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    note = _text(required=False)

    @validates_schema
    def _period(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["period_to"] < data["period_from"]:
            raise ValidationError("Thời gian kết thúc phải sau thời gian bắt đầu.", "period_to")
        if data["form"] == "ad_hoc" and not data.get("basis"):
            raise ValidationError(
                "Kiểm tra đột xuất phải nêu căn cứ (Điều 12).",
                "basis",
            )


class UnitInspectionCancelIn(Schema):
    """Why the unit drops its inspection."""

    reason = _text()


def _may_open(principal: Principal) -> bool:
    """Đ10.2b: the head of a unit decides to inspect it."""
    return principal.unit is not None and principal.has_role(UNIT_HEAD)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    own = principal.unit or ""
    units = list(dict.fromkeys(body.get("units") or [own]))
    if units != [own]:
        message = "Đơn vị chỉ tự kiểm tra việc thực hiện nhiệm vụ của chính mình (Điều 10)."
        raise ValidationFailed(message, {"units": [message]})
    return [
        Opening(
            title=body["title"],
            parties={"unit": [own], "inspected": units},
            data={
                "opened_on": local_date(now).isoformat(),
                "form": body["form"],
                "units": units,
                "scope": body["scope"],
                "period_from": body["period_from"].isoformat(),
                "period_to": body["period_to"].isoformat(),
                "basis": body.get("basis"),
                "task_ids": body["task_ids"],
                "note": body.get("note"),
                "ended_on": None,
            },
            note=f"{FORMS[body['form']]}: {unit_name(conn, own)}",
        )
    ]


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, {field: [message]})


def _check(case: Mapping[str, Any], action: str, body: dict[str, Any], today: date) -> None:
    data, parties = case["data"], case["parties"]
    if action == "finish":
        ended = body.get("ended_on") or today
        if ended > today or ended < date.fromisoformat(data["period_from"]):
            raise _fail(
                "ended_on",
                "Ngày kết thúc kiểm tra không được trước ngày bắt đầu hoặc sau hôm nay.",
            )
    elif action == "submit_report":
        named = [c["unit"] for c in body["conclusions"]]
        inspected = list(parties.get("inspected", ()))
        if len(named) != len(set(named)) or set(named) != set(inspected):
            raise _fail(
                "conclusions",
                "Báo cáo phải có đúng một kết luận cho mỗi đơn vị được kiểm tra "
                f"({', '.join(inspected)}) (Điều 15).",
            )


KIND = CaseKind(
    kind="unit_inspection",
    process_id="unit_inspection",
    path="unit-inspections",
    label="Đơn vị tự kiểm tra",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "finish": InspectionFinishIn,
        "cancel": UnitInspectionCancelIn,
        "submit_report": InspectionReportIn,
    },
    events=EVENTS,
    open_schema=UnitInspectionIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    note_fields=("reason", "summary", "note"),
    check=_check,
    unit_fields={"open": ("units",)},
)
