"""The web application's journey in a real browser, on the system as `make run` serves it.

The Office enters a document with two tasks for two units and releases it; unit A accepts,
reports progress and submits its result; unit B returns its task with a reason (Đ5.2a); the Office
transfers B's task to a third unit and confirms A's result; A's inbox shows the confirmation.
Every page visited is screenshot (var/artifacts/screenshots/NN-*.png) and checked with axe-core."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import requests

from tests.browser.conftest import axe_check, shot, sign_in
from tests.polling import wait_for

UNIT_A, UNIT_B, UNIT_C = "SO_TC", "SO_XD", "SO_CT"


def visit(page: Any, name: str) -> None:
    """Every page the journey sees: a screenshot, then the accessibility check."""
    shot(page, name)
    axe_check(page, name)


def until(page: Any, check: Callable[[], bool], url: str, timeout: float = 20.0) -> None:
    """Reload `url` until `check` holds: the bus carries events to the other services."""

    def reloaded() -> bool:
        page.goto(url)
        return check()

    wait_for(reloaded, timeout, f"{url} to show what the journey waits for", interval=0.5)


def act(page: Any, action: str, label: str, **fields: str) -> None:
    """Open one action of the task page, fill its form and send it; htmx swaps the panel."""
    page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()
    form = page.locator(f"form:has(button[data-action='{action}'])")
    for name, value in fields.items():
        field = form.locator(f"[name='{name}']")
        if field.evaluate("e => e.tagName") == "SELECT":
            field.select_option(value)
        else:
            field.fill(value)
    form.locator(f"button[data-action='{action}']").click()
    page.locator(".flash-success", has_text=label).wait_for()


def system_date(base: str) -> str:
    """The system's date (development clock), so that the document is released on time."""
    return str(requests.get(f"{base}/api/admin/clock", timeout=10).json()["now"])[:10]


def sign_out(page: Any) -> None:
    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").first.click()


