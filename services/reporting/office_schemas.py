"""Response shapes of the Office's own work (marshmallow): its intake compliance (Đ6.1) and the
documents behind it, and its confirmation lag (Đ16), by month and in all; see
docs/contracts.md."""

from __future__ import annotations

from marshmallow import Schema, fields


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
