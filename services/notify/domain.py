"""Who hears about what, and in which words. One table: event type → recipients and template.

Plain functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

OFFICE_UNIT = "VP_UBND"


@dataclass(frozen=True)
class Recipient:
    kind: str  # "unit" or "user"
    id: str


@dataclass(frozen=True)
class Message:
    recipient: Recipient
    title: str
    body: str


Rule = Callable[[dict[str, Any], Callable[[str], str]], list[Message]]


def _lead(data: dict[str, Any]) -> list[Recipient]:
    return [Recipient("unit", data["lead_unit"])]


def _coordinating(data: dict[str, Any]) -> list[Recipient]:
    return [Recipient("unit", code) for code in data["coordinating_units"]]


def _office(_data: dict[str, Any]) -> list[Recipient]:
    return [Recipient("unit", OFFICE_UNIT)]


def _due(data: dict[str, Any]) -> str:
    due = data.get("due_on")
    return f"Hạn xử lý: {due.strftime('%d/%m/%Y')}." if due else "Nhiệm vụ không có thời hạn."


def _summary(data: dict[str, Any]) -> str:
    return (data.get("content") or "").strip()


def on_assigned(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    lead = [
        Message(
            r,
            "Nhiệm vụ mới được giao",
            f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: {unit_name(data['lead_unit'])}.",
        )
        for r in _lead(data)
    ]
    coordinating = [
        Message(
            r,
            "Nhiệm vụ phối hợp thực hiện",
            f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: "
            f"{unit_name(data['lead_unit'])}; đơn vị bạn phối hợp thực hiện.",
        )
        for r in _coordinating(data)
    ]
    return lead + coordinating


def _to(recipients: Callable[[dict[str, Any]], list[Recipient]], title: str) -> Rule:
    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        body = f"{_summary(data)}\nĐơn vị chủ trì: {unit_name(data['lead_unit'])}."
        if data.get("note"):
            body += f"\nÝ kiến: {data['note']}"
        return [Message(r, title, body) for r in recipients(data)]

    return rule


def _deadline(title: str) -> Rule:
    """Deadline notices (Đ16.4) go to the lead unit and repeat the due date."""

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        body = f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: {unit_name(data['lead_unit'])}."
        return [Message(r, title, body) for r in _lead(data)]

    return rule


RULES: dict[str, Rule] = {
    "task.assigned": on_assigned,
    "task.returned": _to(_office, "Đơn vị đề nghị điều chỉnh nhiệm vụ"),
    "task.return_resolved": _to(_lead, "Văn phòng đã xử lý đề nghị điều chỉnh"),
    "task.result_submitted": _to(_office, "Đơn vị đã báo cáo kết quả, chờ xác nhận"),
    "task.rework_requested": _to(_lead, "Kết quả bị trả lại, đề nghị thực hiện lại"),
    "task.completed": _to(_lead, "Nhiệm vụ đã được xác nhận hoàn thành"),
    "task.withdrawn": _to(_lead, "Nhiệm vụ đã được thu hồi"),
    "task.due_soon": _deadline("Nhiệm vụ sắp đến hạn"),
    "task.overdue": _deadline("Nhiệm vụ đã quá hạn"),
}


def messages_for(
    event_type: str, data: dict[str, Any], unit_name: Callable[[str], str]
) -> list[Message]:
    rule = RULES.get(event_type)
    return rule(data, unit_name) if rule else []
