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

What it shares with the evaluation report (Đ16.2) — statuses, actions, events, the approve,
return and publish schemas, one case per group — is reviewed_reports.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields
from sqlalchemy import Connection

from services.workflow.cases import Opening
from services.workflow.kinds import reviewed_reports
from services.workflow.kinds.reviewed_reports import REPORT_ID
from shared import dates
from shared.auth import Principal
from shared.calendar import local_date
from shared.errors import ValidationFailed

# The Office's written sections (Đ20.1), in the report's order: its assessment of the year's
# implementation, the guidance and training it gave the units, the difficulties, its proposals.
SECTIONS = ("assessment", "training", "difficulties", "proposals")
SECTION_LABELS = {
    "assessment": "Đánh giá kết quả triển khai thực hiện Quy chế",
    "training": "Hướng dẫn vận hành Hệ thống, đào tạo, tập huấn",
    "difficulties": "Khó khăn, vướng mắc",
    "proposals": "Đề xuất, kiến nghị",
}
_LOCK_KEY = 2001  # PostgreSQL advisory lock: one opening of a year's report at a time


def group_id(year: int) -> str:
    return f"d20-{year}"


class AnnualReportOpenIn(Schema):
    """Đ20.1: the year reported on, the stored report of its figures, and the date by which the
    People's Committee expects it (the regulation sets none)."""

    year = fields.Integer(required=True, validate=dates.supported_year())
    report_id = fields.String(required=True, validate=REPORT_ID)
    due_on = fields.Date(required=True, validate=dates.supported_date())


AnnualReportDraftIn, AnnualReportSubmitIn = reviewed_reports.section_schemas(
    "AnnualReport",
    SECTIONS,
    draft_doc="The Office's sections as it drafts them; every section may still be empty.",
    submit_doc="""The report as submitted to the Office's leader: every section written, and the
    stored figures it presents.""",
)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    year = body["year"]
    if year > local_date(now).year:
        raise ValidationFailed(
            "Chưa đến năm báo cáo này.", {"year": ["Chưa đến năm báo cáo này (Điều 20)."]}
        )
    group = group_id(year)
    reviewed_reports.open_once(
        conn, KIND.kind, group, _LOCK_KEY, "Văn phòng đã lập báo cáo năm này."
    )
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


KIND = reviewed_reports.case_kind(
    kind="annual_report",
    path="annual-reports",
    label="Báo cáo năm về thực hiện Quy chế",
    prefix="AnnualReport",
    draft=AnnualReportDraftIn,
    submit=AnnualReportSubmitIn,
    open_schema=AnnualReportOpenIn,
    opening=_opening,
    overdue="Báo Văn phòng: quá hạn trình báo cáo năm",
)
