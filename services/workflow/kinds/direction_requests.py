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
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow import case_store
from services.workflow.cases import CaseKind, Opening
from services.workflow.exchanges import TaskOpener, readable_task, record_on_task
from services.workflow.units import unit_name
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal
from shared.calendar import local_date
from shared.errors import Conflict, Forbidden
from shared.platform import UnitOfWork

PROBLEMS = {
    "beyond_capacity": "Vượt quá khả năng, điều kiện thực hiện",
    "blocked": "Có khó khăn, vướng mắc",
}

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

# The task statuses in which the lead unit works on it and may report a difficulty.
WORKING = frozenset({"in_progress", "rework"})


def _text(required: bool = True) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=10000))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class TaskDifficultyIn(Schema):
    """Đ17.1: what exceeds the unit's capacity or blocks the task."""

    problem = fields.String(
        required=True,
        validate=validate.OneOf(sorted(PROBLEMS)),
        metadata={"enum_labels": PROBLEMS},
    )
    description = _text()


class DifficultyReportIn(TaskDifficultyIn):
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))


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


def _open_for(conn: Connection, task_id: str) -> bool:
    _items, total = case_store.list_cases(
        conn, kind="direction_request", units=None, task_id=task_id, open_only=True, limit=1
    )
    return total > 0


def may_report_now(conn: Connection, task: dict[str, Any], _history: list[Any]) -> bool:
    """While the task is being carried out and no difficulty of it awaits an answer."""
    return task["status"] in WORKING and not _open_for(conn, task["task_id"])


def may_report(principal: Principal, task: dict[str, Any], _history: list[Any]) -> bool:
    return principal.has_role(UNIT_OFFICER, UNIT_HEAD) and principal.unit == task["lead_unit"]


OPENERS = (
    TaskOpener(
        "report_difficulty", "direction_request", TaskDifficultyIn, may_report_now, may_report
    ),
)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    task = readable_task(conn, principal, body["task_id"])
    if not may_report_now(conn, task, []):
        raise Conflict(
            "Chỉ báo cáo khó khăn khi đang thực hiện nhiệm vụ và chưa có báo cáo đang chờ xử lý.",
            task_status=task["status"],
        )
    if not may_report(principal, task, []):
        raise Forbidden("Chỉ đơn vị chủ trì báo cáo khó khăn, vướng mắc của nhiệm vụ.")
    problem = PROBLEMS[body["problem"]]
    return [
        Opening(
            title=f"{unit_name(conn, task['lead_unit'])}: {problem.lower()} — "
            f"{task['document_number']}: "
            f"{task['content'][:200]}",
            parties={"reporter": [task["lead_unit"]]},
            data={
                "opened_on": local_date(now).isoformat(),
                "task_id": task["task_id"],
                "problem": body["problem"],
                "description": body["description"],
                "leader": task["assigned_by"],
                "consulted": [],
            },
            task_id=task["task_id"],
            note=f"{problem}: {body['description']}",
        )
    ]


def _on_task(action: str, field: str) -> Any:
    def effect(uow: UnitOfWork, case: dict[str, Any], body: dict[str, Any], actor: Any) -> None:
        record_on_task(uow, case, action, body.get(field), actor)

    return effect


def _on_open(uow: UnitOfWork, case: dict[str, Any], data: dict[str, Any], actor: Any) -> None:
    note = f"{PROBLEMS[data['problem']]}: {data['description']}"
    record_on_task(uow, case, "report_difficulty", note, actor)


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
    may_open=lambda p: p.unit is not None and p.has_role(UNIT_OFFICER, UNIT_HEAD),
    opening=_opening,
    query_filters=("task_id",),
    note_fields=("description", "note", "opinion", "proposal", "resolution", "direction"),
    unit_fields={"ask_opinions": ("units",)},
    effects={
        "open": _on_open,
        "propose": _on_task("request_direction", "proposal"),
        "give_direction": _on_task("direction", "direction"),
        "resolve": _on_task("difficulty_resolved", "resolution"),
    },
)
