"""The Office's commendation and discipline proposals (Đ21) in a real browser: the Office opens
the year's proposals, adds a unit with its reason and sends them to Sở Nội vụ, whose officer reads
them with the diagram. Screenshots var/artifacts/screenshots/commendation-*.png, axe-core on each
page."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import axe_check, shot, sign_in


def test_the_office_sends_its_proposals_and_so_noi_vu_reads_them_D21_4(
    page: Any, web_system: str
) -> None:
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/commendations")
    page.get_by_role("heading", name="Đề xuất khen thưởng, kỷ luật", level=1).wait_for()
    axe_check(page, "commendations-list")
    page.fill("[name=period]", "2026")
    with page.expect_navigation():
        page.get_by_role("button", name="Lập đề xuất cho kỳ").click()
    case_url = page.url
    page.select_option("[name=unit]", "SO_TC")
    page.fill("textarea[name=reason]", "Hoàn thành sớm các nhiệm vụ trọng tâm về giải ngân")
    with page.expect_navigation():
        page.get_by_role("button", name="Thêm vào danh sách").click()
    assert "Hoàn thành sớm các nhiệm vụ trọng tâm" in page.locator("#h-candidates + *").inner_text()
    shot(page, "commendation-draft")
    axe_check(page, "commendation-draft")
    with page.expect_navigation():
        page.get_by_role("button", name="Gửi Sở Nội vụ xin ý kiến").click()

    sign_in(page, web_system, "unit_officer", "SO_NV")
    page.goto(case_url)
    page.get_by_role("button", name="Gửi ý kiến").wait_for()
    shot(page, "commendation-so-noi-vu")
    axe_check(page, "commendation-so-noi-vu")
