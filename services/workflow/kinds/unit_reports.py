"""A unit's periodic report (Đ18.1, Đ17.4): for each period of the Đ18 schedule each unit fills
its report in the system and sends it to the Office, which accepts it or returns it for correction.

One case per unit and period, opened by the unit's own people when they start it
(`POST /api/workflow/unit-reports {period}`); the period is one of the schedule's
(`periodic_reports.periods_of`: `2026-Q1`…`2026-Q4`, `2026-H1`, `2026`) whose units' deadline is
the upcoming one or already past, and a unit has one report per period (a second opening is 409,
naming the first). The case's `group_id` is the period's (`d18-<period>`, the one its reminder
case carries), so the Office lists a period's reports with `?group_id=`.

What the report holds (the body of `save` and `submit`, kept in the case's data): the figures
the reporting service counted for the unit in the period (the national categories; the web
fetches them from reporting and the report keeps them as the unit sent them), the narrative
sections — results (`results`), difficulties (`difficulties`), proposals (`proposals`) — and one
explanation per task of the unit's Đ17.4 list (`explanations`: the task, why it is listed, and
the unit's text). Submitting asks for the results section and a text for every listed task.

The diagram (bpmn/unit_report.bpmn) decides lateness: a report is on time when first submitted
on or before the period's `units_due_on` ("trước ngày 20": the 19th, see periodic_reports.py);
a resubmission after the Office returned it keeps the first date, because the return asks for
corrections, not for a new report. Reporting learns each submission, return and acceptance from
the events and counts which units reported, late, or not at all (`/api/reporting/unit-reports`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime, timedelta
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, select, text

from services.workflow.case_store import case_units
from services.workflow.case_store import cases as cases_table
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds import periodic_reports
from services.workflow.kinds.bodies import text as body_text
from services.workflow.kinds.periodic_reports import Period
from services.workflow.units import unit_name
from shared import dates
from shared.auth import UNIT_HEAD, UNIT_OFFICER, Principal
from shared.calendar import local_date
from shared.db import is_postgres
from shared.errors import Conflict, ValidationFailed

STATUSES = {
    "draft": "Đơn vị đang lập báo cáo",
    "submitted": "Đã gửi đúng hạn, chờ Văn phòng xem xét",
    "submitted_late": "Đã gửi chậm hạn, chờ Văn phòng xem xét",
    "returned": "Văn phòng trả lại để chỉnh sửa",
    "accepted": "Văn phòng đã tiếp nhận",
}

ACTIONS = {
    "save": "Lưu dự thảo báo cáo",
    "submit": "Gửi báo cáo",
    "accept": "Tiếp nhận báo cáo",
    "return": "Trả lại để chỉnh sửa",
}

EVENTS = {
    "submit": "unit_report.submitted",
    "return": "unit_report.returned",
    "accept": "unit_report.accepted",
}

# The six national categories (docs/counting.md) a unit's figures carry, and their total.
CATEGORIES = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)
NOTICE_LABELS = {"overdue": "Báo đơn vị và Văn phòng: quá hạn gửi báo cáo"}
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H1))?$")
_LOCK_KEY = 1819  # PostgreSQL advisory lock: one opening of a unit's report at a time
_TEXT = 20000


def _text(required: bool = False, maximum: int = _TEXT) -> fields.String:
    return body_text(required, maximum)  # a report's sections are optional until it is submitted


def _count() -> fields.Integer:
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=10_000_000))


class UnitReportOpenIn(Schema):
    """Đ18.1: which period the unit reports on."""

    period = fields.String(
        required=True,
        validate=validate.Regexp(_PERIOD, error="Kỳ báo cáo có dạng 2026-Q1, 2026-H1 hoặc 2026."),
    )


class UnitReportFigures(Schema):
    """The unit's tasks in the national categories, as reporting counted them (docs/counting.md)."""

    as_of = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=40))
    completed_on_time = _count()
    completed_late = _count()
    in_progress_on_time = _count()
    in_progress_overdue = _count()
    undated_completed = _count()
    undated_in_progress = _count()
    total = _count()
    on_time_rate = fields.Float(
        load_default=None, allow_none=True, validate=validate.Range(min=0, max=1)
    )


class UnitReportExplanation(Schema):
    """Đ17.4: one task of the unit's list, why it is listed, and the unit's explanation."""

    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    content = _text(maximum=5000)
    document_number = _text(maximum=200)
    reasons = fields.List(
        fields.String(validate=validate.Length(max=300)),
        load_default=list,
        validate=validate.Length(max=10),
    )
    text = _text(maximum=10000)


