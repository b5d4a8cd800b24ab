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


def on_transferred(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """A transfer (Đ5.2a) tells the new lead unit it now leads, and the old one that it is off."""
    body = "\n".join(part for part in (_summary(data), f"Lý do: {data['reason']}") if part)
    to_unit, from_unit = data["to_unit"], data["from_unit"]
    return [
        Message(
            Recipient("unit", to_unit),
            "Nhiệm vụ được chuyển đến đơn vị",
            f"{body}\nChuyển từ: {unit_name(from_unit)}; đơn vị bạn nay chủ trì thực hiện.",
        ),
        Message(
            Recipient("unit", from_unit),
            "Nhiệm vụ đã được chuyển cho đơn vị khác",
            f"{body}\nĐơn vị chủ trì mới: {unit_name(to_unit)}.",
        ),
    ]


def units_named(data: dict[str, Any]) -> set[str]:
    """Unit codes an event's messages may name, so their names can be looked up at once."""
    keys = ("lead_unit", "from_unit", "to_unit")
    return {data[k] for k in keys if data.get(k)} | set(data.get("coordinating_units") or ())


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
    "task.extension_requested": _to(_office, "Đơn vị đề nghị gia hạn nhiệm vụ"),
    "task.extension_decided": _deadline("Đã có quyết định về đề nghị gia hạn"),
    "task.urged": _deadline("Văn phòng đôn đốc thực hiện nhiệm vụ"),
    "task.transferred": on_transferred,
}

# Event types agencies may receive (webhooks and the public exchange): the task lifecycle as the
# workflow announces it; unit, document and intake-internal events stay inside the province.
PUBLIC_EVENT_TYPES: tuple[str, ...] = (
    "task.assigned",
    "task.accepted",
    "task.returned",
    "task.return_resolved",
    "task.progress_reported",
    "task.result_submitted",
    "task.rework_requested",
    "task.completed",
    "task.withdrawn",
    "task.due_soon",
    "task.overdue",
    "task.extension_requested",
    "task.extension_decided",
    "task.urged",
)


def messages_for(
    event_type: str, data: dict[str, Any], unit_name: Callable[[str], str]
) -> list[Message]:
    rule = RULES.get(event_type)
    return rule(data, unit_name) if rule else []
