"""Request and response shapes of the reporting API (marshmallow); see docs/contracts.md."""

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


class MonthCompliance(Schema):
    month = fields.Integer(allow_none=True)  # 1–12; None on the totals row
    released = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class ComplianceOut(Schema):
    year = fields.Integer()
    months = fields.List(fields.Nested(MonthCompliance))
    totals = fields.Nested(MonthCompliance)


class IntakeDocument(Schema):
    document_id = fields.String()
    number = fields.String()
    issued_on = fields.Date()
    intake_deadline = fields.Date()
    released_at = fields.AwareDateTime()
    released_late = fields.Boolean()


class IntakeDocumentPage(Schema):
    items = fields.List(fields.Nested(IntakeDocument))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class LagFigures(Schema):
    month = fields.String(allow_none=True)  # YYYY-MM; None on the totals row
    decided = fields.Integer()
    confirmed = fields.Integer()
    rework = fields.Integer()
    median_days = fields.Float(allow_none=True)
    p90_days = fields.Integer(allow_none=True)


class WaitingResult(Schema):
    task_id = fields.String()
    content = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)
    document_number = fields.String(allow_none=True)
    lead_unit = fields.String()
    lead_unit_name = fields.String(allow_none=True)
    due_on = fields.Date(allow_none=True)
    submitted_at = fields.AwareDateTime()
    waiting_days = fields.Integer()


class ConfirmationLagOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    wait_days = fields.Integer()
    months = fields.List(fields.Nested(LagFigures))
    totals = fields.Nested(LagFigures)
    waiting = fields.List(fields.Nested(WaitingResult))


class IntakeMonth(Schema):
    month = fields.String()  # YYYY-MM
    released = fields.Integer()
    on_time = fields.Integer()
    late = fields.Integer()
    on_time_rate = fields.Float(allow_none=True)


class OfficeFigures(Schema):
    intake = fields.List(fields.Nested(IntakeMonth))  # Đ6.1
    confirmation_lag = fields.Nested(ConfirmationLagOut)


