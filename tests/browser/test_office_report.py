"""The Office's evaluation report (Đ16.2, Đ18.2) in a real browser: prepared through the API up
to its leader's approval, the Office reads it assembled, publishes it with its number, and a
visitor reads the approved text on the public page. Screenshots
var/artifacts/screenshots/office-report-*.png, axe-core on each page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_check, shot, sign_in
from tests.browser.reviewed import call, publish, read_publicly
from tests.polling import wait_for

SECTIONS = {
    "progress": "Tiến độ: phần lớn nhiệm vụ hoàn thành đúng hạn; một số nhiệm vụ quá hạn.",
    "quality": "Chất lượng: kết quả đạt yêu cầu chỉ đạo của UBND tỉnh.",
    "effectiveness": "Hiệu quả: chuyển biến rõ trong giải ngân vốn đầu tư công.",
    "difficulties": "Một số đơn vị cập nhật tiến độ chậm.",
    "proposals": "Đề nghị Chủ tịch UBND tỉnh nhắc nhở các đơn vị chậm báo cáo.",
}


def approved_report(base: str) -> tuple[str, str]:
    """The upcoming period's evaluation, written, submitted and approved: (case id, report id)."""
    periods = wait_for(
        lambda: call(base, "GET", "/api/workflow/periodic-reports", "office")["items"],
        what="the period's reminder case",
    )
    period = max(periods, key=lambda c: c["data"]["units_due_on"])["data"]["period"]
    report_id = call(base, "POST", "/api/reporting/reports", "office", {"period": period})["id"]
    opened = call(
        base,
        "POST",
        "/api/workflow/office-reports",
        "office",
        {"period": period, "report_id": report_id},
    )
    case_id = opened["items"][0]["id"]
    actions = f"/api/workflow/office-reports/{case_id}/actions"
    call(base, "POST", f"{actions}/submit", "office", {"report_id": report_id, **SECTIONS})
    call(base, "POST", f"{actions}/approve", "office_lead", {})
    return case_id, report_id


def test_the_office_publishes_its_approved_evaluation_for_everyone_to_read_D16_2(
    page: Any, web_system: str
) -> None:
    case_id, report_id = approved_report(web_system)
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/office-reports/{case_id}")
    assert "Lãnh đạo Văn phòng đã duyệt, chờ công bố" in page.locator("#report-status").inner_text()
    assert page.locator("#table-units").is_visible() and page.locator("#table-leaders").is_visible()
    shot(page, "office-report-approved")
    axe_check(page, "office-report-approved")
    publish(page, "125/BC-VP")
    shot(page, "office-report-published")
    public = f"{web_system}/cong-khai/bao-cao/{report_id}"
    read_publicly(page, public, "evaluation", SECTIONS["effectiveness"], "office-report-public")


def test_the_units_reports_and_the_overdue_summaries_read_well_D18_1_D16_4(
    page: Any, web_system: str
) -> None:
    """The pages of units' periodic reports and of the Office's overdue summaries, looked at."""
    sign_in(page, web_system, "unit_officer", "SO_TC")
    page.goto(f"{web_system}/unit-reports")
    page.get_by_role("heading", name="Báo cáo định kỳ", level=1).wait_for()
    opening = page.get_by_role("button", name="Lập báo cáo")
    if opening.count():
        with page.expect_navigation():
            opening.first.click()
        page.locator("form").first.wait_for()
    shot(page, "unit-report-form")
    axe_check(page, "unit-report-form")

    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/unit-reports")
    shot(page, "unit-reports-office")
    axe_check(page, "unit-reports-office")
    page.goto(f"{web_system}/overdue-summaries")
    page.get_by_role("heading", level=1).wait_for()
    shot(page, "overdue-summaries")
    axe_check(page, "overdue-summaries")
