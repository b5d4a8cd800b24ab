"""The Office's annual report on this regulation (Đ20.1): each year the Office compiles and
reports to the People's Committee and its Chairman the results of implementing the regulation —
the year's figures (the national categories, the on-time rate, by unit and by assigning leader),
its own intake and confirmation compliance, the inspections held and their conclusions
(Đ10–Đ15), the feedback it handled (Đ16.6, Đ17.2, Đ17.3) — with its written assessment, the
guidance and training it gave (Đ20.1's first sentence), the difficulties met and its proposals;
the Office's leader approves it or returns it, and the Office publishes the approved report.

One case per year, opened by the Office (`POST /api/workflow/annual-reports {year, report_id,
due_on}`); `report_id` is the reporting service's stored report of the year's figures
(`POST /api/reporting/annual`), which the case's `save` and `submit` may replace by a newer one.
A second opening for the year is 409, naming the first. The case's `group_id` is the year's
(`d20-<year>`). Đ20.1 says "hàng năm" and sets no day, so the Office enters the date by which the
People's Committee expects the report (its year-end review): the case's due date, after which
the diagram tells the Office once if it has not been submitted (docs/adding-a-process.md has
the kinds; the README says why the date is the Office's).

The diagram (bpmn/annual_report.bpmn) is draft → submitted → approved (or returned → draft) →
published. Reporting keeps the sections of each submission (`annual_report.submitted`) and, on
`annual_report.published`, attaches the last one — the version the leader approved — to its
stored report and publishes it: the public page shows the approved text, never a draft.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, select, text

from services.workflow.case_store import cases as cases_table
from services.workflow.cases import CaseKind, Opening
from shared import dates
from shared.auth import OFFICE_ROLES, Principal
from shared.calendar import local_date
from shared.db import is_postgres
from shared.errors import Conflict, ValidationFailed

STATUSES = {
    "draft": "Văn phòng đang viết báo cáo",
    "submitted": "Đã trình, chờ lãnh đạo Văn phòng duyệt",
    "returned": "Lãnh đạo Văn phòng trả lại để chỉnh sửa",
    "approved": "Lãnh đạo Văn phòng đã duyệt, chờ công bố",
    "published": "Đã công bố",
}

ACTIONS = {
    "save": "Lưu dự thảo báo cáo",
    "submit": "Trình lãnh đạo Văn phòng duyệt",
    "approve": "Duyệt báo cáo",
    "return": "Trả lại để chỉnh sửa",
    "publish": "Công bố báo cáo",
}

EVENTS = {
    "submit": "annual_report.submitted",
    "approve": "annual_report.approved",
    "return": "annual_report.returned",
    "publish": "annual_report.published",
}

# The Office's written sections (Đ20.1), in the report's order: its assessment of the year's
# implementation, the guidance and training it gave the units, the difficulties, its proposals.
SECTIONS = ("assessment", "training", "difficulties", "proposals")
SECTION_LABELS = {
    "assessment": "Đánh giá kết quả triển khai thực hiện Quy chế",
    "training": "Hướng dẫn vận hành Hệ thống, đào tạo, tập huấn",
    "difficulties": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị",
}
_REPORT_ID = validate.Regexp(r"^[0-9a-f]{32}$", error="Mã báo cáo số liệu không hợp lệ.")
_LOCK_KEY = 2001  # PostgreSQL advisory lock: one opening of a year's report at a time
_TEXT = 50000


def group_id(year: int) -> str:
    return f"d20-{year}"


def _section(required: bool) -> fields.String:
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=_TEXT))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=_TEXT))


class AnnualReportOpenIn(Schema):
    """Đ20.1: the year reported on, the stored report of its figures, and the date by which the
    People's Committee expects it (the regulation sets none)."""

    year = fields.Integer(required=True, validate=dates.supported_year())
    report_id = fields.String(required=True, validate=_REPORT_ID)
    due_on = fields.Date(required=True, validate=dates.supported_date())


class AnnualReportDraftIn(Schema):
    """The Office's sections as it drafts them; every section may still be empty."""

    report_id = fields.String(validate=_REPORT_ID)  # left out: the case keeps its report
    assessment = _section(False)
    training = _section(False)
    difficulties = _section(False)
    proposals = _section(False)


class AnnualReportSubmitIn(AnnualReportDraftIn):
    """The report as submitted to the Office's leader: every section written, and the stored
    figures it presents."""

    report_id = fields.String(required=True, validate=_REPORT_ID)
    assessment = _section(True)
    training = _section(True)
    difficulties = _section(True)
    proposals = _section(True)


class AnnualReportReturnIn(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class AnnualReportApproveIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class AnnualReportPublishIn(Schema):
    """The number and symbol the clerk gave the report (Nghị định 30/2020), if any."""

    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


def _may_open(principal: Principal) -> bool:
    return principal.has_role(*OFFICE_ROLES)


def _existing(conn: Connection, group: str) -> str | None:
    query = select(cases_table.c.case_id).where(
        cases_table.c.kind == KIND.kind, cases_table.c.group_id == group
    )
    return conn.execute(query).scalar()


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    year = body["year"]
    if year > local_date(now).year:
        raise ValidationFailed(
            "Chưa đến năm báo cáo này.", {"year": ["Chưa đến năm báo cáo này (Điều 20)."]}
        )
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
    group = group_id(year)
    found = _existing(conn, group)
    if found is not None:
        raise Conflict("Văn phòng đã lập báo cáo năm này.", case_id=found, actions=[])
    due_on = body["due_on"]
    return [
        Opening(
            title=f"Báo cáo kết quả triển khai thực hiện Quy chế năm {year} (trình trước ngày "
            f"{due_on:%d/%m/%Y})",
            parties={},
            data={
                "year": year,
                "report_due_on": due_on.isoformat(),
                "report_id": body["report_id"],
            },
            group_id=group,
            note=f"Lập báo cáo kết quả triển khai thực hiện Quy chế năm {year} (Điều 20 khoản 1)",
        )
    ]


KIND = CaseKind(
    kind="annual_report",
    process_id="annual_report",
    path="annual-reports",
    label="Báo cáo năm về thực hiện Quy chế",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "save": AnnualReportDraftIn,
        "submit": AnnualReportSubmitIn,
        "approve": AnnualReportApproveIn,
        "return": AnnualReportReturnIn,
        "publish": AnnualReportPublishIn,
    },
    events=EVENTS,
    open_schema=AnnualReportOpenIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels={"overdue": "Báo Văn phòng: quá hạn trình báo cáo năm"},
    query_filters=("group_id",),
    note_fields=("reason", "note", "number"),
)