class ReportIn(Schema):
    """`period` is `2026-Q4`, `2026-H1`, `2026` (or a month), or an object `{from, to}`."""

    period = fields.Raw(required=True)

    @post_load
    def _resolve(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        raw = data["period"]
        if isinstance(raw, dict):
            try:
                loaded = PeriodQuery().load({k: v for k, v in raw.items() if k in ("from", "to")})
            except ValidationError as exc:
                raise ValidationError(exc.messages, "period") from None  # period.from, period.to
            label = f"{loaded['from_'].isoformat()}..{loaded['to'].isoformat()}"
            return {"period": label, "from_": loaded["from_"], "to": loaded["to"]}
        if isinstance(raw, str):
            try:
                loaded = PeriodQuery().load({"period": raw})
            except ValidationError as exc:
                raise ValidationError(exc.messages_dict["period"], "period") from None
            return {"period": loaded["period"], "from_": loaded["from_"], "to": loaded["to"]}
        raise ValidationError("Kỳ báo cáo phải là chuỗi (2026-Q4) hoặc {from, to}.", "period")


class EvaluationSections(Schema):
    """The Office's assessment (Đ8.1a), difficulties and proposals (Đ16.4)."""

    progress = fields.String(allow_none=True)
    quality = fields.String(allow_none=True)
    effectiveness = fields.String(allow_none=True)
    difficulties = fields.String(allow_none=True)
    proposals = fields.String(allow_none=True)


class Evaluation(Schema):
    """The Office's evaluation of the report as its leader approved and the Office published it
    (Đ16.2, Đ18.2)."""

    period = fields.String()
    number = fields.String(allow_none=True)
    published_at = fields.AwareDateTime()
    sections = fields.Nested(EvaluationSections)


class AnnualSections(Schema):
    """The Office's written sections of its annual report (Đ20.1)."""

    assessment = fields.String(allow_none=True)
    training = fields.String(allow_none=True)
    difficulties = fields.String(allow_none=True)
    proposals = fields.String(allow_none=True)


class Annual(Schema):
    """The Office's annual report as its leader approved and the Office published it (Đ20.1)."""

    year = fields.Integer()
    number = fields.String(allow_none=True)
    published_at = fields.AwareDateTime()
    sections = fields.Nested(AnnualSections)


class Conclusion(Schema):
    unit = fields.String()
    name = fields.String(allow_none=True)
    result = fields.String()  # done, not_done, done_wrongly (Đ15.3b)
    result_label = fields.String(allow_none=True)


class InspectionRow(Schema):
    case_id = fields.String()
    kind = fields.String()  # inspection (the Working Group's), unit_inspection (Đ10.2b)
    kind_label = fields.String()
    form = fields.String(allow_none=True)  # regular, ad_hoc (Đ12)
    form_label = fields.String(allow_none=True)
    units = fields.List(fields.String())
    unit_names = fields.List(fields.String())
    ended_on = fields.Date()
    reported_on = fields.Date(allow_none=True)
    presented_on = fields.Date(allow_none=True)
    conclusions = fields.List(fields.Nested(Conclusion))


class InspectionTotals(Schema):
    held = fields.Integer()
    working_group = fields.Integer()
    unit_own = fields.Integer()
    regular = fields.Integer()
    ad_hoc = fields.Integer()
    reported = fields.Integer()
    presented = fields.Integer()
    running = fields.Integer()
    units_inspected = fields.Integer()
    planned = fields.Integer()


class InspectionFigures(Schema):
    """The year's inspections held, their reports' results per unit (Đ15.3) and the plan."""

    totals = fields.Nested(InspectionTotals)
    results = fields.Dict(keys=fields.String(), values=fields.Integer())
    result_labels = fields.Dict(keys=fields.String(), values=fields.String())
    items = fields.List(fields.Nested(InspectionRow))


class FeedbackFigures(Schema):
    """Feedback on other units received in the year and how the Office handled it (Đ16.6)."""

    received = fields.Integer()
    handled = fields.Integer()
    handled_late = fields.Integer()
    outstanding = fields.Integer()
    outcomes = fields.Dict(keys=fields.String(), values=fields.Integer())
    outcome_labels = fields.Dict(keys=fields.String(), values=fields.String())


class AnnualIn(Schema):
    year = fields.Integer(required=True, validate=dates.supported_year())


class AnnualOut(Schema):
    """The year's figures of the annual report on this regulation (Đ20.1)."""

    year = fields.Integer()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    totals = fields.Nested(CategoryCounts)
    units = fields.List(fields.Nested(UnitCounts))
    leaders = fields.List(fields.Nested(GroupCounts))
    office = fields.Nested(OfficeFigures)
    inspections = fields.Nested(InspectionFigures)
    feedback = fields.Nested(FeedbackFigures)


class ReportOut(Schema):
    id = fields.String()
    period = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    published = fields.Boolean()
    published_at = fields.AwareDateTime(allow_none=True)
    generated_at = fields.AwareDateTime()
    generated_by = fields.String()
    totals = fields.Nested(CategoryCounts)
    units = fields.List(fields.Nested(UnitCounts))
    # The units above in Đ21 order, ranked from the same stored figures.
    rankings = fields.List(fields.Nested(RankingRow))
    ranking_rule = fields.String()  # Đ21's order, written out
    # Not in the public view (Đ16.2 publishes the results): what the Office's report adds.
    explanations = fields.List(fields.Nested(TaskRow))  # Đ17.4
    office = fields.Nested(OfficeFigures)
    leaders = fields.List(fields.Nested(GroupCounts))  # by assigning leader
    # Published with the report (Đ16.2): the Office's approved evaluation, if any.
    evaluation = fields.Nested(Evaluation, allow_none=True)
    # A year's figures kept for the annual report (Đ20.1), and that report once published.
    inspections = fields.Nested(InspectionFigures, allow_none=True)
    feedback = fields.Nested(FeedbackFigures, allow_none=True)
    annual = fields.Nested(Annual, allow_none=True)


class ReportPage(Schema):
    items = fields.List(fields.Nested(ReportOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class DocumentIn(Schema):
    """What a kind of official document presents (services/reporting/documents/<kind>.py says
    the keys): the client assembles it from the APIs it reads."""

    data = fields.Dict(required=True)


class TemplateUploadIn(Schema):
    """A template sent as JSON; `multipart/form-data` with the part `file` is the other way."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    content_base64 = fields.String(required=True)


class TemplateVersionOut(Schema):
    version = fields.Integer()
    shipped = fields.Boolean(metadata={"description": "the template shipped with the system"})
    name = fields.String(allow_none=True)
    size = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    created_by = fields.String()


class DocumentTemplateOut(Schema):
    kind = fields.String()
    label = fields.String()
    articles = fields.String()
    version = fields.Integer(metadata={"description": "0: the shipped template, never changed"})
    shipped = fields.Boolean()
    current = fields.Nested(TemplateVersionOut, allow_none=True)
    versions = fields.List(fields.Nested(TemplateVersionOut))


class DocumentTemplateList(Schema):
    items = fields.List(fields.Nested(DocumentTemplateOut))
