"""The Office's annual report on this regulation (Đ20.1) in a real browser: the Office opens the
year's report from the list with the date it sets, writes its sections and submits them, its
leader approves (through the API), the Office publishes it with its number, and a visitor reads
the approved text on the public page. Screenshots var/artifacts/screenshots/annual-report-*.png,
axe-core on each page."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.calendar import TZ
from tests.browser.conftest import axe_check, shot, sign_in
from tests.browser.reviewed import call, publish, read_publicly

SECTIONS = {
    "assessment": "Các đơn vị cập nhật đầy đủ, tỷ lệ hoàn thành đúng hạn tăng.",
    "training": "Tổ chức 3 lớp tập huấn sử dụng Hệ thống cho 450 cán bộ.",
    "difficulties": "Một số xã chưa bố trí cán bộ theo dõi, đôn đốc.",
    "proposals": "Đề nghị biểu dương các đơn vị thực hiện tốt Quy chế.",
}


def test_the_office_writes_and_publishes_its_annual_report_for_everyone_to_read_D20_1(
    page: Any, web_system: str
) -> None:
    year = datetime.now(TZ).year
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/annual-reports")
    shot(page, "annual-report-list")
    axe_check(page, "annual-report-list")
    row = page.locator(f"#year-{year}")
    row.locator("input[name=due_on]").fill(f"{year + 1}-01-15")
    with page.expect_navigation():
        row.get_by_role("button", name=f"Lập báo cáo năm {year}").click()
    assert "Văn phòng đang viết báo cáo" in page.locator("#report-status").inner_text()
    assert page.locator("#table-units").is_visible()
    assert page.locator("#inspections-summary").is_visible()
    for name, value in SECTIONS.items():
        page.fill(f"[name={name}]", value)
    shot(page, "annual-report-draft")
    axe_check(page, "annual-report-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Trình lãnh đạo Văn phòng duyệt").click()
    case_id = page.url.rstrip("/").rsplit("/", 1)[-1]
    call(
        web_system,
        "POST",
        f"/api/workflow/annual-reports/{case_id}/actions/approve",
        "office_lead",
        {},
    )
    page.reload()
    publish(page, "15/BC-VP")
    with page.expect_download() as got:  # the official document, from reporting's registry
        page.locator("#document-docx").click()
    assert got.value.suggested_filename == f"bao-cao-thuc-hien-quy-che-{year}.docx"
    pdf_link = page.locator("#document-pdf").get_attribute("href") or ""
    assert pdf_link.endswith(f"/annual-reports/{case_id}/document.pdf")
    shot(page, "annual-report-published")
    axe_check(page, "annual-report-published")
    public = page.locator("#public-link").get_attribute("href")
    read_publicly(
        page, f"{web_system}{public}", "annual", SECTIONS["training"], "annual-report-public"
    )
