"""The public results (Đ16.2): published reports for everyone, no sign-in, and their Atom feed.

Everything here is read through reporting's public routes without a token, so a page can show
nothing but what a published report contains (reports.public_view: the counts, the units in Đ21
order; never the Office's list of tasks, nor who generated or published it). These pages neither
read nor write the session, and are the only ones another site (PUBLIC_FRAME_ANCESTORS) may
frame."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote
from uuid import UUID

from flask import Blueprint, current_app, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiClient, ApiError

bp = Blueprint("public", __name__)
PAGE_SIZE = 20
FEED_SIZE = 50
ATOM = "application/atom+xml; charset=utf-8"
REPORT_ID = re.compile(r"[0-9a-f]{32}")


def public_api() -> ApiClient:
    """An API client without a token: only the public routes answer it."""
    return ApiClient(context.settings(), current_app.extensions["web_http"], None)


def _published(api: ApiClient, limit: int, offset: int = 0) -> dict[str, Any]:
    answer: dict[str, Any] = api.get(
        "reporting", "/public/reports", limit=limit, offset=offset or None
    )
    return answer


def latest_period(reports: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The published report of the latest period: the one ending last, the later published
    first among reports of the same end."""
    if not reports:
        return None
    return max(reports, key=lambda r: (r["to"], r.get("published_at") or ""))


@bp.get("/cong-khai")
def results() -> Any:
    try:
        page = max(1, int(request.args.get("trang", "1")))
    except ValueError:
        page = 1
    api = public_api()
    listed = _published(api, PAGE_SIZE, (page - 1) * PAGE_SIZE)
    # The latest period is among the newest reports, wherever the visitor is in the list.
    newest = listed if page == 1 else _published(api, PAGE_SIZE)
    return render_template(
        "public/results.html",
        reports=listed["items"],
        total=listed["total"],
        page=page,
        pages=max(1, -(-listed["total"] // PAGE_SIZE)),
        latest=latest_period(newest["items"]),
    )


@bp.get("/cong-khai/bao-cao/<report_id>")
def report(report_id: str) -> Any:
    if not REPORT_ID.fullmatch(report_id):
        return render_template("public/missing.html"), 404
    try:
        shown = public_api().get("reporting", f"/public/reports/{quote(report_id, safe='')}")
    except ApiError as exc:
        if exc.status == 404:
            return render_template("public/missing.html"), 404
        raise
    return render_template("public/report.html", report=shown)


@bp.get("/cong-khai/feed.atom")
def feed() -> Any:
    reports = _published(public_api(), FEED_SIZE)["items"]
    updated = max((r["published_at"] for r in reports), default=None)
    body = render_template(
        "public/feed.atom.xml",
        reports=reports,
        updated=updated or datetime.now(UTC).isoformat(timespec="seconds"),
        feed_url=url_for("public.feed", _external=True),
        page_url=url_for("public.results", _external=True),
    )
    return current_app.response_class(body, content_type=ATOM)


@bp.app_template_global("atom_entry_id")
def entry_id(report_id: str) -> str:
    """A report's Atom id: its id is a UUID's hex, so urn:uuid: names it for good (RFC 4287
    §4.2.6 wants an id that never changes, whatever the site's address)."""
    if REPORT_ID.fullmatch(report_id):
        return UUID(hex=report_id).urn
    return f"urn:nhiemvu:report:{quote(report_id, safe='')}"
