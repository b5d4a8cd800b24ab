"""Request and response shapes of the reporting API (marshmallow): the queries its reads take (a
period, a page, the filters) and the tasks' figures (statistics, trend, task lists, rankings, Đ21
candidates). The Office's work, the stored reports and the official documents have theirs in
office_schemas.py, report_schemas.py and document_schemas.py; see docs/contracts.md."""

from __future__ import annotations

from typing import Any

from marshmallow import (
    Schema,
    ValidationError,
    fields,
    post_load,
    validate,
    validates_schema,
)

from services.reporting import domain
from shared import dates

_UNIT = validate.Length(max=40)
LEADERS = tuple(domain.LEADER_LABELS)


class PeriodQuery(Schema):
    """Either `period` (2026, 2026-H1, 2026-Q4, 2026-11) or both `from` and `to`."""

    period = fields.String(load_default=None, validate=validate.Length(max=10))
    from_ = fields.Date(load_default=None, data_key="from", validate=dates.supported_date())
    to = fields.Date(load_default=None, validate=dates.supported_date())

    @validates_schema
    def _period(self, data: dict[str, Any], **_: Any) -> None:
        if data.get("period"):
            try:
                start, _end = domain.period_range(data["period"])
            except ValueError:
                raise ValidationError(
                    "Kỳ phải có dạng 2026, 2026-H1, 2026-Q4 hoặc 2026-11.", "period"
                ) from None
            if not dates.FIRST_YEAR <= start.year <= dates.LAST_YEAR:
                raise ValidationError(
                    f"Năm của kỳ phải trong khoảng {dates.FIRST_YEAR}–{dates.LAST_YEAR}.", "period"
                )
            return
        if data.get("from_") is None or data.get("to") is None:
            raise ValidationError("Cần 'period', hoặc cả 'from' và 'to'.", "period")
        if data["from_"] > data["to"]:
            raise ValidationError("'from' phải không sau 'to'.", "from")
        problem = dates.span_problem(data["from_"], data["to"])  # README "Dates people enter"
        if problem:
            raise ValidationError(problem, "to")

    @post_load
    def _resolve(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if data.get("period"):
            data["period"] = data["period"].upper()
            data["from_"], data["to"] = domain.period_range(data["period"])
        return data


class StatsQuery(PeriodQuery):
    unit = fields.String(load_default=None, validate=_UNIT)
    document = fields.String(load_default=None, validate=validate.Length(max=32))
    assigned_by = fields.String(load_default=None, validate=validate.OneOf(LEADERS))
    # The document's signer: with assigned_by=pho_chu_tich, one Vice-Chairman's tasks.
    signer = fields.String(load_default=None, validate=validate.Length(min=1, max=200))
    # Đ8.2a: one sector's tasks; a department reads every unit's in the sectors it manages.
    sector = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    by = fields.String(
        load_default="unit", validate=validate.OneOf(("unit", "document", "leader", "officer"))
    )


class Page(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class TaskListQuery(StatsQuery, Page):
    category = fields.String(load_default=None, validate=validate.OneOf(domain.CATEGORIES))


class ExplanationQuery(PeriodQuery, Page):
    unit = fields.String(load_default=None, validate=_UNIT)


class RankingQuery(PeriodQuery):
    pass


class YearQuery(Schema):
    year = fields.Integer(required=True, validate=dates.supported_year())


class IntakeDocumentsQuery(PeriodQuery, Page):
    late = fields.Boolean(load_default=None)


class CategoryCounts(Schema):
    completed_on_time = fields.Integer()
    completed_late = fields.Integer()
    in_progress_on_time = fields.Integer()
    in_progress_overdue = fields.Integer()
    undated_completed = fields.Integer()
    undated_in_progress = fields.Integer()
    total = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class UnitCounts(CategoryCounts):
    unit = fields.String()
    name = fields.String()


class GroupCounts(CategoryCounts):
    key = fields.String()
    name = fields.String()
    # By leader only: the slug, and the Vice-Chairman who signed (None for the others).
    leader = fields.String()
    signer_name = fields.String(allow_none=True)


class StatsOut(Schema):
    period = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    by = fields.String()
    totals = fields.Nested(CategoryCounts)
    units = fields.List(fields.Nested(UnitCounts))
    groups = fields.List(fields.Nested(GroupCounts))
    labels = fields.Dict(keys=fields.String(), values=fields.String())


class TrendMonth(CategoryCounts):
    month = fields.String()  # YYYY-MM
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()


class TrendOut(Schema):
    period = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    labels = fields.Dict(keys=fields.String(), values=fields.String())
    months = fields.List(fields.Nested(TrendMonth))


class TaskRow(Schema):
    task_id = fields.String()
    content = fields.String(allow_none=True)
    document_id = fields.String()
    document_number = fields.String(allow_none=True)
    document_issued_on = fields.Date(allow_none=True)
    lead_unit = fields.String()
    lead_unit_name = fields.String(allow_none=True)
    assigned_by = fields.String(allow_none=True)
    signer_name = fields.String(allow_none=True)
    assigned_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    status = fields.String()
    completed_on = fields.Date(allow_none=True)
    rework_count = fields.Integer()
    category = fields.String()
    category_label = fields.String()
    reasons = fields.List(fields.String())


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskRow))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class RankingRow(UnitCounts):
    rank = fields.Integer(allow_none=True)


class RankingOut(Schema):
    period = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    rule = fields.String()
    items = fields.List(fields.Nested(RankingRow))


class CandidateFigures(Schema):
    completed_on_time = fields.Integer()
    completed_late = fields.Integer()
    in_progress_overdue = fields.Integer()
    reworked = fields.Integer()  # tasks sent back for rework at least twice (Đ17.4)


class Candidate(Schema):
    """A unit or officer the Đ21 rule proposes; the workflow's commendation case takes it as is."""

    key = fields.String()
    subject = fields.String(validate=validate.OneOf(("unit", "officer")))
    unit = fields.String()
    name = fields.String()
    sub = fields.String(allow_none=True)
    proposal = fields.String(validate=validate.OneOf(("commend", "review")))
    reason = fields.String()
    figures = fields.Nested(CandidateFigures)


class CandidatesOut(Schema):
    period = fields.String(allow_none=True)
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    rule = fields.String()
    items = fields.List(fields.Nested(Candidate))
