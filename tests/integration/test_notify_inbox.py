"""The notify service on SQLite: task events become inbox items, once per recipient."""

from __future__ import annotations

from typing import Any

from shared.events import encode, make_event
from tests.integration.notifykit import NOW, auth
from tests.integration.notifykit import task_event as event


def inbox(service: Any, who: dict[str, str]) -> dict[str, Any]:
    answer = service.client.get("/api/notify/inbox", headers=who)
    assert answer.status_code == 200
    return dict(answer.get_json())


def test_an_assignment_reaches_the_lead_and_coordinating_units_once(notify: Any) -> None:
    unit_event = encode(
        make_event(
            "unit.updated",
            {"code": "SO_TC", "name": "Sở Tài chính", "kind": "department", "active": True},
            source="/test",
            time=NOW,
        )
    ).encode()
    notify.consumer.process(unit_event, {})
    body = event("task.assigned", "assigned")
    assert notify.consumer.process(body, {}) == "applied"
    assert notify.consumer.process(body, {}) == "duplicate"

    lead = inbox(notify, auth("unit_officer", "SO_TC"))
    assert lead["total"] == 1 and lead["unread"] == 1
    item = lead["items"][0]
    assert item["title"] == "Nhiệm vụ mới được giao"
    assert "Sở Tài chính" in item["body"] and "20/12/2026" in item["body"]
    coordinating = inbox(notify, auth("unit_officer", "SO_XD"))
    assert coordinating["items"][0]["title"] == "Nhiệm vụ phối hợp thực hiện"
    assert inbox(notify, auth("unit_officer", "SO_YT"))["total"] == 0


def test_a_submitted_result_reaches_the_office(notify: Any) -> None:
    notify.consumer.process(event("task.result_submitted", "submitted"), {})
    items = inbox(notify, auth("office", "VP_UBND"))["items"]
    assert [i["event_type"] for i in items] == ["task.result_submitted"]


def test_items_are_marked_read_one_or_all(notify: Any) -> None:
    notify.consumer.process(event("task.assigned", "assigned"), {})
    notify.consumer.process(event("task.completed", "completed"), {})
    who = auth("unit_officer", "SO_TC")
    first = inbox(notify, who)["items"][0]["id"]
    assert notify.client.post(f"/api/notify/inbox/{first}/read", headers=who).status_code == 200
    assert inbox(notify, who)["unread"] == 1
    other = auth("unit_officer", "SO_YT")
    assert notify.client.post(f"/api/notify/inbox/{first}/read", headers=other).status_code == 404
    assert notify.client.post("/api/notify/inbox/read-all", headers=who).get_json() == {"marked": 1}
    assert inbox(notify, who)["unread"] == 0


def _escalation() -> bytes:
    data = {
        "case_id": "c1",
        "kind": "feedback",
        "title": "SO_TC: không đúng thời hạn — 12/UBND: Rà soát",
        "status": "awaiting_direction",
        "task_id": "t1",
        "parties": {"reporter": ["XA_A"], "responsible": ["SO_TC"]},
        "units": ["SO_TC", "XA_A"],
        "action": "escalate",
        "note": "Đề xuất giao Sở Xây dựng chủ trì",
        "occurred_at": NOW.isoformat(),
    }
    return encode(make_event("feedback.escalated", data, source="/test", time=NOW)).encode()


def test_d16_6_a_request_for_direction_reaches_every_leader_by_role(notify: Any) -> None:
    assert notify.consumer.process(_escalation(), {}) == "applied"
    chairman = auth("leader", None, sub="chu_tich")
    vice = auth("leader", None, sub="pho_chu_tich")
    for leader in (chairman, vice):
        items = inbox(notify, leader)["items"]
        assert [i["event_type"] for i in items] == ["feedback.escalated"]
        assert "Đề xuất giao Sở Xây dựng chủ trì" in items[0]["body"]
    assert inbox(notify, auth("unit_officer", "XA_A"))["total"] == 1  # the reporting unit
    assert inbox(notify, auth("unit_officer", "SO_TC"))["total"] == 0
    assert inbox(notify, auth("office", "VP_UBND"))["total"] == 0
    read = notify.client.post("/api/notify/inbox/read-all", headers=chairman)
    assert read.status_code == 200 and read.get_json()["marked"] == 1
    assert inbox(notify, vice)["unread"] == 0  # one inbox for the role, as a unit's is shared
