"""Feedback on another unit (Đ16.6, Đ17.2, Đ17.3): a unit reports that a unit it works with on a
task is late or does not meet the requirement; the Office checks it and, within 10 working days,
urges that unit or asks the Chairman for direction, and the reporting unit learns the outcome.

The diagram is bpmn/feedback.bpmn; this module says who may open a feedback and what it holds.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow import store
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.bodies import text as _text
from services.workflow.units import unit_name
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal
from shared.calendar import local_date
from shared.errors import NotFound, ValidationFailed

PROBLEMS = {
    "late": "Không đúng thời hạn",
    "not_as_required": "Không đúng yêu cầu",
}

STATUSES = {
    "received": "Đã nhận phản hồi, Văn phòng đang kiểm tra",
    "urged": "Đã đôn đốc đơn vị liên quan",
    "awaiting_direction": "Đang xin ý kiến chỉ đạo",
    "directed": "Đã có ý kiến chỉ đạo",
    "dismissed": "Phản hồi không có cơ sở",
}

ACTIONS = {
    "urge_unit": "Đôn đốc đơn vị liên quan",
    "escalate": "Xin ý kiến chỉ đạo",
    "dismiss": "Trả lời: phản hồi không có cơ sở",
    "give_direction": "Cho ý kiến chỉ đạo",
}

EVENTS = {
    "open": "feedback.received",
    "urge_unit": "feedback.unit_urged",
    "escalate": "feedback.escalated",
    "give_direction": "feedback.directed",
    "dismiss": "feedback.dismissed",
}

NOTICE_LABELS = {
    "due_soon": "Nhắc Văn phòng: sắp hết hạn xử lý",
    "overdue": "Báo Văn phòng: quá hạn xử lý",
}


class FeedbackIn(Schema):
    """Đ17.2–3: the task, the unit reported, what is wrong and how."""

    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    about_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    problem = fields.String(
        required=True,
        validate=validate.OneOf(sorted(PROBLEMS)),
        metadata={"enum_labels": PROBLEMS},
    )
    description = _text()


class UrgeUnitIn(Schema):
    """Đ16.6: the Office's urging of the responsible unit (sent to the reporting unit too)."""

    note = _text()


class EscalateIn(Schema):
    """Đ16.6, Đ8.1c: the Office's proposal when it asks the Chairman for direction."""

    proposal = _text()
    note = _text(required=False)


class DismissIn(Schema):
    """After checking, the feedback has no ground: the reporting unit is told why."""

    reason = _text()


class DirectionIn(Schema):
    """The leader's direction, sent to the Office and both units."""

    direction = _text()


def _may_open(principal: Principal) -> bool:
    return principal.unit is not None and principal.has_role(UNIT_OFFICER, UNIT_HEAD)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    task = store.TASKS.get(conn, body["task_id"])
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.", task_id=body["task_id"])
    involved = {task["lead_unit"], *task["coordinating_units"]}
    reporter, about = principal.unit, body["about_unit"]
    if reporter not in involved or about not in involved or reporter == about:
        raise ValidationFailed(
            "Chỉ phản hồi về một đơn vị khác cùng thực hiện nhiệm vụ này.",
            {"about_unit": ["Đơn vị bị phản hồi và đơn vị phản hồi phải cùng tham gia nhiệm vụ."]},
        )
    problem = PROBLEMS[body["problem"]]
    return [
        Opening(
            title=f"{unit_name(conn, about)}: {problem.lower()} — {task['document_number']}: "
            f"{task['content'][:200]}",
            parties={"reporter": [reporter or ""], "responsible": [about]},
            data={
                "opened_on": local_date(now).isoformat(),
                "task_id": task["task_id"],
                "problem": body["problem"],
                "description": body["description"],
            },
            task_id=task["task_id"],
            note=f"{problem}: {body['description']}",
        )
    ]


KIND = CaseKind(
    kind="feedback",
    process_id="feedback",
    path="feedback",
    label="Phản hồi",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "urge_unit": UrgeUnitIn,
        "escalate": EscalateIn,
        "dismiss": DismissIn,
        "give_direction": DirectionIn,
    },
    events=EVENTS,
    open_schema=FeedbackIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("task_id",),
    note_fields=("proposal", "direction", "reason", "note"),
    unit_fields={"open": ("about_unit",)},
)
