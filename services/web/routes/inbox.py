"""Everyone's inbox (marking read, with htmx), and personal e-mail preferences."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiError

bp = Blueprint("inbox", __name__)
PAGE_SIZE = 25
DELIVERY_LABELS = {
    "immediate": "Gửi ngay từng thông báo",
    "digest": "Gửi một thư tổng hợp mỗi ngày",
    "none": "Không gửi thư điện tử",
}
UNIT_MODE_LABELS = {"immediate": "Gửi ngay", "digest": "Tổng hợp hằng ngày"}


@bp.get("/inbox")
@context.signed_in
def inbox() -> Any:
    unread_only = request.args.get("unread") == "true"
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "notify",
        "/inbox",
        unread="true" if unread_only else None,
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
    )
    return render_template(
        "inbox.html",
        items=answer["items"],
        total=answer["total"],
        unread_total=answer.get("unread", 0),
        unread_only=unread_only,
        page=page,
        pages=max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
    )


@bp.post("/inbox/<item_id>/read")
@context.signed_in
def mark_read(item_id: str) -> Any:
    context.api().post("notify", f"/inbox/{item_id}/read")
    if request.headers.get("HX-Request"):
        # htmx swaps the row and, out of band, the header's unread count.
        item = {"id": item_id, "read": True, **request.form.to_dict()}
        unread = context.api().get("notify", "/inbox", unread="true", limit=1)["unread"]
        return render_template("partials/inbox_row_read.html", item=item, unread_count=unread)
    return redirect(url_for("inbox.inbox"), code=303)


@bp.post("/inbox/read-all")
@context.signed_in
def read_all() -> Any:
    context.api().post("notify", "/inbox/read-all")
    flash("Đã đánh dấu tất cả là đã đọc.", "success")
    return redirect(url_for("inbox.inbox"), code=303)


@bp.route("/preferences", methods=["GET", "POST"])
@context.signed_in
def preferences() -> Any:
    api = context.api()
    errors: dict[str, list[str]] = {}
    message = None
    if request.method == "POST":
        body: dict[str, Any] = {
            "email": request.form.get("email", "").strip() or None,
            "delivery": request.form.get("delivery") or None,
        }
        if request.form.get("email_mode"):
            body["email_mode"] = request.form["email_mode"]
        try:
            api.put("notify", "/preferences", body)
        except ApiError as exc:
            if exc.status != 422:
                raise
            errors, message = exc.field_errors(), exc.message
        else:
            flash("Đã lưu tùy chọn nhận thư.", "success")
            return redirect(url_for("inbox.preferences"), code=303)
    current = api.get("notify", "/preferences")
    if request.method == "POST":
        current = {**current, **request.form.to_dict()}
    page = render_template(
        "preferences.html",
        prefs=current,
        errors=errors,
        message=message,
        deliveries=DELIVERY_LABELS,
        unit_modes=UNIT_MODE_LABELS,
    )
    return page, (422 if errors else 200)
