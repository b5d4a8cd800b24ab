"""Request and response shapes of the notify API (marshmallow)."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.notify.domain import PUBLIC_EVENT_TYPES


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


# -- webhooks, deliveries, contacts, preferences ------------------------------------------------
class SubscriptionIn(Schema):
    url = fields.String(required=True, validate=validate.Length(min=8, max=2000))
    event_types = fields.List(
        fields.String(validate=validate.OneOf(PUBLIC_EVENT_TYPES)),
        required=True,
        validate=validate.Length(min=1, max=len(PUBLIC_EVENT_TYPES)),
    )
    secret = fields.String(required=True, validate=validate.Length(min=16, max=500))


class SubscriptionOut(Schema):
    id = fields.String()
    url = fields.String()
    event_types = fields.List(fields.String())
    created_at = fields.AwareDateTime()


class SubscriptionList(Schema):
    items = fields.List(fields.Nested(SubscriptionOut))


class DeliveryQuery(Schema):
    status = fields.String(
        load_default=None, validate=validate.OneOf(["pending", "delivered", "failed", "digested"])
    )
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class DeliveryOut(Schema):
    id = fields.String()
    event_id = fields.String()
    event_type = fields.String()
    channel = fields.String()
    recipient = fields.String()
    target = fields.String()
    status = fields.String()
    attempts = fields.Integer()
    next_attempt_at = fields.AwareDateTime(allow_none=True)
    last_error = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    delivered_at = fields.AwareDateTime(allow_none=True)


class DeliveryPage(Schema):
    items = fields.List(fields.Nested(DeliveryOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ContactIn(Schema):
    email = fields.Email(required=True, validate=validate.Length(max=320))


class ContactOut(Schema):
    unit = fields.String()
    email = fields.String()
    email_mode = fields.String()


class PreferencesIn(Schema):
    email = fields.String(required=True, validate=validate.OneOf(["immediate", "digest"]))
