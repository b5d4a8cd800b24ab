"""The forms the task actions need, read from each action's request schema in the workflow API,
and how a submitted form becomes that JSON body."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from services.web import context

NOTE_LABEL = "Ghi chú"


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    kind: str = "textarea"  # textarea, text, date, select, radio, number
    required: bool = False
    options: dict[str, str] = field(default_factory=dict)
    # The options are a vocabulary of the services (services/web/labels.py), read when shown.
    vocabulary: str | None = None


NOTE = Field("note", NOTE_LABEL)
ACTION_FIELDS: dict[str, tuple[Field, ...]] = {
    "accept": (NOTE,),
    "return": (
        Field(
            "reason", "Lý do đề nghị điều chỉnh", "select", True, vocabulary="RETURN_REASON_LABELS"
        ),
        Field("note", "Nội dung đề nghị"),
    ),
    "resolve_return": (NOTE,),
    "report_progress": (Field("note", "Tiến độ thực hiện", required=True),),
    "contribute": (Field("note", "Ý kiến phối hợp", required=True),),
    "request_extension": (
        Field("new_due_on", "Đề nghị gia hạn đến ngày", "date", True),
        Field("reason", "Lý do", "textarea", True),
        NOTE,
    ),
    "submit_result": (Field("note", "Kết quả thực hiện", required=True),),
    "confirm": (NOTE,),
    "request_rework": (Field("reason", "Lý do trả lại", "textarea", True), NOTE),
    "decide_extension": (
        Field(
            "approve",
            "Quyết định",
            "radio",
            True,
            {"true": "Đồng ý gia hạn", "false": "Không đồng ý"},
        ),
        Field("new_due_on", "Hạn mới (nếu khác ngày đơn vị đề nghị)", "date"),
        NOTE,
    ),
    "urge": (Field("note", "Nội dung đôn đốc"),),
    # Đ21: the lead unit's head names the officer responsible inside the unit.
    "assign_officer": (
        Field("officer_name", "Họ và tên cán bộ chịu trách nhiệm", "text", True),
        Field("officer_sub", "Tài khoản đăng nhập của cán bộ", "text", True),
        NOTE,
    ),
    # Đ8.2a: the department managing the task's sector urges it.
    "urge_in_sector": (Field("note", "Nội dung đôn đốc"),),
    # Đ8.2c: the lead unit hands the task on to a unit under it; that unit reports to it.
    "hand_on": (
        Field("unit", "Mã đơn vị cấp dưới được giao", required=True),
        Field("note", "Nội dung giao"),
    ),
    "report_handed_progress": (
        Field("note", "Tiến độ thực hiện phần việc được giao", required=True),
    ),
    # The Office's withdrawal goes through intake (Đ5.2a), which records it on the document and
    # the diagram follows; intake needs a reason.
    "withdraw": (Field("reason", "Lý do thu hồi", "textarea", True),),
    "request_correction": (
        Field("entry_id", "Mục báo cáo (bỏ trống: báo cáo gần nhất)", "number"),
        Field("reason", "Nội dung cần điều chỉnh", "textarea", True),
    ),
    "correct_report": (
        Field("entry_id", "Mục báo cáo (bỏ trống: báo cáo gần nhất)", "number"),
        Field("text", "Thông tin điều chỉnh", "textarea", True),
    ),
    "report_difficulty": (
        Field(
            "problem",
            "Loại khó khăn",
            "select",
            True,
            {"beyond_capacity": "Vượt quá khả năng giải quyết", "blocked": "Bị vướng mắc, ách tắc"},
        ),
        Field("description", "Mô tả khó khăn, vướng mắc", "textarea", True),
    ),
    "ask_direction": (
        Field(
            "problem",
            "Vấn đề",
            "select",
            True,
            {
                "disagreement": "Các cơ quan, đơn vị có ý kiến khác nhau (Điều 8 khoản 1 điểm c)",
                "overdue": "Đã đến hạn nhưng chưa thực hiện (Điều 16 khoản 4)",
                "blocked": "Có khó khăn, vướng mắc",
            },
        ),
        Field("description", "Nội dung vấn đề", "textarea", True),
        Field("proposal", "Phương án Văn phòng đề xuất", "textarea", True),
    ),
}


def action_label(action: str) -> str:
    """The workflow's label of a task action, those that open a case included."""
    return context.labels().TASK_ACTION_LABELS.get(action, action)


def action_fields(action: str) -> tuple[Field, ...]:
    return tuple(
        replace(spec, options=getattr(context.labels(), spec.vocabulary))
        if spec.vocabulary
        else spec
        for spec in ACTION_FIELDS.get(action, (NOTE,))
    )


def action_body(action: str, form: Any) -> dict[str, Any]:
    """Only the fields the action's schema knows; empty optional fields are left out."""
    body: dict[str, Any] = {}
    for spec in action_fields(action):
        raw = (form.get(spec.name) or "").strip()
        if not raw:
            continue
        if spec.kind == "radio" and set(spec.options) == {"true", "false"}:
            body[spec.name] = raw == "true"
        elif spec.kind == "number":
            body[spec.name] = int(raw) if raw.isdigit() else raw
        else:
            body[spec.name] = raw
    return body


def missing_required(action: str, body: dict[str, Any]) -> dict[str, list[str]]:
    """Fields the page asks for before calling the API (the API checks again)."""
    return {
        spec.name: ["Trường này là bắt buộc."]
        for spec in action_fields(action)
        if spec.required and spec.name not in body
    }
