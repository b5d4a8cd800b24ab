"""Correction of reported information (Đ7.1, Đ7.2b): the Office finds a unit's progress report or
result inaccurate and asks, with a reason, for a correction; the unit corrects it or explains why
it stands. A unit may also correct its own report before the Office confirms the task (Đ7.2b).

One kind, two origins, both linked to the task and naming the report corrected (an entry of the
task's history: `entry_id`, by default the latest report):
- the Office's request (task action `request_correction`): open until the unit answers;
- the unit's own correction (task action `correct_report`): the corrected text comes with the
  opening and the case closes at once; the Office is told and keeps its Đ7.1 check (it may ask
  for a correction of the corrected report). Closing at once rather than awaiting the Office's
  acknowledgement: the unit answers for the accuracy of its information (Đ7.2c).
A correction is appended to the task's history as a new entry; the earlier report stays.

The diagram is bpmn/correction_request.bpmn.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow import store
from services.workflow.cases import CaseKind, Opening
from services.workflow.exchanges import TaskOpener, readable_task, record_on_task
from services.workflow.kinds.bodies import text as _text
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# Entries of a task's history that report information a unit answers for (Đ7.2c).
CORRECTABLE = {
    "report_progress": "Báo cáo tiến độ",
    "submit_result": "Báo cáo kết quả",
    "contribute": "Ý kiến phối hợp",
    "correct_report": "Thông tin báo cáo đã điều chỉnh",
}

STATUSES = {
    "requested": "Văn phòng đề nghị điều chỉnh, chờ đơn vị",
    "corrected": "Đơn vị đã điều chỉnh",
    "explained": "Đơn vị đã giải trình, giữ nguyên thông tin",
    "self_corrected": "Đơn vị tự điều chỉnh thông tin báo cáo",
}

ACTIONS = {
    "correct": "Điều chỉnh thông tin báo cáo",
    "explain": "Giải trình, giữ nguyên thông tin",
}

EVENTS = {
    "open": "correction_request.requested",
    "correct": "correction_request.corrected",
    "explain": "correction_request.explained",
}
SELF_CORRECTED = "correction_request.self_corrected"

NOTICE_LABELS = {"overdue": "Báo quá hạn điều chỉnh"}


def _entry_id() -> fields.Integer:
    return fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1),
        metadata={"description": "Mục lịch sử nhiệm vụ; bỏ trống: báo cáo gần nhất"},
    )


class TaskCorrectionRequestIn(Schema):
    """Đ7.1: the Office asks for a correction of a report, saying what is inaccurate."""

    entry_id = _entry_id()
    reason = _text()


class TaskSelfCorrectionIn(Schema):
    """Đ7.2b: the unit corrects its own report before the Office confirms the task."""

    entry_id = _entry_id()
    text = _text()


class CorrectionRequestIn(Schema):
    """Either: the Office's `reason`, or the unit's corrected `text`."""

    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    entry_id = _entry_id()
    reason = _text(required=False)
    text = _text(required=False)


class CorrectionIn(Schema):
    """The unit's corrected information; the earlier report stays in the task's history."""

    text = _text()
    note = _text(required=False)


class CorrectionExplanationIn(Schema):
    """Why the information stands as reported."""

    reason = _text()


def _author(task: dict[str, Any], entry: dict[str, Any]) -> str:
    """The unit that reported an entry (its author's unit), by default the lead unit."""
    unit = (entry.get("actor") or {}).get("unit")
    lead: str = task["lead_unit"]
    return unit if isinstance(unit, str) and unit in {lead, *task["coordinating_units"]} else lead


def _reports(
    task: dict[str, Any], history: list[dict[str, Any]], unit: str | None = None
) -> list[dict[str, Any]]:
    return [
        h
        for h in history
        if h["action"] in CORRECTABLE and (unit is None or _author(task, h) == unit)
    ]


def _is_unit_staff(principal: Principal) -> bool:
    return principal.unit is not None and principal.has_role(UNIT_OFFICER, UNIT_HEAD)


def has_reports(task: dict[str, Any], history: list[dict[str, Any]]) -> bool:
    """Something to correct. When the task allows it is its diagram's word: the Office's
    request at every step and once completed (Đ7.1), the unit's own correction before the
    Office confirms (Đ7.2b); never once withdrawn."""
    return bool(_reports(task, history))


def may_request(principal: Principal, _task: dict[str, Any], _history: list[Any]) -> bool:
    return principal.is_office


def may_correct(principal: Principal, task: dict[str, Any], history: list[Any]) -> bool:
    return _is_unit_staff(principal) and bool(_reports(task, history, principal.unit))


OPENERS = (
    TaskOpener(
        "request_correction",
        "correction_request",
        TaskCorrectionRequestIn,
        has_reports,
        may_request,
    ),
    TaskOpener(
        "correct_report", "correction_request", TaskSelfCorrectionIn, has_reports, may_correct
    ),
)


def _entry(
    task: dict[str, Any], history: list[dict[str, Any]], entry_id: int | None, unit: str | None
) -> dict[str, Any]:
    reports = _reports(task, history, unit)
    if entry_id is None and reports:
        return reports[-1]
    for entry in reports:
        if entry["id"] == entry_id:
            return entry
    raise ValidationFailed(
        "Không có báo cáo này để điều chỉnh.",
        {"entry_id": ["Không phải báo cáo tiến độ hoặc kết quả của nhiệm vụ (của đơn vị)."]},
    )


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    # Whether the task offers it now and to this caller: kinds/task.py, require_opening.
    task = readable_task(conn, principal, body["task_id"])
    history = store.TASKS.history(conn, task["task_id"])
    office = principal.is_office
    field = "reason" if office else "text"
    if not body.get(field):
        raise ValidationFailed("Thiếu nội dung.", {field: ["Trường này là bắt buộc."]})
    entry = _entry(task, history, body.get("entry_id"), None if office else principal.unit)
    data = {
        "opened_on": local_date(now).isoformat(),
        "origin": "office" if office else "unit",
        "task_id": task["task_id"],
        "entry_id": entry["id"],
        "entry_action": entry["action"],
        "entry_at": entry["at"].isoformat(),
        "entry_note": entry["note"],
        field: body[field],
    }
    return [
        Opening(
            title=f"Điều chỉnh thông tin báo cáo — {task['document_number']}: "
            f"{task['content'][:200]}",
            parties={"unit": [_author(task, entry) if office else principal.unit or ""]},
            data=data,
            task_id=task["task_id"],
            note=body[field],
            event=None if office else SELF_CORRECTED,
        )
    ]


def _correction_note(data: dict[str, Any], text: str) -> str:
    label = CORRECTABLE.get(data.get("entry_action", ""), "Báo cáo")
    return f"{text}\n(Điều chỉnh: {label.lower()}, mục #{data.get('entry_id')})"


def _on_open(
    service: WorkflowService,
    uow: UnitOfWork,
    case: dict[str, Any],
    data: dict[str, Any],
    actor: Any,
) -> None:
    if data["origin"] == "office":
        record_on_task(service, uow, case, "request_correction", data.get("reason"), actor)
    else:
        note = _correction_note(data, data["text"])
        record_on_task(service, uow, case, "correct_report", note, actor)


def _on_correct(
    service: WorkflowService,
    uow: UnitOfWork,
    case: dict[str, Any],
    body: dict[str, Any],
    actor: Any,
) -> None:
    note = _correction_note(case["data"], body["text"])
    record_on_task(service, uow, case, "correct_report", note, actor)


def _on_explain(
    service: WorkflowService,
    uow: UnitOfWork,
    case: dict[str, Any],
    body: dict[str, Any],
    actor: Any,
) -> None:
    record_on_task(service, uow, case, "explain_report", body["reason"], actor)


KIND = CaseKind(
    kind="correction_request",
    process_id="correction_request",
    path="correction-requests",
    label="Đề nghị điều chỉnh thông tin báo cáo",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={"correct": CorrectionIn, "explain": CorrectionExplanationIn},
    events=EVENTS,
    open_schema=CorrectionRequestIn,
    may_open=lambda p: p.is_office or _is_unit_staff(p),
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("task_id",),
    note_fields=("text", "reason", "note"),
    effects={"open": _on_open, "correct": _on_correct, "explain": _on_explain},
    task_action=lambda p: "request_correction" if p.is_office else "correct_report",
)
