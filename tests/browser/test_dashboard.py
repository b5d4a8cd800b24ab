"""The dashboard and the periodic reports in a real browser: a leader opens the dashboard, changes
the period, clicks a bar of the ranking and lands on the tasks behind it; the Office generates
the year's report (Đ18), reads its ranking with the rule (Đ21) and publishes it (Đ16.2). Each page
is screenshot (var/artifacts/screenshots/5N-*.png) and checked with axe-core."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

import pytest
import requests

from tests.browser.conftest import api_token, axe_check, shot, sign_in
from tests.polling import wait_for

DONE = f"Tổng hợp báo cáo tài chính quý {uuid.uuid4().hex[:4]}"
OPEN = f"Rà soát hồ sơ cấp phép xây dựng {uuid.uuid4().hex[:4]}"


def call(base: str, method: str, path: str, role: str, unit: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {api_token(role, unit)}"}
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json()


def task_for(base: str, today: str, unit: str, content: str) -> str:
    document = {
        "source_id": f"dash-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-TH",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về tổng hợp số liệu cuối năm",
        "release": True,
        "tasks": [
            {
                "content": content,
                "lead_unit": unit,
                "coordinating_units": [],
                "due_on": f"{today[:4]}-12-31",
                "cadence": None,
            }
        ],
    }
    made = call(base, "POST", "/api/intake/documents", "office", "VP_UBND", document)
    return str(made["tasks"][0]["id"])


@pytest.fixture(scope="module")
def figures(web_system: str) -> dict[str, str]:
    """SO_TC finishes a task on time (the top of the ranking); SO_XD has one in progress."""
    base = web_system
    today = str(call(base, "GET", "/api/admin/clock", "office", "VP_UBND")["now"])[:10]
    done = task_for(base, today, "SO_TC", DONE)
    task_for(base, today, "SO_XD", OPEN)
    task = f"/api/workflow/tasks/{done}"
    headers = {"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"}
    wait_for(
        lambda: requests.get(base + task, headers=headers, timeout=10).status_code == 200,
        what="the task in the workflow",
    )
    call(base, "POST", f"{task}/actions/accept", "unit_officer", "SO_TC")
    call(base, "POST", f"{task}/actions/submit_result", "unit_officer", "SO_TC", {"note": "Xong"})
    call(base, "POST", f"{task}/actions/confirm", "office", "VP_UBND")
    year = today[:4]

    def counted() -> bool:
        stats = call(base, "GET", f"/api/reporting/stats?period={year}", "office", "VP_UBND")
        units = {row["unit"]: row for row in stats["units"]}
        return units.get("SO_TC", {}).get("completed_on_time", 0) >= 1 and "SO_XD" in units

    wait_for(counted, what="both tasks in reporting's figures")
    return {"today": today, "year": year, "done": done}


def visit(page: Any, name: str) -> None:
    shot(page, name)
    axe_check(page, name)


def charts_drawn(page: Any) -> None:
    page.locator("#chart-ranking[data-chart-ready] svg").first.wait_for()
    page.locator("#chart-trend[data-chart-ready] svg").first.wait_for()


def test_a_leader_changes_the_period_and_drills_into_a_bar(
    page: Any, web_system: str, figures: dict[str, str]
) -> None:
    sign_in(page, web_system, "leader", "VP_UBND")
    assert page.url.endswith("/dashboard")  # leaders land on the figures
    charts_drawn(page)
    assert page.get_by_role("heading", level=1).inner_text().endswith(f"năm {figures['year']}")
    assert page.locator(".rule").inner_text().startswith("Quy tắc xếp hạng:")
    visit(page, "50-dashboard-leader")

    # The period: this quarter, picked from the list.
    today = date.fromisoformat(figures["today"])
    quarter = f"{today.year}-Q{(today.month - 1) // 3 + 1}"
    page.select_option("#f-period", quarter)
    with page.expect_navigation():
        page.get_by_role("button", name="Xem").click()
    assert f"period={quarter}" in page.url
    charts_drawn(page)
    numeral = ("I", "II", "III", "IV")[(today.month - 1) // 3]
    assert f"quý {numeral} năm {today.year}" in page.get_by_role("heading", level=1).inner_text()
    visit(page, "51-dashboard-quarter")
    page.emulate_media(media="print")
    assert not page.locator("#chart-ranking").is_visible()  # printed: the tables, not the charts
    assert page.locator("#table-ranking").is_visible()
    shot(page, "54-dashboard-print")
    page.emulate_media(media="screen")

    # The first bar of the ranking (Sở Tài chính, 100 %): a click where ECharts drew it.
    box = page.locator("#chart-ranking").bounding_box()
    x, y = page.evaluate(
        """() => {
            const chart = echarts.getInstanceByDom(document.getElementById('chart-ranking'));
            return chart.convertToPixel({seriesIndex: 0}, [50, 0]);
        }"""
    )
    with page.expect_navigation():
        page.mouse.click(box["x"] + x, box["y"] + y)
    assert "/dashboard/tasks?" in page.url and "unit=SO_TC" in page.url
    assert f"period={quarter}" in page.url
    assert "Sở Tài chính" in page.get_by_role("heading", level=1).inner_text()
    row = page.locator("#drill-tasks tbody tr", has_text=DONE)
    assert row.count() == 1 and OPEN not in page.locator("#drill-tasks").inner_text()
    visit(page, "52-dashboard-drill-down")
    with page.expect_navigation():
        row.get_by_role("link").click()
    assert page.url.endswith(f"/tasks/{figures['done']}")


def test_the_dashboard_on_a_phone(
    phone_page: Any, web_system: str, figures: dict[str, str]
) -> None:
    page = phone_page
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/dashboard")
    charts_drawn(page)
    visit(page, "53-dashboard-phone")


def test_a_unit_head_sees_the_units_own_dashboard(
    page: Any, web_system: str, figures: dict[str, str]
) -> None:
    sign_in(page, web_system, "unit_head", "SO_XD")
    page.goto(f"{web_system}/dashboard")
    page.locator("#chart-units[data-chart-ready] svg").first.wait_for()
    # Nothing of the unit's is due yet: no rate, said in words instead of an empty chart.
    assert page.locator("#h-ranking + .empty").inner_text().startswith("Chưa có nhiệm vụ nào")
    body = page.locator("main").inner_text()
    assert "Sở Xây dựng" in body and "Sở Tài chính" not in body
    visit(page, "55-dashboard-unit-head")


def test_the_office_generates_and_publishes_the_years_report(
    page: Any, browser: Any, web_system: str, figures: dict[str, str]
) -> None:
    sign_in(page, web_system, "office_lead", "VP_UBND")  # its leader publishes (Đ16.2)
    page.goto(f"{web_system}/reports")
    visit(page, "56-reports")
    page.select_option("#f-period", figures["year"])
    with page.expect_navigation():
        page.get_by_role("button", name="Lập báo cáo").click()
    assert page.locator(".flash-success").inner_text().startswith("Đã lập báo cáo")
    heading = page.get_by_role("heading", level=1).inner_text()
    assert heading.endswith(f"năm {figures['year']}")
    first = page.locator("#table-rankings tbody tr").first
    assert "Sở Tài chính" in first.inner_text()
    assert "bằng nhau" in page.locator(".rule").inner_text()
    visit(page, "57-report")
    with page.expect_download() as download:
        page.get_by_role("link", name="Tải về XLSX").click()
    assert download.value.suggested_filename.endswith(".xlsx")
    with page.expect_navigation():
        page.get_by_role("button", name="Công bố kết quả (Điều 16 khoản 2)").click()
    assert "Đã công bố" in page.locator("#published").inner_text()
    visit(page, "58-report-published")
    report_id = page.url.rsplit("/", 1)[1]
    with page.expect_navigation():
        page.get_by_role("link", name="xem trên trang công khai").click()
    assert page.url.endswith(f"/cong-khai/bao-cao/{report_id}")

    # An anonymous visitor (no cookie) finds it on the public page and in its Atom feed (Đ16.2).
    visitor = browser.new_context()
    try:
        anonymous = visitor.new_page()
        anonymous.goto(f"{web_system}/cong-khai")
        anonymous.locator(f"a[href='/cong-khai/bao-cao/{report_id}']").first.wait_for()
        feed = anonymous.request.get(f"{web_system}/cong-khai/feed.atom")
        assert feed.ok and feed.headers["content-type"].startswith("application/atom+xml")
        assert f"/cong-khai/bao-cao/{report_id}" in feed.text()
        assert visitor.cookies() == []
    finally:
        visitor.close()

    page.goto(f"{web_system}/explanations?period={figures['year']}")
    visit(page, "59-explanations")
