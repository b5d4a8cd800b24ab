"""Request and response shapes of the reporting API (marshmallow), per SPEC §8."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema


class StatsQuery(Schema):
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    unit = fields.String(load_default=None, validate=validate.Length(max=40))

    @validates_schema
    def _ordered(self, data: dict[str, Any], **_: Any) -> None:
        if data["from_"] > data["to"]:
            raise ValidationError("'from' phải không sau 'to'.", "from")


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


class StatsOut(Schema):
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    as_of = fields.AwareDateTime()
    totals = fields.Nested(CategoryCounts)
    units = fields.List(fields.Nested(UnitCounts))
    labels = fields.Dict(keys=fields.String(), values=fields.String())