def test_office_and_units_carry_two_tasks_through_the_web(web_system: str, page: Any) -> None:
    base = web_system
    number = f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC"
    content_a = f"Rà soát giải ngân vốn đầu tư công {number}"
    content_b = f"Kiểm tra tiến độ công trình trọng điểm {number}"

    # The Office: its work queue, then a new document with two tasks, released at once.
    sign_in(page, base, "office", "VP_UBND")
    visit(page, "01-office-home")
    # The header groups the reports and inspections in menus that open without a script.
    menu = page.locator(".site-nav .nav-menu", has_text="Báo cáo")
    assert menu.get_by_role("link", name="Báo cáo định kỳ của đơn vị").is_hidden()
    menu.locator("summary").click()
    assert menu.get_by_role("link", name="Báo cáo định kỳ của đơn vị").is_visible()
    shot(page, "01-office-nav-menu", full_page=False)
    menu.locator("summary").click()
    page.get_by_role("link", name="Nhập văn bản mới").first.click()
    visit(page, "02-document-new")
    page.get_by_label("Số, ký hiệu").fill(number)
    page.get_by_label("Loại văn bản").select_option("cong_van")
    page.get_by_label("Người giao").select_option("pho_chu_tich")
    page.get_by_label("Ngày ban hành").fill(system_date(base))  # released on time (Đ6.1)
    page.locator("#f-signer-name").fill("Lê Văn C")
    page.get_by_label("Chức vụ người ký").fill("Phó Chủ tịch UBND tỉnh")
    page.get_by_label("Trích yếu").fill("Về rà soát vốn đầu tư công và công trình trọng điểm")
    page.locator("[name='tasks-0-content']").fill(content_a)
    page.locator("#f-tasks-0-lead_unit-filter").fill("tai chinh")  # no diacritics needed
    assert page.locator("#f-tasks-0-lead_unit").input_value() == UNIT_A
    page.locator("[name='tasks-0-due_on']").fill("2027-01-29")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm nhiệm vụ").click()
    page.locator("[name='tasks-1-content']").fill(content_b)
    page.locator("#f-tasks-1-lead_unit").select_option(UNIT_B)
    page.locator("[name='tasks-1-due_on']").fill("2027-02-26")
    visit(page, "03-document-new-filled")
    with page.expect_navigation():
        page.get_by_role("button", name="Lưu và chuyển theo dõi").click()
    page.locator(".flash-success", has_text="chuyển theo dõi").wait_for()
    visit(page, "04-document-released")
    task_links = page.locator("a[href^='/tasks/']")
    task_a = task_links.filter(has_text=content_a).get_attribute("href")
    task_b = task_links.filter(has_text=content_b).get_attribute("href")
    assert task_a and task_b
    sign_out(page)

    # Unit A: the task waits on its home; it accepts, reports progress, submits its result.
    sign_in(page, base, "unit_officer", UNIT_A)
    until(page, lambda: page.get_by_text(content_a).count() > 0, f"{base}/unit")
    visit(page, "05-unit-a-home")
    page.get_by_role("link", name=content_a).first.click()
    page.locator(".bpmn-canvas[data-diagram='ready']").wait_for()  # (its diagram drawn)
    visit(page, "06-unit-a-task")
    act(page, "accept", "Tiếp nhận")
    act(page, "report_progress", "Báo cáo tiến độ", note="Đã rà soát 12 trên 20 dự án.")
    act(page, "submit_result", "Báo cáo kết quả", note="Đã rà soát xong 20 dự án; báo cáo kèm.")
    assert page.locator(".status-submitted").count() > 0
    visit(page, "07-unit-a-submitted")
    sign_out(page)

    # Unit B: returns its task, not its function (Đ5.2a).
    sign_in(page, base, "unit_officer", UNIT_B)
    until(page, lambda: page.get_by_text(content_b).count() > 0, f"{base}/unit")
    page.get_by_role("link", name=content_b).first.click()
    act(
        page,
        "return",
        "Đề nghị điều chỉnh",
        reason="not_its_function",
        note="Nhiệm vụ thuộc chức năng của Sở Công Thương.",
    )
    visit(page, "08-unit-b-returned")
    sign_out(page)

    # The Office: the return with its reason and A's result wait in its queue.
    sign_in(page, base, "office", "VP_UBND")
    page.goto(f"{base}/office")
    returned = page.locator("#q-returned tr", has_text=content_b)
    assert "Không thuộc chức năng" in returned.inner_text()
    assert page.locator("#q-submitted tr", has_text=content_a).count() == 1
    visit(page, "09-office-queue")
    returned.get_by_role("link").click()
    page.locator("summary", has_text="Chuyển đơn vị chủ trì").click()
    page.locator("#f-lead_unit-filter").fill("cong thuong")
    assert page.locator("#f-lead_unit").input_value() == UNIT_C
    page.locator("#f-reason").fill("Đúng chức năng của Sở Công Thương.")
    with page.expect_navigation():
        page.locator("button[data-action='transfer']").click()
    until(page, lambda: "Sở Công Thương" in page.locator("#h-facts + dl").inner_text(), page.url)
    # The diagram waits for the Office to settle the return: the task goes to its new unit.
    act(page, "resolve_return", "Xử lý đề nghị điều chỉnh", note="Đã chuyển Sở Công Thương.")
    assert page.locator(".status-assigned").count() > 0
    visit(page, "10-office-transferred")
    page.goto(f"{base}/office")
    page.locator("#q-submitted tr", has_text=content_a).get_by_role("link").click()
    act(page, "confirm", "Xác nhận hoàn thành", note="Kết quả đạt yêu cầu.")
    assert page.locator(".status-completed").count() > 0
    visit(page, "11-office-confirmed")
    sign_out(page)

    # Unit A: the confirmation is in its inbox; marking it read updates the page in place.
    sign_in(page, base, "unit_officer", UNIT_A)
    confirmation = page.locator(".inbox-item", has_text="xác nhận hoàn thành").filter(
        has=page.locator(f"a[href='{task_a}']")
    )
    until(page, lambda: confirmation.count() > 0, f"{base}/inbox")
    assert page.locator("#unread-count").count() == 1
    visit(page, "12-unit-a-inbox")
    confirmation.get_by_role("button", name="Đánh dấu đã đọc").click()
    page.locator(".inbox-item:not(.unread)", has=page.locator(f"a[href='{task_a}']")).filter(
        has_text="Đã đọc"
    ).first.wait_for()
    visit(page, "13-unit-a-inbox-read")


def test_a_commune_officer_works_on_a_phone(web_system: str, phone_page: Any) -> None:
    """360 px wide: the unit's home and a task page are usable and pass the same checks."""
    page = phone_page
    sign_in(page, web_system, "unit_officer", "SO_NNMT")
    visit(page, "20-phone-unit-home")
    page.locator("#u-accept a[href^='/tasks/']").first.click()
    visit(page, "21-phone-task")
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 360, f"the page scrolls sideways on a phone ({width} px)"


def test_the_other_pages_pass_the_same_checks(web_system: str, page: Any) -> None:
    """Sign-in, lists, search with a filter, preferences and who am I: screenshot and axe."""
    page.goto(f"{web_system}/login")
    visit(page, "30-login")
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/documents?q=thien+tai")
    assert page.locator("tbody tr").count() == 1
    visit(page, "31-documents-search")
    page.goto(f"{web_system}/tasks")
    page.get_by_label("Tìm theo nội dung (không cần dấu)").fill("kinh phi du phong")
    page.get_by_label("Trạng thái").select_option("assigned")
    page.get_by_role("button", name="Lọc").click()  # htmx swaps the results, pushes the URL
    page.wait_for_url(re.compile(r"/tasks\?.*q=kinh"))
    assert page.locator("#results tbody tr").count() == 1
    visit(page, "32-task-list-filtered")
    page.goto(f"{web_system}/preferences")
    visit(page, "33-preferences")
    page.goto(f"{web_system}/me")
    visit(page, "34-me")
