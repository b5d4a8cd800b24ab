"""A unit's report of a missing or wrong task (Đ5.2a) reaches the Office's inbox."""

from __future__ import annotations

from typing import Any

from shared.events import encode, make_event
from tests.integration.notifykit import NOW, auth


def test_a_units_report_of_a_missing_task_reaches_the_office_D5_2a(notify: Any) -> None:
    unit = {"code": "SO_TC", "name": "Sở Tài chính", "kind": "department", "active": True}
    notify.consumer.process(
        encode(make_event("unit.updated", unit, source="/test", time=NOW)).encode(), {}
    )
    data = {
        "report_id": "r" * 32,
        "document_id": "d" * 32,
        "document_number": "25/2026/CT-UBND",
        "unit": "SO_TC",
        "problem": "missing",
        "reason": "Văn bản giao Sở Tài chính thẩm định kinh phí",
        "reported_at": NOW.isoformat(),
        "task_id": None,
        "actor": {"sub": "u1", "name": "Cán bộ", "role": "unit_officer", "unit": "SO_TC"},
    }
    body = encode(make_event("document.task_reported", data, source="/test", time=NOW)).encode()
    assert notify.consumer.process(body, {}) == "applied"
    office = notify.client.get("/api/notify/inbox", headers=auth("office", "VP_UBND")).get_json()
    [item] = office["items"]
    assert item["title"] == "Đơn vị báo giao thiếu hoặc chưa chính xác nhiệm vụ"
    assert "Sở Tài chính báo văn bản 25/2026/CT-UBND giao thiếu nhiệm vụ" in item["body"]
    unit_inbox = notify.client.get("/api/notify/inbox", headers=auth("unit_officer", "SO_TC"))
    assert unit_inbox.get_json()["total"] == 0
