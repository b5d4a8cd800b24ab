"""The public results (Đ16.2) in a real browser: the Office publishes a report through the API; a
visitor with no cookies finds it from `/` on a phone, opens the report, and the same pages on a
desktop and printed. Screenshots var/artifacts/screenshots/4N-public-*.png, axe-core on each."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
import requests

from tests.browser.conftest import api_token, axe_check, shot
from tests.polling import wait_for

PUBLISHER = "Nguyễn Thị Công Bố"
PHONE_WIDTH = 375


def call(base: str, method: str, path: str, role: str, unit: str, body: Any = None) -> Any:
    headers = {"Authorization": f"Bearer {api_token(role, unit, name=PUBLISHER)}"}
    answer = requests.request(method, base + path, json=body, headers=headers, timeout=30)
    assert answer.status_code < 300, answer.text
    return answer.json()


def completed_task(base: str, unit: str) -> None:
    """A task `unit` finishes on time (accepted, result submitted, confirmed): a rate to show."""
    today = str(call(base, "GET", "/api/admin/clock", "office", "VP_UBND")["now"])[:10]
    document = {
        "source_id": f"public-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-VX",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về việc tổng kết năm học",
        "release": True,
        "tasks": [
            {
                "content": "Báo cáo tổng kết năm học",
                "lead_unit": unit,
                "coordinating_units": [],
                "due_on": f"{today[:4]}-12-31",
                "cadence": None,
            }
        ],
    }
    made = call(base, "POST", "/api/intake/documents", "office", "VP_UBND", document)
    task = f"/api/workflow/tasks/{made['tasks'][0]['id']}"
    headers = {"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"}
    wait_for(
        lambda: requests.get(base + task, headers=headers, timeout=10).status_code == 200,
        what="the task in the workflow",
    )
    call(base, "POST", f"{task}/actions/accept", "unit_officer", unit)
    call(base, "POST", f"{task}/actions/submit_result", "unit_officer", unit, {"note": "Đã xong"})
    call(base, "POST", f"{task}/actions/confirm", "office", "VP_UBND")
    wait_for(
        lambda: any(
            row["unit"] == unit and row["completed_on_time"]
            for row in call(base, "GET", "/api/reporting/stats?period=2026", "office", "VP_UBND")[
                "units"
            ]
        ),
        what="the completed task in reporting's figures",
    )


@pytest.fixture(scope="module")
def published(web_system: str) -> dict[str, Any]:
    """The Office's leader generates this year's report and publishes it (POST …/publish)."""
    completed_task(web_system, "SO_YT")
    headers = {"Authorization": f"Bearer {api_token('office_lead', 'VP_UBND', name=PUBLISHER)}"}
    base = f"{web_system}/api/reporting/reports"
    made = requests.post(base, json={"period": "2026"}, headers=headers, timeout=30)
    assert made.status_code == 201, made.text
    report: dict[str, Any] = made.json()
    shown = requests.post(f"{base}/{report['id']}/publish", headers=headers, timeout=30)
    assert shown.status_code == 200, shown.text
    return report


def visit(page: Any, name: str) -> None:
    shot(page, name)
    axe_check(page, name)


def no_sideways_scroll(page: Any) -> None:
    width = page.evaluate("() => document.documentElement.scrollWidth")
    viewport = page.viewport_size["width"]
    wide = page.evaluate(WIDE_ELEMENTS, viewport) if width > viewport else []
    assert width <= viewport, f"the page scrolls sideways ({width} px on {viewport} px): {wide}"


# The innermost elements whose right edge passes the viewport's: what a failure names.
WIDE_ELEMENTS = """(viewport) => [...document.querySelectorAll('body *')]
  .filter((e) => e.getBoundingClientRect().right > viewport + 0.5)
  .filter((e) => ![...e.children].some((c) => c.getBoundingClientRect().right > viewport + 0.5))
  .slice(0, 5)
  .map((e) => [e.tagName.toLowerCase(), e.className, Math.round(e.getBoundingClientRect().right),
               (e.textContent || '').trim().slice(0, 60)].join(' '))"""


def test_a_visitor_reads_the_published_results_on_a_phone_D16_2(
    web_system: str, phone_page: Any, published: dict[str, Any]
) -> None:
    page = phone_page
    page.set_viewport_size({"width": PHONE_WIDTH, "height": 812})
    assert page.context.cookies() == []
    page.goto(f"{web_system}/")
    page.get_by_role("link", name="Xem kết quả công khai").click()
    page.wait_for_url(f"{web_system}/cong-khai")
    page.context.clear_cookies()  # `/` is the application's page; the public ones set none
    page.reload()
    page.get_by_role("heading", name="Kỳ gần nhất: năm 2026").wait_for()
    assert page.locator("table.ranking tbody tr").count() == len(published["units"])
    feed = page.locator("head link[rel=alternate][type='application/atom+xml']")
    assert feed.get_attribute("href") == "/cong-khai/feed.atom"
    no_sideways_scroll(page)
    visit(page, "42-public-results-phone")
    assert PUBLISHER not in page.content()

    page.locator(f"a[href='/cong-khai/bao-cao/{published['id']}']").first.click()
    page.get_by_role("heading", name="Kết quả thực hiện nhiệm vụ năm 2026").wait_for()
    no_sideways_scroll(page)
    visit(page, "43-public-report-phone")
    assert PUBLISHER not in page.content()
    assert page.context.cookies() == []  # the public pages never give the visitor a session


def test_the_public_results_on_a_desktop_and_printed_D16_2(
    web_system: str, page: Any, published: dict[str, Any]
) -> None:
    page.goto(f"{web_system}/cong-khai")
    page.get_by_role("heading", name="Các báo cáo đã công bố").wait_for()
    visit(page, "40-public-results-desktop")
    page.goto(f"{web_system}/cong-khai/bao-cao/{published['id']}")
    visit(page, "41-public-report-desktop")
    page.emulate_media(media="print")
    assert page.locator(".skip-link").is_hidden() and page.locator("footer .no-print").is_hidden()
    shot(page, "44-public-report-print")
