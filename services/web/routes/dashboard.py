"""The dashboard of leaders and the Office (and each unit's own): on-time rate by unit in Đ21 order,
the national categories by unit, month by month and by assigning leader, the Office's intake
compliance (Đ6.1) and confirmation lag (Đ5.1b), for a period the person picks; and the tasks
behind any number (reporting's drill-down).

Every figure is reporting's answer to the person's own token: a unit's people get their unit's
figures only, the rankings and the Office's figures only leaders and the Office (the API decides).
A chart is an ECharts option (services/web/charts.py) read by static/js/charts.js from a JSON
block (no inline script); each has a table beside it with the same numbers, each number a link."""

from __future__ import annotations

from datetime import date
from functools import partial
from typing import Any

from flask import Blueprint, flash, render_template, request, url_for

from services.web import charts, context, periods
from services.web.api_client import ApiClient, ApiError, gather

bp = Blueprint("dashboard", __name__)
PAGE_SIZE = 50
LEADERS = ("ubnd_tinh", "chu_tich", "pho_chu_tich")


@bp.get("/dashboard")
@context.signed_in
def dashboard() -> Any:
    who = context.person()
    assert who is not None
    today = context.today()
    chosen = periods.read(request.args, today)
    if chosen.error:
        flash(chosen.error, "error")
    sees_all = who.is_office or who.is_leader
    try:
        found = _figures(context.api(), chosen, sees_all)
    except ApiError as exc:
        if exc.status != 422:
            raise
        flash(f"Kỳ không hợp lệ: {_first_error(exc)}", "error")
        chosen = periods.Period(str(today.year))
        found = _figures(context.api(), chosen, sees_all)
    page = _page(found, chosen, sees_all)
    return render_template(
        "dashboard.html",
        period=chosen,
        options=periods.options(today, chosen.period),
        sees_all=sees_all,
        categories=charts.CATEGORIES,
        **page,
    )


def _figures(api: ApiClient, chosen: periods.Period, sees_all: bool) -> dict[str, Any]:
    p = chosen.api_args()
    calls = {
        "leaders": partial(api.get, "reporting", "/stats", by="leader", **p),
        "trend": partial(api.get, "reporting", "/trend", **p),
    }
    if sees_all:
        calls["ranking"] = partial(api.get, "reporting", "/rankings", **p)
        calls["lag"] = partial(api.get, "reporting", "/confirmation-lag", **p)
    else:
        calls["units"] = partial(api.get, "reporting", "/stats", by="unit", **p)
    found = gather(calls)
    if sees_all:
        start, end = found["ranking"]["from"], found["ranking"]["to"]
        found["intake"] = _intake(api, date.fromisoformat(start), date.fromisoformat(end))
    return found


def _intake(api: ApiClient, start: date, end: date) -> list[dict[str, Any]]:
    """The Office's intake compliance (Đ6.1) for each month the period touches."""
    years = range(start.year, end.year + 1)
    answers = gather(
        {str(y): partial(api.get, "reporting", "/intake-compliance", year=y) for y in years}
    )
    months = []
    for year in years:
        for month in answers[str(year)]["months"]:
            first = date(year, month["month"], 1)
            if start.replace(day=1) <= first <= end:
                whole = periods.Period(f"{year}-{month['month']:02d}")
                links = {
                    "released": _documents_url(whole, None),
                    "on_time": _documents_url(whole, False),
                    "late": _documents_url(whole, True),
                }
                months.append({**month, "label": f"{month['month']:02d}/{year}", "links": links})
    return months


def _documents_url(month: periods.Period, late: bool | None) -> str:
    query: dict[str, Any] = month.query()
    if late is not None:
        query["late"] = "true" if late else "false"
    return url_for("dashboard.intake_documents", **query)


def _first_error(exc: ApiError) -> str:
    for messages in exc.field_errors().values():
        return " ".join(messages)
    return exc.detail or exc.title


def drill(chosen: periods.Period, **filters: Any) -> str:
    """The page of the tasks behind a number: this period and these filters."""
    kept: dict[str, Any] = {**chosen.query(), **{k: v for k, v in filters.items() if v}}
    return url_for("dashboard.drill_down", **kept)


def _page(found: dict[str, Any], chosen: periods.Period, sees_all: bool) -> dict[str, Any]:
    if sees_all:
        ranking = found["ranking"]
        units, rule, as_of = ranking["items"], ranking["rule"], ranking["as_of"]
    else:
        units, rule, as_of = found["units"]["units"], None, found["units"]["as_of"]
    for row in units:
        row["links"] = _category_links(chosen, unit=row["unit"])
    totals_source = found["leaders"]["totals"]
    totals = {**totals_source, "links": _category_links(chosen)}
    named = any(g.get("signer_name") for g in found["leaders"]["groups"])
    groups = [_leader_row(chosen, g, named) for g in found["leaders"]["groups"]]
    months = found["trend"]["months"]
    for month in months:
        span = periods.Period(periods.CUSTOM, month["from"], month["to"])
        month["label"] = f"{month['month'][5:]}/{month['month'][:4]}"
        month["links"] = _category_links(span)
    labels = found["leaders"]["labels"]
    page: dict[str, Any] = {
        "as_of": as_of,
        "rule": rule,
        "units": units,
        "totals": totals,
        "groups": groups,
        "months": months,
        "category_labels": labels,
        "intake": found.get("intake"),
        "lag": found.get("lag"),
    }
    page["charts"] = {
        "ranking": charts.ranking_chart(units),
        "units": charts.stacked_chart([(u["name"], u) for u in units], labels),
        "trend": charts.trend_chart(months, labels),
        "leaders": charts.stacked_chart([(g["name"], g) for g in groups], labels),
    }
    if found.get("intake") is not None:
        page["charts"]["intake"] = charts.intake_chart(found["intake"])
    return page


