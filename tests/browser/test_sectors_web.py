"""A department's sectors page in a real browser (Đ8.2a): the Office records that a department
manages a sector; the department's head opens "Lĩnh vực quản lý" from the dashboard, reads the
sector's figures by unit and its tasks, opens one and urges it. The pages are screenshot and
checked with axe-core."""

from __future__ import annotations

import re
import uuid
from datetime import date
from typing import Any

import requests

from tests.browser.conftest import api_token, axe_check, shot, sign_in
from tests.polling import wait_for

COMMUNE = "14812"


def test_a_department_head_reads_and_urges_the_tasks_of_its_sector_D8_2a(
    page: Any, web_system: str
) -> None:
    base = web_system
    office = {"Authorization": f"Bearer {api_token('office', 'VP_UBND')}"}
    head = {"Authorization": f"Bearer {api_token('unit_head', 'SO_NNMT')}"}
    commune = {"Authorization": f"Bearer {api_token('unit_officer', COMMUNE)}"}
    placed = requests.patch(
        f"{base}/api/intake/units/SO_NNMT",
        json={"sectors": ["nong_nghiep"]},
        headers=office,
        timeout=30,
    )
    assert placed.status_code == 200, placed.text
    content = f"Phòng chống dịch bệnh trên đàn gia cầm {uuid.uuid4().hex[:6]}"
    today = date.today().isoformat()
    document = {
        "source_id": f"browser-sector-{uuid.uuid4().hex}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-NN",
        "type": "cong_van",
        "assigned_by": "chu_tich",
        "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": today,
        "summary": "Về phòng chống dịch bệnh",
        "release": True,
        "sector": "nong_nghiep",
        "tasks": [
            {
                "content": content,
                "lead_unit": COMMUNE,
                "coordinating_units": [],
                "due_on": f"{int(today[:4]) + 1}-06-30",
                "cadence": None,
            }
        ],
    }
    created = requests.post(
        f"{base}/api/intake/documents", json=document, headers=office, timeout=30
    )
    assert created.status_code == 201, created.text
    task_id = created.json()["tasks"][0]["id"]
    task_url = f"{base}/api/workflow/tasks/{task_id}"
    wait_for(
        lambda: requests.get(task_url, headers=head, timeout=30).status_code == 200,
        what="the task in the department's reach",
    )
    accepted = requests.post(f"{task_url}/actions/accept", headers=commune, json={}, timeout=30)
    assert accepted.status_code == 200, accepted.text

    sign_in(page, base, "unit_head", "SO_NNMT")
    page.goto(f"{base}/dashboard")
    with page.expect_navigation():
        page.locator("#to-sectors").click()
    assert page.locator("h1").inner_text().startswith("Lĩnh vực quản lý: Nông nghiệp")
    assert content in page.locator("#sector-tasks").inner_text()
    shot(page, "sectors-department-head")
    axe_check(page, "sectors-department-head")

    with page.expect_navigation():
        page.locator("#sector-tasks a", has_text=content).click()
    label = "Đôn đốc (sở quản lý ngành, lĩnh vực)"
    page.locator("summary", has_text=re.compile(rf"^\s*{re.escape(label)}\s*$")).first.click()
    # htmx sends the form and swaps the panel, as for every action of the task's page.
    form = page.locator("form:has(button[data-action='urge_in_sector'])")
    form.locator("[name=note]").fill("Đề nghị báo cáo kết quả tiêm phòng trước ngày 20")
    form.locator("button[data-action='urge_in_sector']").click()
    page.locator(".flash-success", has_text=label).wait_for()
    shot(page, "sectors-task-urged")
    axe_check(page, "sectors-task-urged")
    history = requests.get(task_url, headers=office, timeout=30).json()["history"]
    assert history[-1]["action"] == "urge_in_sector"
