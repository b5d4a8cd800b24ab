"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2): for a period of the Đ18 schedule the
Office assembles the period's figures, the units' reports and their explanations (Đ17.4), writes
its assessment — progress, quality and effectiveness against the leaders' direction (Đ8.1a),
difficulties, proposals (Đ16.4) — submits it to the Office's leader, who approves it or returns
it, and publishes the approved report (Đ16.2).

One case per period, opened by the Office (`POST /api/workflow/office-reports {period,
report_id}`); `report_id` is the reporting service's stored report of the period (its figures,
its Đ17.4 list, the Office's own figures), which the case's `save` and `submit` may replace by a
newer one. A second opening for the period is 409, naming the first. The case's `group_id` is
the period's (`d18-<period>`), as its units' reports have; its due date is Đ18.2's ("trước ngày
25": the 24th of the quarter's last month, 24 December for the year).

The diagram (bpmn/office_report.bpmn) is draft → submitted → approved (or returned → draft) →
published. Reporting keeps the sections of each submission (`office_report.submitted`) and, on
`office_report.published`, attaches the last one — the version the leader approved, since
nothing changes them between approval and publication — to its stored report and publishes it:
the public page shows the approved text, never a draft.

What it shares with the annual report (Đ20.1) — statuses, actions, events, the approve, return and
publish schemas, one case per group — is reviewed_reports.py.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow.cases import Opening
from services.workflow.kinds import periodic_reports, reviewed_reports
from services.workflow.kinds.reviewed_reports import REPORT_ID
from services.workflow.kinds.unit_reports import UnitReportOpenIn, period_of
from shared.auth import Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed

# The Office's assessment (Đ8.1a: progress, quality, effectiveness against the leaders'
# direction), the difficulties (Đ8.1b) and its proposals (Đ16.4), in the report's order.
SECTIONS = ("progress", "quality", "effectiveness", "difficulties", "proposals")
_LOCK_KEY = 1816  # PostgreSQL advisory lock: one opening of a period's report at a time
_MANY = validate.Length(max=5000)  # units, explanations: a province has a few hundred units


class OfficeReportOpenIn(UnitReportOpenIn):
    """Đ16.2, Đ18.2: the period, and the reporting service's stored report of its figures."""

    report_id = fields.String(required=True, validate=REPORT_ID)


def _count() -> fields.Integer:
    return fields.Integer(load_default=0, validate=validate.Range(min=0, max=1_000_000))


def _short(maximum: int) -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=maximum))


class StandingTotals(Schema):
    units = _count()
    on_time = _count()
    late = _count()
    not_reported = _count()
    pending = _count()
    accepted = _count()


class StandingRow(Schema):
    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    name = _short(300)
    standing = fields.String(
        required=True, validate=validate.OneOf(("on_time", "late", "not_reported", "pending"))
    )


class Standing(Schema):
    """Which units reported on time, late or not (Đ18.1), as reporting counted them when the
    Office wrote the report."""

    totals = fields.Nested(StandingTotals, required=True)
    units = fields.List(fields.Nested(StandingRow), load_default=list, validate=_MANY)


class Explained(Schema):
    """A unit's explanation of one of its Đ17.4 tasks, from its submitted periodic report."""

    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    unit_name = _short(300)
    task_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    content = _short(5000)
    document_number = _short(200)
    reasons = fields.List(
        fields.String(validate=validate.Length(max=300)),
        load_default=list,
        validate=validate.Length(max=10),
    )
    text = _short(10000)


OfficeReportDraftIn, OfficeReportSubmitIn = reviewed_reports.section_schemas(
    "OfficeReport",
    SECTIONS,
    draft_doc="""The Office's assessment as it drafts it; every section may still be empty.
    `standing` and `explained` keep what the report presents of the units' reports as they stood
    when it was written (the page sends them with each save), so that the report submitted,
    approved and published does not change when a unit's report does later.""",
    submit_doc="""The report as submitted to the Office's leader: every section written (Đ8.1a,
    Đ16.4), and the stored figures it presents.""",
    extra={
        "standing": fields.Nested(Standing, load_default=None, allow_none=True),
        "explained": fields.List(fields.Nested(Explained), load_default=None, validate=_MANY),
    },
)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    period = period_of(body["period"])
    if period is None:
        raise ValidationFailed(
            "Kỳ báo cáo không có trong lịch báo cáo (Điều 18).",
            {"period": ["Kỳ báo cáo không có trong lịch báo cáo."]},
        )
    if period.units_due_on > periodic_reports.upcoming(local_date(now)).units_due_on:
        raise ValidationFailed(
            "Chưa đến kỳ báo cáo này.", {"period": ["Chưa đến kỳ báo cáo này (Điều 18)."]}
        )
    group = periodic_reports.group_id(period)
    reviewed_reports.open_once(
        conn, KIND.kind, group, _LOCK_KEY, "Văn phòng đã lập báo cáo đánh giá cho kỳ này."
    )
    deadline = period.office_due_on + timedelta(days=1)
    return [
        Opening(
            title=f"Báo cáo đánh giá tình hình thực hiện nhiệm vụ {period.label} (trình trước "
            f"ngày {deadline:%d/%m/%Y})",
            parties={},
            data={
                "period": period.key,
                "period_label": period.label,
                "office_due_on": period.office_due_on.isoformat(),
                "report_id": body["report_id"],
            },
            group_id=group,
            note=f"Lập báo cáo đánh giá {period.label} (Điều 16 khoản 2, Điều 18 khoản 2)",
        )
    ]


KIND = reviewed_reports.case_kind(
    kind="office_report",
    path="office-reports",
    label="Báo cáo đánh giá của Văn phòng",
    prefix="OfficeReport",
    draft=OfficeReportDraftIn,
    submit=OfficeReportSubmitIn,
    open_schema=OfficeReportOpenIn,
    opening=_opening,
    overdue="Báo Văn phòng: quá hạn trình báo cáo đánh giá",
)
