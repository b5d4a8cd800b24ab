"""Who hears about what, and in which words. One table: event type → recipients and template.

Plain functions only: no Flask, no SQLAlchemy, no kombu.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from shared.calendar import TZ
from shared.periods import period_label

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


# The People's Committee's leaders, addressed by role: their inbox, whoever holds the role.
LEADERS = Recipient("role", "leader")

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


def _day(value: Any) -> str:
    if isinstance(value, datetime):
        value = value.astimezone(TZ)
    if hasattr(value, "strftime"):
        return str(value.strftime("%d/%m/%Y"))
    try:
        return date.fromisoformat(str(value)[:10]).strftime("%d/%m/%Y")
    except ValueError:
        return str(value)


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


def _case_parties(*roles: str) -> Callable[[dict[str, Any]], list[Recipient]]:
    """Recipients of a case event (inspection, feedback, …): `office`, `leader` (the Chairman
    and Vice-Chairmen, who have no unit: their inbox by role, and the
    leaders' mailboxes when LEADERS_EMAIL is set), or the units the case
    names under a role (its `parties`, e.g. "reporter")."""

    def recipients(data: dict[str, Any]) -> list[Recipient]:
        found: list[Recipient] = []
        for role in roles:
            if role == "leader":
                found.append(LEADERS)
                continue
            codes = [OFFICE_UNIT] if role == "office" else data.get("parties", {}).get(role, [])
            found += [Recipient("unit", code) for code in codes if code]
        return list(dict.fromkeys(found))

    return recipients


def _case(title: str, *roles: str) -> Rule:
    """A case event to the parties named by `roles`, with the case's title, note and due date."""
    recipients = _case_parties(*roles)

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        lines = [data.get("title") or ""]
        if data.get("note"):
            lines.append(f"Nội dung: {data['note']}")
        due = data.get("due_on")
        if due:
            lines.append(f"Hạn: {due.strftime('%d/%m/%Y')}.")
        body = "\n".join(line for line in lines if line)
        return [Message(r, title, body) for r in recipients(data)]

    return rule


def _case_invited(title: str) -> Rule:
    """An inspection's invitation (Đ14.2) to the unit it invites (`details.unit`), not to the
    units invited before."""
    everyone = _case(title, "invited")

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        unit = (data.get("details") or {}).get("unit")
        return [m for m in everyone(data, unit_name) if m.recipient.id == unit]

    return rule


# The most overdue tasks one message lists; the rest are counted (the case lists them all).
OVERDUE_LISTED = 100


def _overdue_summary(title: str, *roles: str) -> Rule:
    """Đ16.4: the Office's summary of overdue tasks (the event's `details`: the tasks, the counts
    by assigning leader, the Office's measures), with the leader's direction when there is one."""
    recipients = _case_parties(*roles)

    def rule(data: dict[str, Any], unit_name: Callable[[str], str]) -> list[Message]:
        summary = data.get("details") or {}
        tasks = summary.get("tasks") or []
        lines = [data.get("title") or ""]
        counts = "; ".join(
            f"{row['label']}: {row['count']}" for row in summary.get("by_assigner") or ()
        )
        if "total" in summary:
            lines.append(
                f"Số nhiệm vụ quá hạn: {summary['total']}" + (f" ({counts})." if counts else ".")
            )
        for n, task in enumerate(tasks[:OVERDUE_LISTED], start=1):
            lead = task.get("lead_unit_name") or unit_name(task.get("lead_unit") or "")
            lines.append(
                f"{n}. {task.get('document_number')}: {task.get('content')} — chủ trì: {lead}; "
                f"hạn {_day(task.get('due_on'))}, quá hạn {task.get('days_overdue')} ngày; "
                f"giao: {task.get('assigned_by_label') or ''}."
            )
        if len(tasks) > OVERDUE_LISTED:
            lines.append(f"… và {len(tasks) - OVERDUE_LISTED} nhiệm vụ khác (xem trên Hệ thống).")
        if summary.get("measures"):
            lines.append(f"Biện pháp Văn phòng kiến nghị: {summary['measures']}")
        if summary.get("direction"):
            lines.append(f"Ý kiến chỉ đạo: {summary['direction']}")
        body = "\n".join(line for line in lines if line)
        return [Message(r, title, body) for r in recipients(data)]

    return rule


def units_named(data: dict[str, Any]) -> set[str]:
    """Unit codes an event's messages may name, so their names can be looked up at once."""
    keys = ("lead_unit", "from_unit", "to_unit", "unit")
    named = {data[k] for k in keys if data.get(k)} | set(data.get("coordinating_units") or ())
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
    "task.urged": _deadline("Văn phòng đôn đốc thực hiện nhiệm vụ"),
    "task.contribution_added": _to(_lead, "Đơn vị phối hợp gửi ý kiến"),  # Đ8.2b
    "task.update_requested": _deadline("Đề nghị cập nhật tình hình thực hiện nhiệm vụ"),  # Đ6.2b
    "task.progress_due": _deadline("Đề nghị cập nhật tiến độ thực hiện nhiệm vụ"),  # Đ6.2a
    "task.transferred": on_transferred,
    "report.published": on_report_published,
    "document.task_reported": on_task_reported,  # Đ5.2a
    # Feedback on another unit (Đ16.6, Đ17.2, Đ17.3)
    "feedback.received": _case("Đơn vị phản hồi về đơn vị liên quan", "office"),
    "feedback.unit_urged": _case(
        "Văn phòng đôn đốc theo phản hồi của đơn vị liên quan", "responsible", "reporter"
    ),
    "feedback.escalated": _case("Văn phòng xin ý kiến chỉ đạo về phản hồi", "reporter", "leader"),
    "feedback.directed": _case("Ý kiến chỉ đạo về phản hồi", "office", "responsible", "reporter"),
    "feedback.dismissed": _case("Kết quả kiểm tra thông tin phản hồi", "reporter"),
    "feedback.due_soon": _case("Phản hồi của đơn vị sắp hết hạn xử lý", "office"),
    "feedback.overdue": _case("Phản hồi của đơn vị đã quá hạn xử lý", "office"),
    # The Working Group's monthly account (Đ10.1đ, Đ14)
    "monthly_account.drafted": _case("Dự thảo báo cáo tháng của Tổ công tác", "office"),
    "monthly_account.approved": _case(
        "Báo cáo tháng của Tổ công tác đã được duyệt", "office", "leader"
    ),
    # The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2)
    "office_report.submitted": _case(
        "Báo cáo đánh giá của Văn phòng trình lãnh đạo Văn phòng duyệt", "office"
    ),
    "office_report.returned": _case("Lãnh đạo Văn phòng trả lại báo cáo đánh giá", "office"),
    "office_report.approved": _case(
        "Báo cáo đánh giá tình hình thực hiện nhiệm vụ đã được duyệt", "office", "leader"
    ),
    "office_report.published": _case(
        "Báo cáo đánh giá tình hình thực hiện nhiệm vụ đã được công bố", "office", "leader"
    ),
    "office_report.overdue": _case("Quá hạn trình báo cáo đánh giá (Điều 18 khoản 2)", "office"),
    # Ad-hoc information requests (Đ8.1d, Đ9.2, Đ16.5)
    "info_request.opened": _case("Văn phòng đề nghị cung cấp thông tin", "asked"),
    "info_request.answered": _case("Đơn vị đã trả lời đề nghị cung cấp thông tin", "office"),
    "info_request.urged": _case("Văn phòng đôn đốc trả lời đề nghị cung cấp thông tin", "asked"),
    "info_request.more_requested": _case("Văn phòng đề nghị bổ sung thông tin", "asked"),
    "info_request.closed": _case("Đề nghị cung cấp thông tin đã kết thúc", "asked"),
    "info_request.due_soon": _case("Đề nghị cung cấp thông tin sắp đến hạn trả lời", "asked"),
    "info_request.overdue": _case(
        "Đề nghị cung cấp thông tin đã quá hạn trả lời", "asked", "office"
    ),
    # Inspection (Đ10–Đ15)
    "inspection.plan_submitted": _case("Kế hoạch kiểm tra trình phê duyệt", "office"),
    "inspection.plan_returned": _case("Kế hoạch kiểm tra được trả lại để chỉnh sửa", "office"),
    "inspection.plan_approved": _case("Kế hoạch kiểm tra đã được phê duyệt", "office", "inspected"),
    "inspection.cancelled": _case("Kế hoạch kiểm tra đã bị hủy", "office"),
    "inspection.unit_invited": _case_invited("Tổ công tác mời đơn vị tham gia kiểm tra"),
    "inspection.finished": _case("Đã kết thúc kiểm tra, lập báo cáo kết quả", "office"),
    "inspection.report_due": _case("Sắp hết hạn báo cáo kết quả kiểm tra", "office"),
    "inspection.report_overdue": _case("Quá hạn báo cáo kết quả kiểm tra", "office"),
    "inspection.report_urged": _case("Đôn đốc báo cáo kết quả kiểm tra", "office"),
    "inspection.reported": _case(
        "Thông báo kết quả kiểm tra", "office", "inspected", "invited", "leader"
    ),
    "inspection.presented": _case("Đã báo cáo kết quả kiểm tra tại phiên họp UBND tỉnh", "office"),
    "inspection.documents_requested": _case(
        "Tổ công tác yêu cầu cung cấp hồ sơ, tài liệu", "asked"
    ),
    "inspection.documents_provided": _case("Đơn vị đã cung cấp hồ sơ, tài liệu", "office"),
    "inspection.documents_due_soon": _case(
        "Sắp đến hạn cung cấp hồ sơ, tài liệu cho Tổ công tác", "asked"
    ),
    "inspection.documents_overdue": _case(
        "Quá hạn cung cấp hồ sơ, tài liệu cho Tổ công tác", "asked", "office"
    ),
    # The annual inspection plan (Đ10.1a, Đ12.1, Đ13)
    "inspection_plan.drafted": _case("Dự thảo kế hoạch kiểm tra hằng năm", "office"),
    "inspection_plan.submitted": _case(
        "Kế hoạch kiểm tra hằng năm trình phê duyệt", "office", "leader"
    ),
    "inspection_plan.returned": _case("Kế hoạch kiểm tra hằng năm được trả lại", "office"),
    "inspection_plan.approved": _case(
        "Kế hoạch kiểm tra hằng năm đã được phê duyệt", "office", "leader"
    ),
    # A unit's own inspection (Đ10.2b, Đ15.1): the Office follows it; the report goes to the
    # People's Committee, the Chairman and the Office
    "unit_inspection.opened": _case("Đơn vị tự kiểm tra việc thực hiện nhiệm vụ", "office"),
    "unit_inspection.cancelled": _case("Đơn vị đã hủy cuộc tự kiểm tra", "office"),
    "unit_inspection.finished": _case(
        "Đơn vị đã kết thúc tự kiểm tra, lập báo cáo kết quả", "unit", "office"
    ),
    "unit_inspection.report_due": _case("Sắp hết hạn báo cáo kết quả tự kiểm tra", "unit"),
    "unit_inspection.report_overdue": _case(
        "Quá hạn báo cáo kết quả tự kiểm tra", "unit", "office"
    ),
    "unit_inspection.report_urged": _case("Đôn đốc báo cáo kết quả tự kiểm tra", "unit"),
    "unit_inspection.reported": _case(
        "Đơn vị báo cáo kết quả tự kiểm tra", "office", "leader", "inspected"
    ),
    # Periodic reports (Đ18): every unit before its deadline, then the Office before its own
    "periodic_report.units_reminded": _case("Đề nghị gửi báo cáo định kỳ (Điều 18)", "units"),
    "periodic_report.office_reminded": _case("Nhắc tổng hợp báo cáo định kỳ (Điều 18)", "office"),
    # A unit's periodic report (Đ18.1, Đ17.4): sent to the Office, returned or accepted
    "unit_report.submitted": _case("Đơn vị đã gửi báo cáo định kỳ (Điều 18)", "office"),
    "unit_report.returned": _case("Văn phòng trả lại báo cáo định kỳ để chỉnh sửa", "reporter"),
    "unit_report.accepted": _case("Văn phòng đã tiếp nhận báo cáo định kỳ", "reporter"),
    "unit_report.overdue": _case("Quá hạn gửi báo cáo định kỳ (Điều 18)", "reporter", "office"),
    # Correction of reported information (Đ7.1, Đ7.2b)
    "correction_request.requested": _case("Văn phòng đề nghị điều chỉnh thông tin báo cáo", "unit"),
    "correction_request.self_corrected": _case(
        "Đơn vị đã tự điều chỉnh thông tin báo cáo", "office"
    ),
    "correction_request.corrected": _case("Đơn vị đã điều chỉnh thông tin báo cáo", "office"),
    "correction_request.explained": _case(
        "Đơn vị giải trình, giữ nguyên thông tin báo cáo", "office"
    ),
    "correction_request.overdue": _case("Quá hạn điều chỉnh thông tin báo cáo", "unit", "office"),
    # Difficulties and direction (Đ8.1b, Đ8.1c, Đ17.1)
    "direction_request.reported": _case("Đơn vị báo cáo khó khăn, vướng mắc", "office"),
    "direction_request.opinions_requested": _case(
        "Văn phòng đề nghị cho ý kiến về khó khăn, vướng mắc", "consulted"
    ),
    "direction_request.opinion_given": _case("Đơn vị liên quan đã cho ý kiến", "office"),
    "direction_request.proposed": _case(
        "Văn phòng đã xin ý kiến chỉ đạo về khó khăn, vướng mắc", "reporter", "leader"
    ),
    "direction_request.directed": _case(
        "Ý kiến chỉ đạo về khó khăn, vướng mắc", "office", "reporter", "consulted"
    ),
    "direction_request.resolved": _case(
        "Văn phòng đã xử lý khó khăn, vướng mắc", "reporter", "consulted"
    ),
    # The Office's summary of overdue tasks and its proposed measures (Đ16.4)
    "overdue_summary.sent": _overdue_summary(
        "Báo cáo nhiệm vụ quá hạn, kiến nghị biện pháp đôn đốc", "leader", "office"
    ),
    "overdue_summary.directed": _overdue_summary(
        "Ý kiến chỉ đạo về nhiệm vụ quá hạn", "office", "responsible"
    ),
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
