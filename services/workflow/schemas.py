"""Request and response shapes of the workflow API (marshmallow), per SPEC §8."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.workflow.domain import ACTION_LABELS, STATUS_LABELS


class TaskQuery(Schema):
    unit = fields.String(load_default=None, validate=validate.Length(max=40))
    status = fields.String(load_default=None, validate=validate.OneOf(sorted(STATUS_LABELS)))
    overdue = fields.Boolean(load_default=None, allow_none=True)
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class ActionIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))


class HistoryOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    action_label = fields.String(allow_none=True)
    status_from = fields.String(allow_none=True)
    status_to = fields.String()
    actor = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)


class TaskOut(Schema):
    id = fields.String()
    document_id = fields.String()
    document_number = fields.String()
    assigned_by = fields.String()
    content = fields.String()
    lead_unit = fields.String()
    coordinating_units = fields.List(fields.String())
    assigned_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    cadence = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(sorted(STATUS_LABELS)))
    status_label = fields.String()
    overdue = fields.Boolean()
    extension_pending = fields.Boolean()
    actions = fields.List(fields.String(validate=validate.OneOf(sorted(ACTION_LABELS))))
    history = fields.List(fields.Nested(HistoryOut))


class TaskSummaryOut(TaskOut):
    class Meta:
        exclude = ("actions", "history")


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskSummaryOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ProcessModelOut(Schema):
    process_id = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    deployed_at = fields.AwareDateTime()
    deployed_by = fields.String(allow_none=True)


class ProcessModelList(Schema):
    items = fields.List(fields.Nested(ProcessModelOut))