class UnitReportDraftIn(Schema):
    """The report as the unit drafts it (Đ18.1, Đ17.4); every section may still be empty."""

    results = _text()
    difficulties = _text()
    proposals = _text()
    figures = fields.Nested(UnitReportFigures, load_default=None, allow_none=True)
    explanations = fields.List(
        fields.Nested(UnitReportExplanation), load_default=None, validate=validate.Length(max=1000)
    )


class UnitReportSubmitIn(UnitReportDraftIn):
    """The report as sent: the results section written, every listed task explained (Đ17.4)."""

    results = _text(required=True)


class UnitReportReturnIn(Schema):
    """Why the Office returns the report, what to correct."""

    reason = _text(required=True, maximum=10000)


class UnitReportAcceptIn(Schema):
    note = _text(maximum=10000)


def period_of(key: str) -> Period | None:
    """The Đ18 period a reporting name (`2026-Q1`, `2026-H1`, `2026`) stands for."""
    match = _PERIOD.match(key)
    if match is None or not dates.FIRST_YEAR <= int(match[1]) <= dates.LAST_YEAR:
        return None
    return next((p for p in periodic_reports.periods_of(int(match[1])) if p.key == key), None)


def _may_open(principal: Principal) -> bool:
    return principal.unit is not None and principal.has_role(UNIT_OFFICER, UNIT_HEAD)


def _existing(conn: Connection, period: Period, unit: str) -> str | None:
    query = (
        select(cases_table.c.case_id)
        .join(case_units, case_units.c.case_id == cases_table.c.case_id)
        .where(
            cases_table.c.kind == KIND.kind,
            cases_table.c.group_id == periodic_reports.group_id(period),
            case_units.c.role == "reporter",
            case_units.c.unit == unit,
        )
    )
    return conn.execute(query).scalar()


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    today = local_date(now)
    period = period_of(body["period"])
    if period is None:
        raise ValidationFailed(
            "Kỳ báo cáo không có trong lịch báo cáo (Điều 18).",
            {"period": ["Kỳ báo cáo không có trong lịch báo cáo."]},
        )
    if period.units_due_on > periodic_reports.upcoming(today).units_due_on:
        raise ValidationFailed(
            "Chưa đến kỳ báo cáo này.", {"period": ["Chưa đến kỳ báo cáo này (Điều 18)."]}
        )
    unit = principal.unit or ""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    found = _existing(conn, period, unit)
    if found is not None:
        raise Conflict("Đơn vị đã lập báo cáo cho kỳ này.", case_id=found, actions=[])
    deadline = period.units_due_on + timedelta(days=1)
    return [
        Opening(
            title=f"Báo cáo {period.label} của {unit_name(conn, unit)} (hạn gửi trước ngày "
            f"{deadline:%d/%m/%Y})",
            parties={"reporter": [unit]},
            data={
                "period": period.key,
                "period_label": period.label,
                "units_due_on": period.units_due_on.isoformat(),
            },
            group_id=periodic_reports.group_id(period),
            note=f"Lập báo cáo {period.label} (Điều 18)",
        )
    ]


def _check(case: Mapping[str, Any], action: str, body: dict[str, Any], today: date) -> None:
    """Đ17.4: a submitted report explains every task of its list, each task once."""
    if action not in ("save", "submit"):
        return
    explanations = body.get("explanations")
    if explanations is None:
        explanations = (case.get("data") or {}).get("explanations") or []
    errors: dict[int, dict[str, list[str]]] = {}
    seen: set[str] = set()
    for index, item in enumerate(explanations):
        if item["task_id"] in seen:
            errors[index] = {"task_id": ["Nhiệm vụ này đã có giải trình."]}
        seen.add(item["task_id"])
        if action == "submit" and not (item.get("text") or "").strip():
            errors[index] = {"text": ["Cần giải trình nhiệm vụ này (Điều 17 khoản 4)."]}
    if errors:
        raise ValidationFailed(
            "Cần giải trình từng nhiệm vụ chưa có kết quả, chậm hạn hoặc quá hạn (Điều 17 "
            "khoản 4).",
            {"explanations": errors},
        )


KIND = CaseKind(
    kind="unit_report",
    process_id="unit_report",
    path="unit-reports",
    label="Báo cáo định kỳ của đơn vị",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "save": UnitReportDraftIn,
        "submit": UnitReportSubmitIn,
        "accept": UnitReportAcceptIn,
        "return": UnitReportReturnIn,
    },
    events=EVENTS,
    open_schema=UnitReportOpenIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("group_id",),
    note_fields=("reason", "note"),
    check=_check,
)
