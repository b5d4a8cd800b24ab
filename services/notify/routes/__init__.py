"""Notify routes: the caller's inbox."""

from __future__ import annotations

from typing import Any

from services.notify import schemas, store
from services.notify.routes import outbound as outbound_routes
from services.notify.service import NotifyService
from shared.auth import Principal, authenticate_request
from shared.errors import NotFound
from shared.http import ApiRouter, page, query_args

PREFIX = "/api/notify"


def build_router(service: NotifyService) -> ApiRouter:
    runtime = service.runtime

    def principal() -> Principal:
        return authenticate_request(runtime.verifier)

    router = ApiRouter("notify", subject_of=lambda: principal().sub)
    inbox_query = schemas.InboxQuery()
    platform = runtime.platform

    @router.route(
        f"{PREFIX}/inbox",
        query=schemas.InboxQuery,
        response=schemas.InboxPage,
        summary="Items addressed to the caller and to the caller's unit",
    )
    def get_inbox() -> Any:
        caller = principal()
        args = query_args(inbox_query)
        with platform.database.read() as conn:
            items, total, unread = store.inbox(
                conn,
                unit=caller.unit,
                sub=caller.sub,
                roles=caller.roles,
                unread=args["unread"],
                limit=args["limit"],
                offset=args["offset"],
            )
        return {**page([_item(i) for i in items], total, args), "unread": unread}

    @router.route(
        f"{PREFIX}/inbox/<item_id>/read",
        "POST",
        response=schemas.MarkedOut,
        summary="Mark one inbox item read",
    )
    def post_read(item_id: str) -> Any:
        caller = principal()
        with platform.unit_of_work() as uow:
            marked = store.mark_read(
                uow.conn,
                unit=caller.unit,
                sub=caller.sub,
                item_id=item_id,
                at=uow.now,
                roles=caller.roles,
            )
        if not marked:
            raise NotFound(
                "Không có thông báo chưa đọc này trong hộp thư của bạn.", item_id=item_id
            )
        return {"marked": marked}

    @router.route(
        f"{PREFIX}/inbox/read-all",
        "POST",
        response=schemas.MarkedOut,
        summary="Mark every inbox item of the caller read",
    )
    def post_read_all() -> Any:
        caller = principal()
        with platform.unit_of_work() as uow:
            marked = store.mark_read(
                uow.conn,
                unit=caller.unit,
                sub=caller.sub,
                item_id=None,
                at=uow.now,
                roles=caller.roles,
            )
        return {"marked": marked}

    outbound_routes.install(router, runtime, service.channels, principal)
    return router


def _item(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": row["id"],
        "event_type": row["event_type"],
        "title": row["title"],
        "body": row["body"],
        "task_id": row["task_id"],
        "created_at": row["created_at"],
        "read": row["read_at"] is not None,
    }
