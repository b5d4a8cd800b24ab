"""The month-by-month trend (`/trend`) on the hand-counted fixture of docs/counting.md, the Đ21
ranking a stored report carries with its rule, and the documents behind intake compliance (Đ6.1)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.integration.countingkit import counts, figures
from tests.integration.reportingkit import at, document, get, headers, reporting_service


def test_the_trend_counts_each_month_as_that_months_own_figures(thirty: Any) -> None:
    service, _ = thirty
    trend = get(service, "/api/reporting/trend?period=2026-Q4")
    assert (trend["from"], trend["to"]) == ("2026-10-01", "2026-12-31")
    assert [m["month"] for m in trend["months"]] == ["2026-10", "2026-11", "2026-12"]
    for month in trend["months"]:
        alone = get(service, f"/api/reporting/stats?from={month['from']}&to={month['to']}")
        assert counts(month) == counts(alone["totals"]), month["month"]
        assert month["on_time_rate"] == alone["totals"]["on_time_rate"]
        assert month["as_of"] == alone["as_of"]
    assert trend["months"][1]["total"] == 1  # task 23, the only one assigned in November
    assert trend["labels"]["completed_on_time"] == "Hoàn thành đúng hạn"


def test_the_trend_leaves_out_months_not_begun_and_clips_a_custom_period(thirty: Any) -> None:
    service, _ = thirty  # the clock says 2026-12-15
    year = get(service, "/api/reporting/trend?period=2026")["months"]
    assert [m["month"] for m in year][-1] == "2026-12" and len(year) == 12
    custom = get(service, "/api/reporting/trend?from=2026-11-20&to=2026-12-10")["months"]
    assert [(m["from"], m["to"]) for m in custom] == [
        ("2026-11-20", "2026-11-30"),
        ("2026-12-01", "2026-12-10"),
    ]


def test_a_unit_sees_only_its_own_trend_and_leaders_any(thirty: Any) -> None:
    service, _ = thirty
    mine = get(service, "/api/reporting/trend?period=2026-Q4", role="unit_head", unit="SO_XD")
    for month in mine["months"]:  # each month as the unit's own figures for that month
        own = get(service, f"/api/reporting/stats?from={month['from']}&to={month['to']}&unit=SO_XD")
        assert counts(month) == counts(own["totals"]), month["month"]
    everyone = get(service, "/api/reporting/trend?period=2026-Q4")["months"]
    assert sum(m["total"] for m in mine["months"]) < sum(m["total"] for m in everyone)
    other = service.client.get(
        "/api/reporting/trend?period=2026-Q4&unit=SO_TC", headers=headers("unit_head", "SO_XD")
    )
    assert other.status_code == 403
    led = get(service, "/api/reporting/trend?period=2026-Q4&unit=SO_TC", role="leader", unit=None)
    october = get(service, "/api/reporting/stats?period=2026-10&unit=SO_TC")
    assert counts(led["months"][0]) == counts(october["totals"])


def test_a_stored_report_carries_its_units_in_order_with_the_written_rule_D21(thirty: Any) -> None:
    service, _ = thirty
    made = service.client.post(
        "/api/reporting/reports", json={"period": "2026-Q4"}, headers=headers()
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    report = get(service, f"/api/reporting/reports/{made.get_json()['id']}")
    live = get(service, "/api/reporting/rankings?period=2026-Q4")
    assert report["rankings"] == live["items"]
    assert report["ranking_rule"] == live["rule"]
    assert "bằng nhau thì nhiều nhiệm vụ hoàn thành đúng hạn hơn" in report["ranking_rule"]
    assert figures(3, 3, 1, 1, 1, 1) == counts(
        next(row for row in report["rankings"] if row["unit"] == "SO_TC")
    )


def test_the_documents_behind_intake_compliance_by_month_and_lateness_D6_1(
    tmp_path: Path, bus_namespace: str
) -> None:
    with reporting_service(tmp_path, bus_namespace) as service:
        document(service, "a" * 32, "1/QĐ-UBND", "2026-01-05", at("2026-01-05"))
        document(service, "b" * 32, "2/QĐ-UBND", "2026-01-06", at("2026-01-08"), late=True)
        document(service, "c" * 32, "3/QĐ-UBND", "2026-02-27", at("2026-03-01", 0, 30))
        document(service, "d" * 32, "4/QĐ-UBND", "2025-12-30", at("2025-12-31"))
        path = "/api/reporting/intake-compliance/documents"
        january = get(service, f"{path}?period=2026-01")
        late = get(service, f"{path}?period=2026-01&late=true")
        on_time = get(service, f"{path}?period=2026-01&late=false")
        march = get(service, f"{path}?period=2026-03")
        refused = service.client.get(
            f"{path}?period=2026-01", headers=headers("unit_head", "SO_TC")
        )
    assert [d["number"] for d in january["items"]] == ["1/QĐ-UBND", "2/QĐ-UBND"]
    assert january["total"] == 2
    assert [d["number"] for d in late["items"]] == ["2/QĐ-UBND"]
    assert late["items"][0]["released_late"] is True
    assert [d["number"] for d in on_time["items"]] == ["1/QĐ-UBND"]
    assert [d["number"] for d in march["items"]] == ["3/QĐ-UBND"]  # 00:30 local, 1 March
    assert refused.status_code == 403
