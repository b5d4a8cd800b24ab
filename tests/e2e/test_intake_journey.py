"""Intake through the running system, on both profiles: an EDXML document from the document
system, completed and released by the Office, found by search, corrected (Đ5.2a)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from tests.e2e.conftest import Client

pytestmark = pytest.mark.e2e

SAMPLE = Path(__file__).parent.parent / "data" / "edxml" / "qcvn102_chi_thi.xml"


def edxml_document() -> bytes:
    """The sample chỉ thị under a fresh DocumentId, so each run is a new document."""
    text = SAMPLE.read_text(encoding="utf-8")
    old_id = "000.00.00.H56,2026/11/27,25/2026/CT-UBND"
    return text.replace(old_id, f"e2e-{uuid.uuid4().hex}").encode("utf-8")


def test_an_edxml_document_is_completed_released_found_and_corrected_D5_2a(
    system: Client,
) -> None:
    qlvb = system.token("qlvb", None)
    office = system.token("office", "VP_UBND")
    received = system.call(
        "POST",
        "/api/intake/documents",
        qlvb,
        data=edxml_document(),
        headers={"Content-Type": "application/xml"},
    )
    assert received.status_code == 201, received.text
    document = received.json()
    assert (document["status"], document["tasks"]) == ("received", [])

    task = {
        "content": "Kiểm tra phòng cháy tại chợ",
        "lead_unit": "SO_CT",
        "coordinating_units": [],
        "due_on": "2026-12-31",
        "cadence": None,
    }
    added = system.call("POST", f"/api/intake/documents/{document['id']}/tasks", office, json=task)
    assert added.status_code == 201, added.text
    task_id = added.json()["id"]
    released = system.call("POST", f"/api/intake/documents/{document['id']}/release", office)
    assert released.status_code == 200 and released.json()["status"] == "released"

    officer = system.token("unit_officer", "SO_CT")
    system.wait_for(
        lambda: system.call("GET", f"/api/workflow/tasks/{task_id}", officer).ok,
        "the workflow to assign the added task",
    )

    found = system.call("GET", "/api/intake/documents?q=phong chay chua chay", office).json()
    assert document["id"] in [item["id"] for item in found["items"]]

    moved = system.call(
        "POST",
        f"/api/intake/tasks/{task_id}/transfer",
        office,
        json={"lead_unit": "SO_XD", "reason": "Không thuộc chức năng"},
    )
    assert moved.status_code == 200, moved.text
    assert moved.json()["id"] == task_id and moved.json()["lead_unit"] == "SO_XD"
