"""Which units sent their periodic report, on time or late, and which did not (Đ18.1; an input to
Đ21): `GET /api/reporting/unit-reports?period=2026-Q4[&unit=]`.

A unit's report is a case of the workflow service (services/workflow/kinds/unit_reports.py);
reporting learns its submissions, returns and acceptance from the `unit_report.*` events
(`unit_report_facts`). Whether a report came on time is the workflow diagram's word (its first
submission, on or before the period's last day). Each active unit but the Office is one row,
as things stand now:

- `on_time`, `late`: submitted (the Office's review aside: `report_status` says where it is);
- `not_reported`: nothing submitted and the period's last day has passed;
- `pending`: nothing submitted yet, the last day still to come.

The last day is Đ18.1's "trước ngày 20" read as the workflow reads it: the 19th of the quarter's
last month, of May for the half-year and of November for the year.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates
from sqlalchemy import Connection, or_, select

from services.reporting import store
from shared import dates
from shared.calendar import local_date

PREFIX = "/api/reporting"
PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H1))?$")
STANDINGS = {
    "on_time": "Đã gửi đúng hạn",
    "late": "Đã gửi chậm hạn",
    "not_reported": "Không gửi báo cáo",
    "pending": "Chưa gửi, chưa đến hạn",
}
REPORT_STATUSES = {
    "submitted": "Chờ Văn phòng xem xét",
    "submitted_late": "Chờ Văn phòng xem xét",
    "returned": "Văn phòng trả lại để chỉnh sửa",
    "accepted": "Văn phòng đã tiếp nhận",
}
LAST_DAY = 19  # "trước ngày 20" (Đ18.1)
OFFICE_KIND = "office"


class UnitReportQuery(Schema):
    period = fields.String(
        required=True,
        validate=validate.Regexp(PERIOD, error="Kỳ báo cáo có dạng 2026-Q1, 2026-H1 hoặc 2026."),
    )
    unit = fields.String(load_default=None, validate=validate.Length(max=40))

    @validates("period")
    def _year(self, value: str, **_: Any) -> None:
        if value[:4].isdigit() and not dates.FIRST_YEAR <= int(value[:4]) <= dates.LAST_YEAR:
            raise ValidationError(
                f"Năm của kỳ phải trong khoảng {dates.FIRST_YEAR}–{dates.LAST_YEAR}."
            )


class UnitReportCounts(Schema):
    units = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    not_reported = fields.Integer()
    pending = fields.Integer()
    accepted = fields.Integer()


class UnitReportRow(Schema):
    unit = fields.String()
    name = fields.String(allow_none=True)
    standing = fields.String(validate=validate.OneOf(sorted(STANDINGS)))
    standing_label = fields.String()
    case_id = fields.String(allow_none=True)
    report_status = fields.String(allow_none=True)
    report_status_label = fields.String(allow_none=True)
    submitted_on = fields.Date(allow_none=True)
    returns = fields.Integer()
    accepted_on = fields.Date(allow_none=True)


class UnitReportStatsOut(Schema):
    period = fields.String()
    units_due_on = fields.Date()
    as_of = fields.AwareDateTime()
    totals = fields.Nested(UnitReportCounts)
    units = fields.List(fields.Nested(UnitReportRow))
    labels = fields.Dict(keys=fields.String(), values=fields.String())


def units_due_on(period: str) -> date:
    """The period's last day for units (Đ18.1)."""
    match = PERIOD.match(period)
    if match is None:
        raise ValueError(period)
    year, part = int(match[1]), match[2]
    month = 11 if part is None else 5 if part == "H1" else 3 * int(part[1])
    return date(year, month, LAST_DAY)


def stats(conn: Connection, period: str, unit: str | None, now: datetime) -> dict[str, Any]:
    due = units_due_on(period)
    facts = store.unit_report_facts.c
    query = select(store.unit_report_facts).where(facts.period == period)
    if unit:
        query = query.where(facts.unit == unit)
    reports = {row["unit"]: dict(row) for row in conn.execute(query).mappings()}
    u = store.units.c
    known = select(u.code, u.name).where(
        or_(u.active.is_(True), u.code.in_(list(reports))),
        or_(u.kind.is_(None), u.kind != OFFICE_KIND),
    )
    if unit:
        known = known.where(u.code == unit)
    names = {row.code: row.name for row in conn.execute(known)}
    codes = sorted(set(names) | set(reports))
    past = local_date(now) > due
    rows = [_row(code, names.get(code), reports.get(code), past) for code in codes]
    totals = {name: sum(1 for row in rows if row["standing"] == name) for name in STANDINGS}
    accepted = sum(1 for row in rows if row["report_status"] == "accepted")
    return {
        "period": period,
        "units_due_on": due,
        "as_of": now,
        "totals": {"units": len(rows), **totals, "accepted": accepted},
        "units": rows,
        "labels": STANDINGS,
    }


def _row(code: str, name: str | None, report: dict[str, Any] | None, past: bool) -> dict[str, Any]:
    if report is None:
        standing = "not_reported" if past else "pending"
        status = None
    else:
        standing = "late" if report["late"] else "on_time"
        status = report["status"]
    return {
        "unit": code,
        "name": name,
        "standing": standing,
        "standing_label": STANDINGS[standing],
        "case_id": report["case_id"] if report else None,
        "report_status": status,
        "report_status_label": REPORT_STATUSES.get(status) if status else None,
        "submitted_on": local_date(report["first_submitted_at"]) if report else None,
        "returns": report["returns"] if report else 0,
        "accepted_on": local_date(report["accepted_at"])
        if report and report["accepted_at"]
        else None,
    }
