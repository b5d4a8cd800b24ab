"""Notify routes for outgoing channels: webhooks, deliveries, contacts and preferences."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from services.notify import outbound, schemas, store, urls
from services.notify.config import ChannelSettings
from shared.auth import Principal, require_roles
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.http import ApiRouter, json_body, page, query_args

if TYPE_CHECKING:
    from shared.runtime import Runtime

PREFIX = "/api/notify"
AGENCY, OFFICE, OFFICE_LEAD, QLVB = "agency", "office", "office_lead", "qlvb"
UNIT_ROLES = ("unit_officer", "unit_head")


def owner_of(caller: Principal) -> str:
    """An agency's subscriptions belong to its unit code (or, without one, to its subject)."""
    return caller.unit or caller.sub


def install(
    router: ApiRouter,
    service: Runtime,
    channels: ChannelSettings,
    principal: Callable[[], Principal],
    resolver: urls.Resolver = urls.resolve,
) -> None:
    platform = service.platform
    delivery_query = schemas.DeliveryQuery()
    subscription_in = schemas.SubscriptionIn()

    @router.route(
        f"{PREFIX}/subscriptions",
        "POST",
        request=schemas.SubscriptionIn,
        response=schemas.SubscriptionOut,
        status=201,
        summary="Subscribe a webhook to published event types (agencies)",
    )
    def post_subscription() -> Any:
        caller = principal()
        require_roles(caller, AGENCY)
        body = json_body(subscription_in)
        try:
            urls.check_url(body["url"], development=channels.webhook_loopback, resolver=resolver)
        except urls.UnsafeUrl as exc:
            raise ValidationFailed(str(exc), {"url": [str(exc)]}) from exc
        with platform.unit_of_work() as uow:
            row = outbound.add_subscription(
                uow.conn,
                {
                    "id": uuid.uuid4().hex,
                    "owner": owner_of(caller),
                    "url": body["url"],
                    "event_types": sorted(set(body["event_types"])),
                    "secret": body["secret"],
                    "created_at": uow.now,
                },
            )
            uow.audit(
                caller.to_actor(),
                "subscribe",
                "webhook_subscription",
                row["id"],
                {"url": row["url"], "event_types": row["event_types"]},
            )
        return _public(row), 201

    @router.route(
        f"{PREFIX}/subscriptions",
        response=schemas.SubscriptionList,
        summary="The caller's webhook subscriptions (agencies)",
    )
    def get_subscriptions() -> Any:
        caller = principal()
        require_roles(caller, AGENCY)
        with platform.database.read() as conn:
            rows = outbound.list_subscriptions(conn, owner_of(caller))
        return {"items": [_public(row) for row in rows]}

    @router.route(
        f"{PREFIX}/subscriptions/<sub_id>",
        "DELETE",
        summary="Delete one of the caller's webhook subscriptions (agencies)",
    )
    def delete_subscription(sub_id: str) -> Any:
        caller = principal()
        require_roles(caller, AGENCY)
        with platform.unit_of_work() as uow:
            if not outbound.delete_subscription(uow.conn, owner_of(caller), sub_id):
                raise NotFound("Không có đăng ký này.", subscription_id=sub_id)
            uow.audit(caller.to_actor(), "unsubscribe", "webhook_subscription", sub_id, {})
        return {"deleted": sub_id}

    @router.route(
        f"{PREFIX}/deliveries",
        query=schemas.DeliveryQuery,
        response=schemas.DeliveryPage,
        summary="Webhook and email deliveries with status and last error (agency: its own)",
    )
    def get_deliveries() -> Any:
        caller = principal()
        owner = _delivery_scope(caller)
        args = query_args(delivery_query)
        with platform.database.read() as conn:
            rows, total = outbound.list_deliveries(
                conn, owner, args["status"], args["limit"], args["offset"]
            )
        return page([_delivery(row) for row in rows], total, args)

    @router.route(
        f"{PREFIX}/deliveries/<delivery_id>/resend",
        "POST",
        response=schemas.DeliveryOut,
        summary="Send a delivery again, with a new day of retries",
    )
    def post_resend(delivery_id: str) -> Any:
        caller = principal()
        owner = _delivery_scope(caller)
        with platform.unit_of_work() as uow:
            row = outbound.get_delivery(uow.conn, delivery_id)
            if row is None or (owner is not None and row["owner"] != owner):
                raise NotFound("Không có lần gửi này.", delivery_id=delivery_id)
            values = {
                "status": outbound.PENDING,
                "attempts": 0,
                "next_attempt_at": uow.now,
                "expires_at": uow.now + (row["expires_at"] - row["created_at"]),
            }
            outbound.settle(uow.conn, delivery_id, **values)
            uow.audit(caller.to_actor(), "resend", "delivery", delivery_id, {})
        return _delivery({**row, **values})

    @router.route(
        f"{PREFIX}/contacts/<unit>",
        "PUT",
        request=schemas.ContactIn,
        response=schemas.ContactOut,
        summary="Set a unit's email address (the Office)",
    )
    def put_contact(unit: str) -> Any:
        caller = principal()
        require_roles(caller, OFFICE, OFFICE_LEAD)
        body = json_body(schemas.ContactIn())
        with platform.unit_of_work() as uow:
            if not store.is_active_unit(uow.conn, unit):
                message = f"Không có đơn vị đang hoạt động mã {unit}."
                raise ValidationFailed("Có mã đơn vị không tồn tại.", {"unit": [message]})
            outbound.set_contact(uow.conn, unit, body["email"], uow.now)
            uow.audit(
                caller.to_actor(), "set_contact", "unit_contact", unit, {"email": body["email"]}
            )
            contact = outbound.contacts(uow.conn, {unit})[unit]
        return {k: contact[k] for k in ("unit", "email", "email_mode")}

    @router.route(
        f"{PREFIX}/preferences",
        response=schemas.PreferencesOut,
        summary="The caller's e-mail preferences, and the caller's unit's choice",
    )
    def get_preferences() -> Any:
        caller = principal()
        with platform.database.read() as conn:
            return _preferences(conn, caller)

    @router.route(
        f"{PREFIX}/preferences",
        "PUT",
        request=schemas.PreferencesIn,
        response=schemas.PreferencesOut,
        summary="Set the caller's e-mail address and delivery (immediate, digest or none); "
        "a unit's people may also set their unit's choice (email_mode)",
    )
    def put_preferences() -> Any:
        caller = principal()
        body = json_body(schemas.PreferencesIn())
        unit = caller.unit or ""
        if body["email_mode"] is not None:
            require_roles(caller, *UNIT_ROLES, OFFICE, OFFICE_LEAD)
            if not unit:
                raise Forbidden("Tài khoản không thuộc đơn vị nào.")
        with platform.unit_of_work() as uow:
            if caller.unit and not store.is_active_unit(uow.conn, caller.unit):
                # A token naming a unit the directory does not know changes nothing (neither its
                # unit's choice nor a person's settings kept under that unit).
                raise Forbidden(f"Đơn vị {caller.unit} của tài khoản không có trong danh mục.")
            if body["email_mode"] is not None:
                outbound.set_email_mode(uow.conn, unit, body["email_mode"], uow.now)
                uow.audit(
                    caller.to_actor(),
                    "set_email_mode",
                    "unit_contact",
                    unit,
                    {"email_mode": body["email_mode"]},
                )
            if body["delivery"] is not None:
                row = {
                    "sub": caller.sub,
                    "unit": caller.unit,
                    "name": caller.name or caller.sub,
                    "email": body["email"],
                    "delivery": body["delivery"],
                    "updated_at": uow.now,
                }
                outbound.set_person(uow.conn, row)
                uow.audit(
                    caller.to_actor(),
                    "set_preferences",
                    "person_preferences",
                    caller.sub,
                    {"email": body["email"], "delivery": body["delivery"]},
                )
            return _preferences(uow.conn, caller)


