"""Difficulties and direction (Đ8.1b, Đ8.1c, Đ17.1): the lead unit reports that a task exceeds its
capacity or is blocked (khó khăn, vướng mắc); the Office may ask related units for their opinions,
then proposes a way forward and asks a leader for direction (xin ý kiến chỉ đạo), or resolves the
difficulty itself; the leader's direction goes to the unit and the Office and into the task's
history.

While the direction is awaited the task detail shows it (`awaiting_direction`, `open_cases`) and
the case keeps `awaiting_since` for the Office to see how long it has waited. The leader asked is
the one who assigned the task unless the Office names another (`leader` in the case's data); any
leader may answer. The diagram is bpmn/direction_request.bpmn.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow.cases import CaseKind, Effect, Opening
from services.workflow.exchanges import TaskOpener, readable_task, record_on_task
from services.workflow.kinds.bodies import text as _text
from services.workflow.units import unit_name
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PROBLEMS = {
    "beyond_capacity": "Vượt quá khả năng, điều kiện thực hiện",
    "blocked": "Có khó khăn, vướng mắc",
    "disagreement": "Các cơ quan, đơn vị có ý kiến khác nhau",  # Đ8.1c
    "overdue": "Đã đến hạn nhưng chưa thực hiện, thực hiện không đúng yêu cầu",  # Đ16.4
}
# What a unit reports about its own task (Đ17.1); the others are the Office's (Đ8.1c, Đ16.4).
UNIT_PROBLEMS = ("beyond_capacity", "blocked")

STATUSES = {
    "reported": "Đơn vị báo cáo khó khăn, vướng mắc; Văn phòng đang xử lý",
    "consulting": "Đang lấy ý kiến các đơn vị liên quan",
    "awaiting_direction": "Đang xin ý kiến chỉ đạo",
    "directed": "Đã có ý kiến chỉ đạo",
    "resolved": "Văn phòng đã xử lý khó khăn, vướng mắc",
}

ACTIONS = {
    "ask_opinions": "Lấy ý kiến các đơn vị liên quan",
    "give_opinion": "Cho ý kiến",
    "propose": "Đề xuất phương án, xin ý kiến chỉ đạo",
    "resolve": "Văn phòng xử lý, trả lời đơn vị",
    "give_direction": "Cho ý kiến chỉ đạo",
}

EVENTS = {
    "open": "direction_request.reported",
    "ask_opinions": "direction_request.opinions_requested",
    "give_opinion": "direction_request.opinion_given",
    "propose": "direction_request.proposed",
    "give_direction": "direction_request.directed",
    "resolve": "direction_request.resolved",
}

# What the task's diagram knows of its difficulty reports: true from a report until the Office
# resolves it or a leader directs (bpmn/task_lifecycle.bpmn, `when.report_difficulty`).
DIFFICULTY_OPEN = "difficulty_open"


class TaskDifficultyIn(Schema):
    """Đ17.1: what exceeds the unit's capacity or blocks the task."""

    problem = fields.String(
        required=True,
        validate=validate.OneOf(UNIT_PROBLEMS),
        metadata={"enum_labels": {key: PROBLEMS[key] for key in UNIT_PROBLEMS}},
    )
    description = _text()


class TaskDirectionAskIn(Schema):
    """Đ8.1c, Đ16.4: the Office asks a leader for direction on a task itself: the issue, its
    proposed way forward, and whom it asks (default: who assigned the task)."""

    problem = fields.String(
        load_default="disagreement",
        validate=validate.OneOf(sorted(PROBLEMS)),
        metadata={"enum_labels": PROBLEMS},
    )
    description = _text()
    proposal = _text()
    leader = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class DifficultyReportIn(Schema):
    """A difficulty about a task: a unit's report (`problem`, `description`) or, from the Office,
    its request for direction (with `proposal` and optionally `leader`)."""

    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    problem = fields.String(
        required=True,
        validate=validate.OneOf(sorted(PROBLEMS)),
        metadata={"enum_labels": PROBLEMS},
    )
    description = _text()
    proposal = _text(required=False)
    leader = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class DifficultyOpinionsIn(Schema):
    """Đ8.1b: the units whose opinion the Office asks, and what it asks them."""

    units = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=30),
    )
    note = _text()


class DifficultyOpinionIn(Schema):
    opinion = _text()


class DifficultyProposalIn(Schema):
    """Đ8.1c: the Office's proposed way forward; `leader`: who is asked (default: who assigned)."""

    proposal = _text()
    leader = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))


class DifficultyResolutionIn(Schema):
    resolution = _text()


class DifficultyDirectionIn(Schema):
    direction = _text()


