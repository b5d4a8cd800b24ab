"""Task rules outside the diagrams: labels, who may act in a diagram role, when a task is late.

Which actions exist in which state belongs to the BPMN diagrams; this module only answers the
questions a diagram cannot: who a role means for a given task, and how to read dates.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from shared import dates
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal, require_unit_access

STATUS_LABELS = {
    "assigned": "Đã giao, chờ tiếp nhận",
    "in_progress": "Đang thực hiện",
    "returned": "Đơn vị đề nghị điều chỉnh",
    "submitted": "Đã báo cáo kết quả, chờ xác nhận",
    "rework": "Trả lại, thực hiện lại",
    "completed": "Hoàn thành",
    "withdrawn": "Đã thu hồi",
}
CLOSED = frozenset({"completed", "withdrawn"})

ACTION_LABELS = {
    "accept": "Tiếp nhận",
    "return": "Đề nghị điều chỉnh",
    "resolve_return": "Xử lý đề nghị điều chỉnh",
    "report_progress": "Báo cáo tiến độ",
    "contribute": "Gửi ý kiến phối hợp",
    "request_extension": "Đề nghị gia hạn",
    "submit_result": "Báo cáo kết quả",
    "confirm": "Xác nhận hoàn thành",
    "request_rework": "Trả lại, yêu cầu thực hiện lại",
    "decide_extension": "Quyết định gia hạn",
    "urge": "Đôn đốc",
    "withdraw": "Thu hồi",
    "assign_officer": "Phân công cán bộ chịu trách nhiệm",
    "urge_in_sector": "Đôn đốc (sở quản lý ngành, lĩnh vực)",
    "hand_on": "Giao đơn vị cấp dưới thực hiện",
    "report_handed_progress": "Đơn vị cấp dưới báo cáo tiến độ",
}

RETURN_REASONS = {
    "missing": "Giao thiếu nhiệm vụ",
    "inaccurate": "Nội dung chưa chính xác",
    "not_its_function": "Không thuộc chức năng, nhiệm vụ",
}

# History entries of what a diagram's timers announced (`notice = "task.due_soon"`), by the
# event type without its "task." prefix.
NOTICE_LABELS = {
    "due_soon": "Nhắc sắp đến hạn",
    "overdue": "Báo quá hạn",
    "auto_urge": "Đôn đốc tự động khi quá hạn",
    "update_requested": "Đề nghị cập nhật tình hình định kỳ",
    "progress_due": "Nhắc cập nhật tiến độ",
    "timer": "Hẹn giờ của quy trình",
    "transfer": "Chuyển đơn vị chủ trì",
    "amend": "Điều chỉnh nội dung nhiệm vụ",
    "migrate": "Chuyển sang phiên bản quy trình mới",
}

# A notice whose history action is not its event type without "task.": the diagram's own urging
# (Đ16.4) publishes the Office's event, task.urged, but is told apart from the Office's "urge".
NOTICE_ACTIONS = {"task.urged": "auto_urge"}

# The event each action publishes. Event names are the bus contract, not process logic.
ACTION_EVENTS = {
    "accept": "task.accepted",
    "return": "task.returned",
    "resolve_return": "task.return_resolved",
    "report_progress": "task.progress_reported",
    "submit_result": "task.result_submitted",
    "request_rework": "task.rework_requested",
    "confirm": "task.completed",
    "withdraw": "task.withdrawn",
    "request_extension": "task.extension_requested",
    "decide_extension": "task.extension_decided",
    "urge": "task.urged",
    "contribute": "task.contribution_added",  # Đ8.2b: a coordinating unit's opinion
    "assign_officer": "task.officer_assigned",  # Đ21: the officer responsible in the lead unit
    "urge_in_sector": "task.urged",  # Đ8.2a: the department managing the task's sector
    "hand_on": "task.handed_on",  # Đ8.2c: to a unit under the lead unit
    # Đ8.2c: the unit it was handed on to reports to the lead unit, as a contribution does.
    "report_handed_progress": "task.contribution_added",
}


def may_act_as(principal: Principal, role: str, task: Mapping[str, Any]) -> bool:
    """Whether the caller fills a diagram lane's role for this task: `unit` (its lead unit),
    `coordinating`, `office`, `parent` (the lead unit's staff when units stand under it, Đ8.2c),
    `sector` (staff of a department managing the task's sector, Đ8.2a), `subordinate` (staff
    of a unit the task was handed on to, Đ8.2c) or `unit_head` (the lead unit's head, Đ21)."""
    if role == "office":
        return principal.is_office
    is_unit_staff = principal.has_role(UNIT_OFFICER, UNIT_HEAD)
    if role == "unit":
        return is_unit_staff and principal.unit == task["lead_unit"]
    if role == "coordinating":
        return is_unit_staff and principal.unit in set(task["coordinating_units"])
    if role == "parent":
        return (
            is_unit_staff and principal.unit == task["lead_unit"] and bool(principal.subordinates)
        )
    if role == "sector":
        sector = task.get("sector")
        return is_unit_staff and sector is not None and sector in principal.sectors
    if role == "subordinate":
        return is_unit_staff and principal.unit in set(task.get("handed_units") or ())
    if role == "unit_head":  # the lead unit's head (Đ21: who answers for the task inside it)
        return principal.has_role(UNIT_HEAD) and principal.unit == task["lead_unit"]
    return False


def require_task_read(principal: Principal, task: Mapping[str, Any]) -> None:
    """403 unless the caller reads this task (docs/contracts.md, Roles and scoping)."""
    require_unit_access(
        principal,
        task["lead_unit"],
        task["coordinating_units"],
        sector=task.get("sector"),
        handed_units=task.get("handed_units") or (),
    )


def is_overdue(
    status: str, due_on: date | None, today: date, submitted_on: date | None = None
) -> bool:
    """Past its due date and not finished; the due date itself is still on time. A result the
    unit submitted by the due date that waits for the Office's confirmation is not late for the
    unit (Đ5.2b, Đ6.2a): the Office's delay is its own figure."""
    if due_on is None:
        return False
    if status == "submitted" and submitted_on is not None and submitted_on <= due_on:
        return False
    return due_on is not None and status not in CLOSED and today > due_on


def task_is_overdue(task: dict[str, Any], today: date) -> bool:
    return is_overdue(task["status"], task["due_on"], today, task.get("submitted_on"))


def awaiting_confirmation_days(task: dict[str, Any], today: date, calendar: Any) -> int | None:
    """Working days a submitted result has waited for the Office's confirmation."""
    if task["status"] != "submitted" or task.get("submitted_on") is None:
        return None
    return int(calendar.working_days_between(task["submitted_on"], today))


EXTENSION_ACTIONS = frozenset({"request_extension", "decide_extension"})


def extension_problem(
    action: str,
    payload: dict[str, Any],
    task: dict[str, Any],
    requested_due_on: Any,
    today: date,
    max_due_years: int,
) -> str | None:
    """Đ5.2c: an extension moves the due date later. The new date (the one asked for, the
    Office's, or the one asked for when the Office approves without a date) is after the current
    due date, not in the past, and at most MAX_DUE_YEARS after the task was assigned (README
    "Dates people enter"). None when the action sets no new date."""
    if action == "request_extension":
        new_due_on = payload.get("new_due_on")
    elif action == "decide_extension" and payload.get("approve"):
        new_due_on = payload.get("new_due_on") or _as_date(requested_due_on)
    else:
        return None
    if new_due_on is None:
        return None
    due_on = task["due_on"]
    if due_on is not None and new_due_on <= due_on:
        return f"Hạn mới phải sau hạn hiện tại ({dates.vn(due_on)}) (Đ5.2c)."
    return dates.ahead_problem(new_due_on, today, max_due_years, since=task["assigned_on"])


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def workflow_data(task: dict[str, Any]) -> dict[str, Any]:
    """What the diagram sees of a task when its instance starts."""
    return {
        "task_id": task["task_id"],
        "lead_unit": task["lead_unit"],
        "due_on": task["due_on"].isoformat() if task["due_on"] else None,
        "cadence": task["cadence"],
        "extension_pending": False,
    }


def engine_payload(payload: dict[str, Any]) -> dict[str, Any]:
    """An action's body as diagram data: dates as ISO strings (what timers and the state's JSON
    read); absent optional fields are left out rather than overwriting earlier data with None,
    except `new_due_on`, which a decision may leave empty to mean "the date asked for"."""
    data: dict[str, Any] = {}
    for key, value in payload.items():
        if isinstance(value, (date, datetime)):
            value = value.isoformat()
        if value is not None or key == "new_due_on":
            data[key] = value
    return data


def history_note(action: str, payload: dict[str, Any]) -> str | None:
    """What the task's history keeps of an action's body."""
    parts = []
    if action == "hand_on":  # Đ8.2c: which unit, in the history and the audit record
        parts.append(f"Giao đơn vị cấp dưới: {payload['unit']}")
    reason = payload.get("reason")
    if reason:
        parts.append(RETURN_REASONS.get(reason, reason) if action == "return" else reason)
    if "approve" in payload:
        parts.append("Đồng ý gia hạn" if payload["approve"] else "Không đồng ý gia hạn")
    new_due_on = payload.get("new_due_on")
    if new_due_on:
        parts.append(f"Hạn mới: {getattr(new_due_on, 'isoformat', lambda: new_due_on)()}")
    if payload.get("officer_name"):
        parts.append(f"Cán bộ chịu trách nhiệm: {payload['officer_name']}")
    if payload.get("note"):
        parts.append(str(payload["note"]))
    return "\n".join(parts) or None


def projection(data: dict[str, Any], task: dict[str, Any]) -> dict[str, Any]:
    """The columns lists and filters read, from the diagram's data."""
    due_on = data.get("due_on", task["due_on"])
    if isinstance(due_on, str):
        due_on = date.fromisoformat(due_on[:10])
    return {
        "status": data["status"],
        "due_on": due_on,
        "extension_pending": bool(data.get("extension_pending", False)),
        # Đ6.2a: the diagram's progress reminder went out and no progress was posted since.
        "progress_due": bool(data.get("progress_due", False)),
        # Đ21: the officer the lead unit's head named; none keeps the unit responsible.
        "officer_sub": data.get("officer_sub", task.get("officer_sub")),
        "officer_name": data.get("officer_name", task.get("officer_name")),
    }
