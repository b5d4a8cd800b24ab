"""A department's sectors (Đ8.2a, "Lĩnh vực"): for each sector its unit manages, the figures of
the units whose tasks are in it (reporting, `sector=`) and those tasks as they stand now
(workflow, `sector=`), each a link to the task, where the department urges it.

The sectors a unit manages are intake's unit data; the API decides what the person reads: a
sector their unit does not manage shows their own unit's tasks only."""

from __future__ import annotations

from functools import partial
from typing import Any

from flask import Blueprint, render_template, request

from services.web import charts, context, periods
from services.web.api_client import gather

bp = Blueprint("sectors", __name__)
PAGE_SIZE = 100


@bp.get("/sectors")
@context.signed_in
def sector_view() -> Any:
    who = context.person()
    assert who is not None
    api = context.api()
    today = context.today()
    chosen = periods.read(request.args, today)
    names = api.get("intake", "/vocabulary")["sectors"]
    managed = _managed(api, who.unit)
    sector = request.args.get("sector", "").strip()
    if sector not in managed:
        sector = managed[0] if managed else ""
    found: dict[str, Any] = {}
    if sector:
        found = gather(
            {
                "stats": partial(
                    api.get, "reporting", "/stats", by="unit", sector=sector, **chosen.api_args()
                ),
                "tasks": partial(api.get, "workflow", "/tasks", sector=sector, limit=PAGE_SIZE),
            }
        )
    units = context.unit_names()
    return render_template(
        "sectors.html",
        managed=[(code, names.get(code, code)) for code in managed],
        sector=sector,
        sector_name=names.get(sector, sector),
        period=chosen,
        options=periods.options(today, chosen.period),
        stats=found.get("stats"),
        tasks=(found.get("tasks") or {}).get("items", []),
        total=(found.get("tasks") or {}).get("total", 0),
        categories=charts.CATEGORIES,
        units=units,
    )


def _managed(api: Any, unit: str | None) -> list[str]:
    """The sectors the person's unit manages, from intake's unit data."""
    if not unit:
        return []
    answer = api.get("intake", "/units", q=unit, limit=50)
    own = next((u for u in answer["items"] if u["code"] == unit), None)
    return list(own.get("sectors") or []) if own else []
