"""Request and response shapes of the notify API (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class InboxQuery(Schema):
    unread = fields.Boolean(load_default=None, allow_none=True)
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class InboxItemOut(Schema):
    id = fields.String()
    event_type = fields.String()
    title = fields.String()
    body = fields.String()
    task_id = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    read = fields.Boolean()


class InboxPage(Schema):
    items = fields.List(fields.Nested(InboxItemOut))
    total = fields.Integer()
    unread = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class MarkedOut(Schema):
    marked = fields.Integer()
