"""The dashboard's charts as ECharts options (read by static/js/charts.js from a JSON block), and
for each series the link of each of its bars: the tasks (or documents) behind it."""

from __future__ import annotations

from typing import Any

CATEGORIES = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)
# At least 3:1 against white (WCAG 1.4.11), told apart without relying on red/green alone: the
# tables say the same.
COLOURS = {
    "completed_on_time": "#1e6b34",
    "completed_late": "#a15c00",
    "in_progress_on_time": "#0b4f8a",
    "in_progress_overdue": "#a4161a",
    "undated_completed": "#4f6d7a",
    "undated_in_progress": "#7a5195",
}
BAR_HEIGHT = 30  # px per bar of a horizontal chart
CHART_MARGIN = 90


def height(count: int) -> int:
    return max(count, 2) * BAR_HEIGHT + CHART_MARGIN


def ranking_chart(units: list[dict[str, Any]]) -> dict[str, Any]:
    rated = [u for u in units if u.get("on_time_rate") is not None]
    return {
        "empty": None if rated else "Chưa có nhiệm vụ nào đến hạn trong kỳ: chưa có tỷ lệ để vẽ.",
        "height": height(len(rated)),
        "option": {
            "animation": False,
            "grid": {"left": 8, "right": 56, "top": 8, "bottom": 24, "containLabel": True},
            "tooltip": {"trigger": "item", "formatter": "{b}: {c}%"},
            "xAxis": {"type": "value", "max": 100, "axisLabel": {"formatter": "{value}%"}},
            "yAxis": {
                "type": "category",
                "inverse": True,
                "data": [ranked_name(u) for u in rated],
                "axisLabel": {"width": 260, "overflow": "truncate"},
            },
            "series": [
                {
                    "type": "bar",
                    "name": "Tỷ lệ đúng hạn",
                    "data": [round(u["on_time_rate"] * 100, 1) for u in rated],
                    "itemStyle": {"color": COLOURS["in_progress_on_time"]},
                    "barMaxWidth": 28,
                    "label": {"show": True, "position": "right", "formatter": "{c}%"},
                    "cursor": "pointer",
                }
            ],
        },
        "links": [[u["links"]["total"] for u in rated]],
    }


def ranked_name(unit: dict[str, Any]) -> str:
    rank = unit.get("rank")
    return f"{rank}. {unit['name']}" if rank else str(unit["name"])


def category_series(rows: list[dict[str, Any]], labels: dict[str, str]) -> list[dict[str, Any]]:
    return [
        {
            "type": "bar",
            "name": labels.get(c, c),
            "stack": "total",
            "barMaxWidth": 36,
            "data": [row[c] for row in rows],
            "itemStyle": {"color": COLOURS[c]},
            "cursor": "pointer",
        }
        for c in CATEGORIES
    ]


def category_link_rows(rows: list[dict[str, Any]]) -> list[list[str | None]]:
    return [[(row["links"] or {}).get(c) for row in rows] for c in CATEGORIES]


def stacked_chart(
    named: list[tuple[str, dict[str, Any]]], labels: dict[str, str]
) -> dict[str, Any]:
    """Horizontal bars, one per row, stacked by the national categories."""
    rows = [row for _, row in named]
    return {
        "empty": None if rows else "Không có nhiệm vụ nào được giao trong kỳ.",
        "height": height(len(rows)) + 80,
        "option": {
            "animation": False,
            "legend": {"bottom": 0},
            "grid": {"left": 8, "right": 24, "top": 8, "bottom": 80, "containLabel": True},
            "tooltip": {"trigger": "item", "formatter": "{b}<br>{a}: {c}"},
            "xAxis": {"type": "value", "minInterval": 1},
            "yAxis": {
                "type": "category",
                "inverse": True,
                "data": [name for name, _ in named],
                "axisLabel": {"width": 260, "overflow": "truncate"},
            },
            "series": category_series(rows, labels),
        },
        "links": category_link_rows(rows),
    }


def trend_chart(months: list[dict[str, Any]], labels: dict[str, str]) -> dict[str, Any]:
    """Columns stacked by category for each month, and the on-time rate as a line."""
    series = category_series(months, labels)
    series.append(
        {
            "type": "line",
            "name": "Tỷ lệ đúng hạn (%)",
            "yAxisIndex": 1,
            "data": [
                round(m["on_time_rate"] * 100, 1) if m["on_time_rate"] is not None else None
                for m in months
            ],
            "itemStyle": {"color": "#1b1f24"},
            "lineStyle": {"type": "dashed"},
            "symbolSize": 8,
            "connectNulls": True,
        }
    )
    return {
        "empty": None if months else "Kỳ này chưa bắt đầu.",
        "height": 400,
        "option": {
            "animation": False,
            "legend": {"bottom": 0},
            "grid": {"left": 40, "right": 40, "top": 32, "bottom": 80, "containLabel": True},
            "tooltip": {"trigger": "item", "formatter": "{b}<br>{a}: {c}"},
            "xAxis": {"type": "category", "data": [m["label"] for m in months]},
            "yAxis": [
                {"type": "value", "name": "Nhiệm vụ", "minInterval": 1},
                {
                    "type": "value",
                    "name": "Đúng hạn",
                    "max": 100,
                    "axisLabel": {"formatter": "{value}%"},
                    "splitLine": {"show": False},
                },
            ],
            "series": series,
        },
        "links": [*category_link_rows(months), [m["links"]["total"] for m in months]],
    }


def intake_chart(months: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "empty": None
        if any(m["released"] for m in months)
        else "Chưa có văn bản nào được chuyển theo dõi trong kỳ.",
        "height": 300,
        "option": {
            "animation": False,
            "legend": {"bottom": 0},
            "grid": {"left": 40, "right": 8, "top": 32, "bottom": 48, "containLabel": True},
            "tooltip": {"trigger": "item", "formatter": "{b}<br>{a}: {c}"},
            "xAxis": {"type": "category", "data": [m["label"] for m in months]},
            "yAxis": {"type": "value", "name": "Văn bản", "minInterval": 1},
            "series": [
                {
                    "type": "bar",
                    "name": "Chuyển theo dõi đúng hạn",
                    "stack": "intake",
                    "data": [m["on_time"] for m in months],
                    "itemStyle": {"color": COLOURS["completed_on_time"]},
                    "cursor": "pointer",
                },
                {
                    "type": "bar",
                    "name": "Chuyển theo dõi trễ hạn",
                    "stack": "intake",
                    "data": [m["late"] for m in months],
                    "itemStyle": {"color": COLOURS["in_progress_overdue"]},
                    "cursor": "pointer",
                },
            ],
        },
        "links": [[m["links"]["on_time"] for m in months], [m["links"]["late"] for m in months]],
    }
