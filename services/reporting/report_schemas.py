"""Request and response shapes of the stored reports (marshmallow): a periodic report asked for
(Đ18) and as stored, the Office's evaluation (Đ16.2) and annual report (Đ20.1), and the year's
inspections and feedback that the annual report presents; see docs/contracts.md."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load

from services.reporting.office_schemas import OfficeFigures
from services.reporting.schemas import (
    CategoryCounts,
    GroupCounts,
    PeriodQuery,
    RankingRow,
    TaskRow,
    UnitCounts,
)
from shared import dates


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
