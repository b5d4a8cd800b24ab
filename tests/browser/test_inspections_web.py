"""Units' own inspections (Đ10.2b, Đ15.1), the Working Group (Đ13.1) and the annual inspection
plan (Đ10.1a) in a real browser: a unit head opens an inspection of the unit and ends it; the
Office sees it, and its Working Group and plans pages. Every page is screenshot and checked with
axe-core."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_check, shot, sign_in


def visit(page: Any, name: str) -> None:
    shot(page, name)
    axe_check(page, name)


def test_a_unit_head_opens_and_ends_an_inspection_the_office_sees_it_D10_2b_D15_1(
    web_system: str, page: Any
) -> None:
    sign_in(page, web_system, "unit_head", "SO_TC")
    page.goto(f"{web_system}/unit-inspections")
    visit(page, "60-unit-inspections")
    page.get_by_role("link", name="Mở cuộc tự kiểm tra").click()
    page.get_by_label("Tên cuộc kiểm tra").fill("Tự kiểm tra việc thực hiện nhiệm vụ quý IV")
    page.get_by_label("Từ ngày").fill("2026-10-01")
    page.get_by_label("Đến ngày").fill("2026-11-30")
    visit(page, "61-unit-inspection-form")
    with page.expect_navigation():
        page.get_by_role("button", name="Mở cuộc kiểm tra").click()
    assert page.locator("#inspection-status").inner_text() == "Đơn vị đang tự kiểm tra"
    visit(page, "62-unit-inspection")
    with page.expect_navigation():
        page.get_by_role("button", name="Kết thúc kiểm tra").click()
    assert page.locator("#report-form").count() == 1
    visit(page, "63-unit-inspection-report-form")

    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").first.click()
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/unit-inspections")
    assert page.get_by_text("Tự kiểm tra việc thực hiện nhiệm vụ quý IV").count() == 1
    visit(page, "64-unit-inspections-office")
    page.goto(f"{web_system}/working-group")
    visit(page, "65-working-group")
    page.goto(f"{web_system}/inspection-plans")
    visit(page, "66-inspection-plans")
