"""Documents and files in a real browser: a unit reads its task's document and downloads its file
(Đ5.2a), submits its result with a file (Đ6.2a), reports a wrong task on the document (Đ5.2a),
and the Office sees the report in its queue. Every page is screenshot and checked with axe-core."""

from __future__ import annotations

import re
import uuid
from typing import Any

import requests

from tests.browser.conftest import api_token, axe_check, shot, sign_in
from tests.polling import wait_for

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def visit(page: Any, name: str) -> None:
    shot(page, name)
    axe_check(page, name)


def released_with_a_file(base: str) -> tuple[str, str]:
    office = {"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"}
    today = str(requests.get(f"{base}/api/admin/clock", timeout=10).json()["now"])[:10]
    body = {
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "summary": "Về rà soát hồ sơ quyết toán vốn",
        "release": True,
        "tasks": [
            {
                "content": f"Rà soát hồ sơ quyết toán {uuid.uuid4().hex[:6]}",
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": "2027-06-30",
                "cadence": None,
            }
        ],
    }
    created = requests.post(f"{base}/api/intake/documents", json=body, headers=office, timeout=30)
    assert created.status_code == 201, created.text
    document = created.json()
    added = requests.post(
        f"{base}/api/intake/documents/{document['id']}/files",
        files={"file": ("Công văn rà soát.pdf", PDF, "application/pdf")},
        headers=office,
        timeout=30,
    )
    assert added.status_code == 201, added.text
    task_id = document["tasks"][0]["id"]
    wait_for(
        lambda: (
            requests.get(
                f"{base}/api/workflow/tasks/{task_id}", headers=office, timeout=10
            ).status_code
            == 200
        ),
        20,
        "the task in the workflow",
    )
    return document["id"], task_id


def test_a_unit_reads_the_document_sends_a_result_file_and_reports_a_wrong_task(
    web_system: str, page: Any
) -> None:
    base = web_system
    document_id, task_id = released_with_a_file(base)
    sign_in(page, base, "unit_officer", "SO_TC")
    page.goto(f"{base}/tasks/{task_id}")
    page.get_by_text("Về rà soát hồ sơ quyết toán vốn").wait_for()
    link = page.get_by_role("link", name="Công văn rà soát.pdf")
    with page.expect_download() as download:
        link.click()
    assert download.value.suggested_filename == "Công văn rà soát.pdf"
    visit(page, "files-01-unit-task-with-document-file")

    page.locator("summary", has_text=re.compile(r"^\s*Tiếp nhận\s*$")).first.click()
    page.locator("button[data-action='accept']").click()
    page.locator(".flash-success").wait_for()
    page.locator("summary", has_text=re.compile(r"^\s*Báo cáo kết quả\s*$")).first.click()
    form = page.locator("form:has(button[data-action='submit_result'])")
    form.locator("[name='note']").fill("Đã rà soát xong, gửi kèm báo cáo")
    form.locator("input[type='file']").set_input_files(
        {"name": "Báo cáo kết quả.pdf", "mimeType": "application/pdf", "buffer": PDF}
    )
    visit(page, "files-02-result-form-with-file")
    form.locator("button[data-action='submit_result']").click()
    page.locator(".flash-success").wait_for()
    page.get_by_role("link", name="Báo cáo kết quả.pdf").wait_for()
    visit(page, "files-03-history-with-result-file")

    page.goto(f"{base}/documents/{document_id}")
    page.get_by_label("Giao nhiệm vụ chưa chính xác").check()
    page.locator("select[name='task_id']").select_option(task_id)
    page.get_by_label(re.compile("^Lý do")).fill("Đề nghị giao Sở Xây dựng phối hợp")
    visit(page, "files-04-document-report-form")
    page.get_by_role("button", name="Gửi Văn phòng UBND tỉnh").click()
    page.locator(".flash-success").wait_for()

    with page.expect_navigation():
        page.get_by_role("button", name="Đăng xuất").first.click()
    sign_in(page, base, "office", "VP_UBND")
    page.goto(f"{base}/office#q-task-reports")
    page.locator("#q-task-reports").get_by_text("Đề nghị giao Sở Xây dựng phối hợp").wait_for()
    visit(page, "files-05-office-queue-task-reports")