def _category_links(chosen: periods.Period, **filters: Any) -> dict[str, str]:
    links = {c: drill(chosen, category=c, **filters) for c in charts.CATEGORIES}
    links["total"] = drill(chosen, **filters)
    return links


def _leader_row(chosen: periods.Period, group: dict[str, Any], named: bool) -> dict[str, Any]:
    """A leader's row links to their tasks; a Vice-Chairman's by the signer of the document.
    Tasks whose leader is not known cannot be asked for apart, nor, beside rows of named
    Vice-Chairmen, those of one not known yet: such rows have no links."""
    leader = group.get("leader")
    unnamed = leader == "pho_chu_tich" and not group.get("signer_name")
    if leader not in LEADERS or (unnamed and named):
        return {**group, "links": None}
    filters = {"assigned_by": leader, "signer": group.get("signer_name")}
    return {**group, "links": _category_links(chosen, **filters)}


# -- the tasks behind a number ------------------------------------------------------------------
DRILL_FILTERS = ("unit", "category", "assigned_by", "signer")


@bp.get("/dashboard/tasks")
@context.signed_in
def drill_down() -> Any:
    """The tasks behind a number of the dashboard: reporting's drill-down for the same period and
    filters, as the figures counted them at the period's cut-off."""
    today = context.today()
    chosen = periods.read(request.args, today)
    filters = {k: request.args.get(k, "").strip() for k in DRILL_FILTERS}
    if filters["category"] not in charts.CATEGORIES:
        filters["category"] = ""
    if filters["assigned_by"] not in LEADERS:
        filters["assigned_by"], filters["signer"] = "", ""
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    api = context.api()
    answer = api.get(
        "reporting",
        "/stats/tasks",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        **chosen.api_args(),
        **filters,
    )
    pages = max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1)
    units = context.unit_names()
    described = _described(filters, units, chosen)
    return render_template(
        "dashboard_tasks.html",
        tasks=answer["items"],
        total=answer["total"],
        page=page,
        pages=pages,
        period=chosen,
        described=described,
        kept={**chosen.query(), **{k: v for k, v in filters.items() if v}},
        back=_dashboard_url(chosen),
        units=units,
    )


@bp.get("/dashboard/documents")
@context.signed_in
def intake_documents() -> Any:
    """The documents behind an intake figure (Đ6.1): released in the period, late or on time."""
    today = context.today()
    chosen = periods.read(request.args, today)
    late = {"true": "true", "false": "false"}.get(request.args.get("late", ""), "")
    page = max(request.args.get("page", 1, type=int) or 1, 1)
    answer = context.api().get(
        "reporting",
        "/intake-compliance/documents",
        limit=PAGE_SIZE,
        offset=(page - 1) * PAGE_SIZE,
        late=late,
        **chosen.api_args(),
    )
    which = {"true": "chuyển theo dõi trễ hạn", "false": "chuyển theo dõi đúng hạn"}
    return render_template(
        "dashboard_documents.html",
        documents=answer["items"],
        total=answer["total"],
        page=page,
        pages=max((answer["total"] + PAGE_SIZE - 1) // PAGE_SIZE, 1),
        described=f"Văn bản {which.get(late, 'đã chuyển theo dõi')} · {chosen.label}",
        kept={**chosen.query(), **({"late": late} if late else {})},
        back=_dashboard_url(chosen),
    )


# Reporting's category labels, for a list's title even when it is empty (each row carries its own).
CATEGORY_NAMES = {
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "in_progress_on_time": "Đang thực hiện trong hạn",
    "in_progress_overdue": "Đang thực hiện quá hạn",
    "undated_completed": "Không thời hạn — đã hoàn thành",
    "undated_in_progress": "Không thời hạn — đang thực hiện",
}


def _described(filters: dict[str, str], units: dict[str, str], chosen: periods.Period) -> str:
    """What the list shows, in words: "Hoàn thành quá hạn · Sở Tài chính · quý IV năm 2026"."""
    parts = []
    if filters["category"]:
        parts.append(CATEGORY_NAMES[filters["category"]])
    else:
        parts.append("Tất cả nhiệm vụ")
    if filters["unit"]:
        parts.append(units.get(filters["unit"], filters["unit"]))
    if filters["assigned_by"]:
        leader = context.labels().ASSIGNER_LABELS.get(filters["assigned_by"], "")
        parts.append(f"{leader} {filters['signer']}" if filters["signer"] else leader)
    parts.append(chosen.label)
    return " · ".join(parts)


def _dashboard_url(chosen: periods.Period) -> str:
    query: dict[str, Any] = chosen.query()
    return url_for("dashboard.dashboard", **query)
