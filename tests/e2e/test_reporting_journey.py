"""Reporting over HTTP on both profiles: figures by leader, a Đ18 report, its XLSX, publishing."""

from __future__ import annotations

from datetime import UTC, datetime
from io import BytesIO

import pytest
from openpyxl import load_workbook

from shared.calendar import local_date
from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document

pytestmark = pytest.mark.e2e


def current_quarter() -> str:
    today = local_date(datetime.now(UTC))
    return f"{today.year}-Q{(today.month - 1) // 3 + 1}"


def test_released_tasks_become_a_published_quarterly_report_with_its_xlsx_D18(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    officer = system.token("unit_officer", "SO_TC")
    task_ids = []
    for lead in ("SO_TC", "SO_TC", "SO_YT"):
        created = system.call("POST", "/api/intake/documents", office, json=a_document(lead))
        assert created.status_code == 201, created.text
        task_ids.append(created.json()["tasks"][0]["id"])
    done = task_ids[0]
    system.wait_for(
        lambda: system.call("GET", f"/api/workflow/tasks/{done}", officer).ok, "the assignment"
    )
    for action, token in (("accept", officer), ("submit_result", officer), ("confirm", office)):
        answer = system.call("POST", f"/api/workflow/tasks/{done}/actions/{action}", token)
        assert answer.status_code == 200, answer.text

    quarter = current_quarter()

    def by_leader() -> dict | None:
        answer = system.call(
            "GET", f"/api/reporting/stats?period={quarter}&by=leader", office
        ).json()
        totals = answer["totals"]
        counted = totals["total"] == 3 and totals["completed_on_time"] == 1
        # The Vice-Chairman is known once each document.released (with its signer) has arrived.
        split = [g["key"] for g in answer["groups"]] == ["pho_chu_tich:Lê Văn C"]
        return answer if counted and split else None

    stats = system.wait_for(by_leader, "reporting to count the three tasks and the completion")
    [group] = stats["groups"]
    assert (group["total"], group["signer_name"]) == (3, "Lê Văn C")
    assert group["name"] == "Phó Chủ tịch UBND tỉnh Lê Văn C"

    created = system.call("POST", "/api/reporting/reports", office, json={"period": quarter})
    assert created.status_code == 201, created.text
    report = created.json()
    assert report["period"] == quarter and report["totals"]["total"] == 3
    report_id = report["id"]

    sheet_file = system.call("GET", f"/api/reporting/reports/{report_id}.xlsx", office)
    assert sheet_file.status_code == 200
    sheet = load_workbook(BytesIO(sheet_file.content)).active
    rows = [[cell for cell in row] for row in sheet.iter_rows(values_only=True)]
    assert any("Sở Tài chính" in row for row in rows)

    hidden = system.call("GET", f"/api/reporting/public/reports/{report_id}")
    assert hidden.status_code == 404
    publish = f"/api/reporting/reports/{report_id}/publish"
    assert system.call("POST", publish, office).status_code == 403  # its leader publishes
    published = system.call("POST", publish, system.token("office_lead", "VP_UBND"))
    assert published.status_code == 200, published.text
    public = system.call("GET", f"/api/reporting/public/reports/{report_id}")
    assert public.status_code == 200
    seen = public.json()
    assert seen["period"] == quarter and seen["totals"]["completed_on_time"] == 1
    assert "generated_by" not in seen

    # The other read routes answer on both profiles from the same events.
    drill = system.call(
        "GET", f"/api/reporting/stats/tasks?period={quarter}&category=completed_on_time", office
    ).json()
    assert [row["task_id"] for row in drill["items"]] == [done]
    ranking = system.call("GET", f"/api/reporting/rankings?period={quarter}", office).json()
    assert ranking["items"][0]["unit"] == "SO_TC"
    explained = system.call("GET", f"/api/reporting/explanations?period={quarter}", office)
    assert explained.status_code == 200 and explained.json()["total"] == 0
    year = quarter.split("-")[0]
    compliance = system.call("GET", f"/api/reporting/intake-compliance?year={year}", office)
    assert compliance.status_code == 200
    assert sum(m["released"] for m in compliance.json()["months"]) >= 3
