"""Who hears about what, and in which words. One table: event type → recipients and template;
the task lifecycle's and reports' rules here, the case kinds' in services/notify/case_rules.py.

Plain functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from typing import Any

from services.notify.case_rules import CASE_RULES
from services.notify.messages import LEADERS as LEADERS
from services.notify.messages import OFFICE_UNIT as OFFICE_UNIT
from services.notify.messages import Message as Message
from services.notify.messages import Recipient as Recipient
from services.notify.messages import Rule as Rule
from services.notify.messages import day as _day
from shared.periods import period_label


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


def on_officer_assigned(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """Đ21: the officer the lead unit's head named is told, in their own inbox."""
    officer = data.get("officer") or {}
    if not officer.get("sub"):
        return []
    body = (
        f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: {unit_name(data['lead_unit'])}; "
        f"cán bộ chịu trách nhiệm: {officer.get('name') or officer['sub']}."
    )
    return [
        Message(
            Recipient("user", officer["sub"]), "Bạn được phân công chịu trách nhiệm nhiệm vụ", body
        )
    ]


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


def on_urged(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """Đ8.1, Đ16.4: the Office's urging or the diagram's; Đ8.2a: the department managing the
    task's sector, named with its message."""
    if data.get("action") != "urge_in_sector":
        return _deadline("Văn phòng đôn đốc thực hiện nhiệm vụ")(data, unit_name)
    actor = data.get("actor") or {}
    by = unit_name(actor["unit"]) if actor.get("unit") else "Sở quản lý ngành, lĩnh vực"
    body = f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: {unit_name(data['lead_unit'])}."
    if data.get("note"):
        body += f"\nÝ kiến: {data['note']}"
    title = f"{by} đôn đốc thực hiện nhiệm vụ thuộc ngành, lĩnh vực quản lý"
    return [Message(r, title, body) for r in _lead(data)]


def on_contribution(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """To the lead unit: a coordinating unit's opinion (Đ8.2b) or the progress of a unit it
    handed the task on to (Đ8.2c)."""
    if data.get("action") == "report_handed_progress":
        return _to(_lead, "Đơn vị cấp dưới báo cáo tiến độ")(data, unit_name)
    return _to(_lead, "Đơn vị phối hợp gửi ý kiến")(data, unit_name)


def on_handed_on(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """Đ8.2c: the unit the lead unit handed the task on to (the newest of `handed_units`) is
    told; the lead unit stays responsible."""
    handed = data.get("handed_units") or []
    if not handed:
        return []
    body = (
        f"{_summary(data)}\n{_due(data)} Đơn vị chủ trì: {unit_name(data['lead_unit'])}, "
        "chịu trách nhiệm về kết quả."
    )
    if data.get("note"):
        body += f"\nÝ kiến: {data['note']}"
    title = "Đơn vị cấp trên giao thực hiện nhiệm vụ"
    return [Message(Recipient("unit", handed[-1]), title, body)]


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


# -- published reports (Đ16.2) --------------------------------------------------------------------
REPORT_PUBLISHED_TITLE = "Đã công bố kết quả thực hiện nhiệm vụ"
_FIGURES = (
    ("completed_on_time", "hoàn thành đúng hạn"),
    ("completed_late", "hoàn thành quá hạn"),
    ("in_progress_on_time", "đang thực hiện trong hạn"),
    ("in_progress_overdue", "đang thực hiện quá hạn"),
    ("undated_completed", "không có thời hạn đã hoàn thành"),
    ("undated_in_progress", "không có thời hạn đang thực hiện"),
)


def _figures(row: dict[str, Any]) -> str:
    counts = "; ".join(f"{label}: {row.get(key) or 0}" for key, label in _FIGURES)
    rate = row.get("on_time_rate")
    shown = "chưa xác định" if rate is None else f"{float(rate) * 100:.1f}".replace(".", ",") + "%"
    return f"Tổng số nhiệm vụ: {row.get('total') or 0} ({counts}). Tỷ lệ đúng hạn: {shown}."


def on_report_published(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """The Office, and each unit the report counts, hear that its results are public (Đ16.2):
    the Office with the province's totals, each unit with its own figures."""
    start = data.get("from_", data.get("from"))
    label = period_label(data["period"])
    dates = f"từ {_day(start)} đến {_day(data['to'])}"
    period = (
        f"Kỳ báo cáo {f'{label} ({dates})' if label else dates}, "
        f"số liệu tính đến ngày {_day(data.get('as_of') or data['to'])}."
    )
    public = "Kết quả được công khai trên trang công bố kết quả của hệ thống (Điều 16 khoản 2)."
    messages = [
        Message(
            Recipient("unit", OFFICE_UNIT),
            REPORT_PUBLISHED_TITLE,
            f"{period}\nToàn tỉnh: {_figures(data.get('totals') or {})}\n{public}",
        )
    ]
    seen = {OFFICE_UNIT}
    for row in data.get("units") or ():
        code = row.get("unit") if isinstance(row, dict) else None
        if not code or code in seen:
            continue
        seen.add(code)
        name = unit_name(code)
        if name == code:  # not in notify's directory yet: the report's own name for it
            name = row.get("name") or code
        messages.append(
            Message(
                Recipient("unit", code),
                REPORT_PUBLISHED_TITLE,
                f"{period}\nKết quả của {name}: {_figures(row)}\n{public}",
            )
        )
    return messages


def units_named(data: dict[str, Any]) -> set[str]:
    """Unit codes an event's messages may name, so their names can be looked up at once."""
    keys = ("lead_unit", "from_unit", "to_unit", "unit")
    named = {data[k] for k in keys if data.get(k)} | set(data.get("coordinating_units") or ())
    actor = data.get("actor")
    if isinstance(actor, dict) and actor.get("unit"):
        named.add(actor["unit"])  # the department urging in its sector (Đ8.2a)
    reported = data.get("units")  # a report's rows
    rows: list[Any] = reported if isinstance(reported, list) else []
    return named | {row["unit"] for row in rows if isinstance(row, dict) and row.get("unit")}


# A case party standing for every unit (services/workflow/cases.py): a periodic report concerns
# them all (Đ18.1). Its messages go to every active unit of notify's directory but the Office.
EVERY_UNIT = Recipient("unit", "*")


def for_every_unit(messages: list[Message], active_units: Collection[str]) -> list[Message]:
    """Each message to EVERY_UNIT once per active unit but the Office; the others unchanged."""
    units = sorted(code for code in active_units if code != OFFICE_UNIT)
    out: list[Message] = []
    for m in messages:
        if m.recipient != EVERY_UNIT:
            out.append(m)
            continue
        out += [Message(Recipient("unit", code), m.title, m.body) for code in units]
    return list(dict.fromkeys(out))


TASK_REPORT_PROBLEMS = {
    "missing": "giao thiếu nhiệm vụ",
    "incorrect": "giao nhiệm vụ chưa chính xác",
}


def on_task_reported(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
    """Đ5.2a: a unit's report of a missing or wrong task reaches the Office."""
    problem = TASK_REPORT_PROBLEMS.get(data["problem"], data["problem"])
    body = (
        f"{unit_name(data['unit'])} báo văn bản {data['document_number']} {problem}.\n"
        f"Nội dung: {data['reason']}"
    )
    title = "Đơn vị báo giao thiếu hoặc chưa chính xác nhiệm vụ"
    return [Message(r, title, body) for r in _office(data)]


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
    "task.urged": on_urged,  # Đ8.1, Đ8.2a, Đ16.4
    "task.handed_on": on_handed_on,  # Đ8.2c
    "task.contribution_added": on_contribution,  # Đ8.2b, Đ8.2c
    "task.officer_assigned": on_officer_assigned,  # Đ21
    "task.update_requested": _deadline("Đề nghị cập nhật tình hình thực hiện nhiệm vụ"),  # Đ6.2b
    "task.progress_due": _deadline("Đề nghị cập nhật tiến độ thực hiện nhiệm vụ"),  # Đ6.2a
    "task.transferred": on_transferred,
    "report.published": on_report_published,
    "document.task_reported": on_task_reported,  # Đ5.2a
    **CASE_RULES,
}

# Event types an agency's webhook subscription may name: the task lifecycle as the workflow
# announces it, and published reports (also on the public exchange, whose smaller list is
# shared.topology.PUBLIC_FEED_EVENT_TYPES). Unit, document and intake-internal events stay inside
# the province. A webhook body is the public feed's CloudEvent (feed.public_envelope), and each
# type's payload is described in deploy/asyncapi.yaml.
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
    "task.contribution_added",
    "task.update_requested",
    "task.progress_due",
    "report.published",
)


def messages_for(
    event_type: str, data: dict[str, Any], unit_name: Callable[[str], str]
) -> list[Message]:
    rule = RULES.get(event_type)
    return rule(data, unit_name) if rule else []
