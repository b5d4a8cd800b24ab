"""Request and response shapes of the notify API (marshmallow)."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from services.notify.domain import PUBLIC_EVENT_TYPES
from services.notify.outbound import DIGEST, IMMEDIATE, PERSON_DELIVERIES, UNIT_MODES


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


_CHOICE = "Phải là một trong: {choices}."


class PreferencesIn(Schema):
    """The caller's own e-mail (`email`, `delivery`) and, for a unit's people, the unit's choice
    (`email_mode`). The earlier body `{"email": "digest"}` still sets the unit's choice."""

    email = fields.Email(
        load_default=None,
        allow_none=True,
        validate=validate.Length(max=320),
        error_messages={"invalid": "Địa chỉ e-mail không hợp lệ."},
        metadata={"description": "The caller's address; null: none"},
    )
    delivery = fields.String(
        load_default=None,
        validate=validate.OneOf(PERSON_DELIVERIES, error=_CHOICE),
        metadata={"description": "E-mail each message at once, in one daily digest, or none"},
    )
    email_mode = fields.String(
        load_default=None,
        validate=validate.OneOf(UNIT_MODES, error=_CHOICE),
        metadata={"description": "The caller's unit: e-mail at once or one daily digest"},
    )

    @pre_load
    def _earlier_form(self, data: Any, **_: Any) -> Any:
        if isinstance(data, dict) and set(data) == {"email"} and data["email"] in UNIT_MODES:
            return {"email_mode": data["email"]}
        return data

    @validates_schema
    def _complete(self, data: dict[str, Any], **_: Any) -> None:
        if data["delivery"] is None and data["email_mode"] is None:
            raise ValidationError("Cần chọn cách nhận thư ('delivery').", "delivery")
        if data["delivery"] is None and data["email"] is not None:
            raise ValidationError("Cần chọn cách nhận thư ('delivery').", "delivery")
        if data["delivery"] in (IMMEDIATE, DIGEST) and not data["email"]:
            raise ValidationError("Cần địa chỉ e-mail để nhận thư.", "email")


class PreferencesOut(Schema):
    sub = fields.String()
    name = fields.String()
    unit = fields.String(allow_none=True)
    email = fields.String(allow_none=True)
    delivery = fields.String()
    email_mode = fields.String(
        allow_none=True, metadata={"description": "The caller's unit's choice"}
    )
    updated_at = fields.AwareDateTime(allow_none=True)