def may_report(principal: Principal, task: dict[str, Any], _history: list[Any]) -> bool:
    return principal.has_role(UNIT_OFFICER, UNIT_HEAD) and principal.unit == task["lead_unit"]


def may_ask(principal: Principal, _task: dict[str, Any], _history: list[Any]) -> bool:
    return principal.is_office


OPENERS = (
    TaskOpener(
        "report_difficulty", "direction_request", TaskDifficultyIn, lambda *_: True, may_report
    ),
    TaskOpener("ask_direction", "direction_request", TaskDirectionAskIn, lambda *_: True, may_ask),
)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    # Whether the task offers it now and to this caller: kinds/task.py, require_opening.
    task = readable_task(conn, principal, body["task_id"])
    problem = PROBLEMS[body["problem"]]
    office = principal.is_office
    if office and not body.get("proposal"):
        raise ValidationFailed(
            "Văn phòng xin ý kiến chỉ đạo cần nêu phương án đề xuất.",
            {"proposal": ["Trường này là bắt buộc."]},
        )
    if not office and body["problem"] not in UNIT_PROBLEMS:
        raise ValidationFailed(
            "Đơn vị báo cáo khó khăn, vướng mắc của nhiệm vụ mình (Điều 17 khoản 1).",
            {"problem": [f"Chọn một trong: {', '.join(UNIT_PROBLEMS)}."]},
        )
    data = {
        "opened_on": local_date(now).isoformat(),
        "origin": "office" if office else "unit",
        "task_id": task["task_id"],
        "problem": body["problem"],
        "description": body["description"],
        "leader": (body.get("leader") if office else None) or task["assigned_by"],
        "consulted": [],
    }
    note = f"{problem}: {body['description']}"
    if office:  # it waits for the leader at once (bpmn/direction_request.bpmn, gw_origin)
        data["proposal"] = body["proposal"]
        note = f"{note}\nĐề xuất: {body['proposal']}"
    who = "Văn phòng xin ý kiến chỉ đạo" if office else unit_name(conn, task["lead_unit"])
    return [
        Opening(
            title=f"{who}: {problem.lower()} — {task['document_number']}: {task['content'][:200]}",
            parties={"reporter": [task["lead_unit"]]},
            data=data,
            task_id=task["task_id"],
            note=note,
            event=EVENTS["propose"] if office else None,
        )
    ]


def _on_task(action: str, field: str, closes: bool = False) -> Effect:
    """Record the action on the task; one that closes the case tells the task's diagram that no
    difficulty awaits an answer any more (`difficulty_open`)."""

    def effect(
        service: WorkflowService,
        uow: UnitOfWork,
        case: dict[str, Any],
        body: dict[str, Any],
        actor: Any,
    ) -> None:
        facts = {DIFFICULTY_OPEN: False} if closes else None
        record_on_task(service, uow, case, action, body.get(field), actor, facts)

    return effect


def _on_open(
    service: WorkflowService,
    uow: UnitOfWork,
    case: dict[str, Any],
    data: dict[str, Any],
    actor: Any,
) -> None:
    note = f"{PROBLEMS[data['problem']]}: {data['description']}"
    facts = {DIFFICULTY_OPEN: True}
    if data.get("origin") == "office":
        note = f"{note}\nĐề xuất: {data['proposal']}"
        record_on_task(service, uow, case, "ask_direction", note, actor, facts)
    else:
        record_on_task(service, uow, case, "report_difficulty", note, actor, facts)


KIND = CaseKind(
    kind="direction_request",
    process_id="direction_request",
    path="direction-requests",
    label="Báo cáo khó khăn, xin ý kiến chỉ đạo",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "ask_opinions": DifficultyOpinionsIn,
        "give_opinion": DifficultyOpinionIn,
        "propose": DifficultyProposalIn,
        "resolve": DifficultyResolutionIn,
        "give_direction": DifficultyDirectionIn,
    },
    events=EVENTS,
    open_schema=DifficultyReportIn,
    may_open=lambda p: p.is_office or (p.unit is not None and p.has_role(UNIT_OFFICER, UNIT_HEAD)),
    opening=_opening,
    query_filters=("task_id",),
    note_fields=("description", "note", "opinion", "proposal", "resolution", "direction"),
    unit_fields={"ask_opinions": ("units",)},
    effects={
        "open": _on_open,
        "propose": _on_task("request_direction", "proposal"),
        "give_direction": _on_task("direction", "direction", closes=True),
        "resolve": _on_task("difficulty_resolved", "resolution", closes=True),
    },
    task_action=lambda p: "ask_direction" if p.is_office else "report_difficulty",
)