def _preferences(conn: Any, caller: Principal) -> dict[str, Any]:
    person = outbound.people(conn, {caller.sub}).get(caller.sub)
    unit = outbound.contacts(conn, {caller.unit}).get(caller.unit) if caller.unit else None
    return {
        "sub": caller.sub,
        "name": person["name"] if person else caller.name or caller.sub,
        "unit": caller.unit,
        "email": person["email"] if person else None,
        "delivery": person["delivery"] if person else outbound.IMMEDIATE,
        "email_mode": (unit["email_mode"] if unit else outbound.IMMEDIATE) if caller.unit else None,
        "updated_at": person["updated_at"] if person else None,
    }


def _delivery_scope(caller: Principal) -> str | None:
    """None: every delivery (the Office); an agency sees its own webhooks only, the document
    system the status messages sent to it (Đ3.2)."""
    if caller.is_office:
        return None
    if caller.has_role(AGENCY):
        return owner_of(caller)
    if caller.has_role(QLVB):
        return outbound.DOCUMENT_SYSTEM
    raise Forbidden(
        "Chỉ Văn phòng UBND tỉnh, cơ quan đăng ký nhận sự kiện hoặc hệ thống quản lý văn bản "
        "được xem."
    )


def _public(row: dict[str, Any]) -> dict[str, Any]:
    # The secret is write-only: it is never shown again.
    return {k: row[k] for k in ("id", "url", "event_types", "created_at")}


def _delivery(row: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "id",
        "event_id",
        "event_type",
        "channel",
        "recipient",
        "target",
        "status",
        "attempts",
        "next_attempt_at",
        "last_error",
        "created_at",
        "delivered_at",
    )
    return {k: row.get(k) for k in keys}
