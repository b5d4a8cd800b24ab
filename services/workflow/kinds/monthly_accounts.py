"""The Working Group's monthly account (Đ10.1đ, Đ14): before each monthly meeting of the People's
Committee, the Working Group's leader (a leader of the Office, `office_lead`) reports what the
Group followed, urged and inspected in the month.

The Office opens the account of a month; the system drafts it from what the workflow recorded in
that month — inspections, urgings (the Office's and the automatic ones), escalations to a leader
and their outcomes — and the Working Group's leader edits and approves it. The approved account
is kept as the case's data and history (GET /api/workflow/monthly-accounts). The diagram is
bpmn/monthly_account.bpmn.
"""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import Connection, and_, func, select

from services.workflow.case_store import cases
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.inspections import STATUSES as INSPECTION_STATUSES
from services.workflow.store import task_history, task_instances
from services.workflow.units import unit_names
from shared import dates
from shared.auth import Principal
from shared.calendar import TZ, local_date
from shared.errors import Conflict, ValidationFailed

STATUSES = {
    "draft": "Dự thảo, chờ Tổ trưởng Tổ công tác duyệt",
    "approved": "Đã duyệt",
}
ACTIONS = {
    "edit": "Chỉnh sửa báo cáo",
    "approve": "Duyệt báo cáo",
}
EVENTS = {
    "open": "monthly_account.drafted",
    "approve": "monthly_account.approved",
}
# History entries that count as urging a unit: the Office's own and the diagram's automatic ones.
URGINGS = ("urge", "auto_urge")
# Case kinds whose events count as an escalation to a leader, and the statuses of an outcome.
ESCALATIONS = {"feedback": "directed", "direction_request": "directed"}


class MonthlyAccountIn(Schema):
    """The month to account for, "YYYY-MM"."""

    month = fields.String(required=True, validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"))

    @validates("month")
    def _supported(self, value: str, **_: Any) -> None:
        """Within the supported years (README "Dates people enter")."""
        if not dates.FIRST_YEAR <= int(value[:4]) <= dates.LAST_YEAR:
            raise ValidationError(f"Tháng phải trong các năm {dates.FIRST_YEAR}–{dates.LAST_YEAR}.")


class EditIn(Schema):
    """The Working Group's leader rewrites the account's text."""

    text = fields.String(required=True, validate=validate.Length(min=1, max=100000))
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


class ApproveIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """The month's first instant and the next month's, in UTC, from Vietnam's calendar."""
    first = date(int(month[:4]), int(month[5:7]), 1)
    following = (first + timedelta(days=32)).replace(day=1)
    return (
        datetime.combine(first, time(0), TZ).astimezone(UTC),
        datetime.combine(following, time(0), TZ).astimezone(UTC),
    )


def gather(conn: Connection, month: str) -> dict[str, Any]:
    """What the workflow recorded in the month, as figures the account reports: units by code,
    with each code's name (`unit_names`), and each inspection's status with its label."""
    start, end = month_bounds(month)
    urged = conn.execute(
        select(task_instances.c.lead_unit, task_history.c.action)
        .join(task_instances, task_instances.c.task_id == task_history.c.task_id)
        .where(
            task_history.c.action.in_(URGINGS), task_history.c.at >= start, task_history.c.at < end
        )
    ).all()
    in_month = and_(cases.c.created_at >= start, cases.c.created_at < end)
    inspections = conn.execute(
        select(cases.c.title, cases.c.status).where(cases.c.kind == "inspection", in_month)
    ).all()
    escalations = conn.execute(
        select(cases.c.kind, cases.c.status, func.count())
        .where(cases.c.kind.in_(ESCALATIONS), in_month)
        .group_by(cases.c.kind, cases.c.status)
    ).all()
    by_unit = Counter(unit for unit, _action in urged)
    escalated = sum(count for _kind, _status, count in escalations)
    directed = sum(count for kind, status, count in escalations if status == ESCALATIONS.get(kind))
    return {
        "month": month,
        "urgings": len(urged),
        "urgings_by_office": sum(1 for _unit, action in urged if action == "urge"),
        "urgings_automatic": sum(1 for _unit, action in urged if action == "auto_urge"),
        "urged_units": dict(by_unit.most_common()),
        "unit_names": unit_names(conn, by_unit),
        "inspections": [
            {
                "title": title,
                "status": status,
                "status_label": INSPECTION_STATUSES.get(status, status),
            }
            for title, status in inspections
        ],
        "escalations": escalated,
        "escalations_directed": directed,
        "escalations_waiting": escalated - directed,
    }


def draft_text(figures: dict[str, Any]) -> str:
    """The account's first draft, in the words the Working Group's leader will edit: units by
    name and statuses by their Vietnamese label, never a code."""
    names = figures.get("unit_names") or {}
    year, month = figures["month"].split("-")
    lines = [
        f"BÁO CÁO KẾT QUẢ THEO DÕI, ĐÔN ĐỐC, KIỂM TRA THÁNG {int(month)}/{year}",
        "",
        f"1. Đôn đốc: {figures['urgings']} lượt "
        f"(Văn phòng: {figures['urgings_by_office']}, tự động khi quá hạn: "
        f"{figures['urgings_automatic']}), tại {len(figures['urged_units'])} đơn vị.",
    ]
    lines += [
        f"   - {names.get(unit, unit)}: {count} lượt"
        for unit, count in figures["urged_units"].items()
    ]
    lines.append(f"2. Kiểm tra: {len(figures['inspections'])} cuộc.")
    lines += [
        f"   - {item['title']} ({_lower_first(item.get('status_label') or item['status'])})"
        for item in figures["inspections"]
    ]
    lines.append(
        f"3. Xin ý kiến chỉ đạo: {figures['escalations']} việc; đã có ý kiến chỉ đạo "
        f"{figures['escalations_directed']}, đang chờ {figures['escalations_waiting']}."
    )
    return "\n".join(lines)


def _lower_first(label: str) -> str:
    """A label inside a sentence: "Đang kiểm tra" → "đang kiểm tra"."""
    return label[:1].lower() + label[1:]


def _may_open(principal: Principal) -> bool:
    return principal.is_office


def _opening(
    conn: Connection, _principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    month = body["month"]
    if month > f"{local_date(now):%Y-%m}":
        message = "Chưa thể lập báo cáo cho tháng chưa bắt đầu."
        raise ValidationFailed(message, {"month": [message]})
    existing = conn.execute(
        select(cases.c.case_id).where(
            cases.c.kind == "monthly_account", cases.c.group_id == f"month-{month}"
        )
    ).first()
    if existing is not None:
        raise Conflict(f"Đã có báo cáo tháng {month}.", case_id=existing.case_id)
    figures = gather(conn, month)
    return [
        Opening(
            title=f"Báo cáo của Tổ công tác tháng {month[5:]}/{month[:4]}",
            parties={},
            data={"month": month, "figures": figures, "text": draft_text(figures)},
            group_id=f"month-{month}",
        )
    ]


KIND = CaseKind(
    kind="monthly_account",
    process_id="monthly_account",
    path="monthly-accounts",
    label="Báo cáo tháng của Tổ công tác",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={"edit": EditIn, "approve": ApproveIn},
    events=EVENTS,
    open_schema=MonthlyAccountIn,
    may_open=_may_open,
    opening=_opening,
)
