"""What the document system was told, in a real browser (Đ3.2): a document it sent as EDXML is
received and released; the Office's page of the document lists the status messages. The page is
screenshot and checked with axe-core."""

from __future__ import annotations

import uuid
from pathlib import Path
from typing import Any

import requests

from tests.browser.conftest import api_token, axe_check, shot, sign_in

SAMPLE = Path(__file__).parent.parent / "data" / "edxml" / "qcvn102_chi_thi.xml"


def test_the_office_reads_the_status_messages_of_a_document_from_the_document_system_D3_2(
    page: Any, web_system: str
) -> None:
    base = web_system
    old_id = b"000.00.00.H56,2026/11/27,25/2026/CT-UBND"
    body = SAMPLE.read_bytes().replace(old_id, f"browser-{uuid.uuid4().hex}".encode())
    qlvb = {"Authorization": f"Bearer {api_token('qlvb', None)}"}
    office = {"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"}
    created = requests.post(
        f"{base}/api/intake/documents",
        data=body,
        headers={**qlvb, "Content-Type": "application/xml"},
        timeout=30,
    )
    assert created.status_code == 201, created.text
    document_id = created.json()["id"]
    task = {
        "content": "Kiểm tra phòng cháy tại các chợ",
        "lead_unit": "SO_CT",
        "coordinating_units": [],
        "due_on": "2027-06-30",
        "cadence": None,
    }
    added = requests.post(
        f"{base}/api/intake/documents/{document_id}/tasks", json=task, headers=office, timeout=30
    )
    assert added.status_code == 201, added.text
    released = requests.post(
        f"{base}/api/intake/documents/{document_id}/release", headers=office, timeout=30
    )
    assert released.status_code == 200, released.text

    sign_in(page, base, "office", "VP_UBND")
    page.goto(f"{base}/documents/{document_id}")
    section = page.locator("section", has=page.locator("#h-statuses"))
    items = section.locator("li")
    assert items.count() == 2
    assert "03" in items.nth(0).inner_text() and "Đã tiếp nhận" in items.nth(0).inner_text()
    assert "04" in items.nth(1).inner_text() and "chuyển theo dõi" in items.nth(1).inner_text()
    shot(page, "document-status-messages")
    axe_check(page, "document-status-messages")
