"""The Office's "Mẫu văn bản" page in a real browser (docs/documents.md): it downloads the unit
report's template in force, uploads an edited one (applied: the next report follows it), tries a
broken one (refused in Vietnamese, the edited one kept) and resets to the shipped one; then
downloads a unit report's DOCX and PDF built from it (Đ18.1). Screenshots
var/artifacts/screenshots/document-templates-*.png, axe-core on each page."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from docx import Document

from services.reporting.documents.registry import shipped
from tests.browser.conftest import axe_check, shot, sign_in


def _edited(title: str, path: Path) -> Path:
    document = Document(io.BytesIO(shipped("unit_report")))
    first = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    first.runs[0].text = title
    document.save(path)
    return path


def test_the_office_uploads_a_template_on_the_web_and_resets_it_D18_1(
    page: Any, web_system: str, tmp_path: Path
) -> None:
    sign_in(page, web_system, "office", "VP_UBND")
    page.goto(f"{web_system}/me")
    page.locator(".nav-menu summary", has_text="Báo cáo").first.click()  # the header's menu
    page.get_by_role("link", name="Mẫu văn bản").first.click()
    page.wait_for_url("**/document-templates")
    section = page.locator("#template-unit_report")
    assert "Mẫu gốc của hệ thống" in section.locator(".template-current").inner_text()
    shot(page, "document-templates-list")
    axe_check(page, "document-templates-list")

    with page.expect_download() as download:
        section.get_by_role("link", name="Tải mẫu đang dùng (.docx)").click()
    current = Document(download.value.path())
    assert any(p.text == "{{ summary }}" for p in current.paragraphs)  # the tags, to keep

    section.locator("input[type=file]").set_input_files(
        str(_edited("BÁO CÁO (MẪU SỞ)", tmp_path / "mau-bao-cao-don-vi.docx"))
    )
    with page.expect_navigation():
        section.get_by_role("button", name="Tải lên và áp dụng").click()
    section = page.locator("#template-unit_report")
    assert "Phiên bản 1: mau-bao-cao-don-vi.docx" in section.inner_text()
    assert "Đã áp dụng mẫu mới (phiên bản 1)" in page.locator("body").inner_text()
    shot(page, "document-templates-uploaded")

    section.locator("input[type=file]").set_input_files(
        str(_edited("{% for x in %}", tmp_path / "mau-hong.docx"))
    )
    with page.expect_navigation():
        section.get_by_role("button", name="Tải lên và áp dụng").click()
    section = page.locator("#template-unit_report")
    assert "Mẫu văn bản không dùng được" in page.get_by_role("alert").inner_text()
    assert "Lỗi cú pháp" in section.locator(".field-error").inner_text()
    assert "Phiên bản 1: mau-bao-cao-don-vi.docx" in section.inner_text()  # kept
    shot(page, "document-templates-refused")
    axe_check(page, "document-templates-refused")

    with page.expect_navigation():
        section.get_by_role("button", name="Dùng lại mẫu gốc").click()
    section = page.locator("#template-unit_report")
    assert "Mẫu gốc của hệ thống" in section.locator(".template-current").inner_text()
    shot(page, "document-templates-reset")
