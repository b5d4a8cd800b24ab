"""The notify service on SQLite: task events become inbox items, once per recipient."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from services.notify.app import create_app, create_service
from services.notify.consumer import create_consumer
from shared.auth import AuthSettings, mint_token
from shared.calendar import TZ
from shared.clock import FixedClock
from shared.events import encode, make_event

SECRET = "notify-secret-0123456789-0123456789-00"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)


@pytest.fixture()
def notify(tmp_path: Path, bus_namespace: str) -> Iterator[Any]:
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": bus_namespace}
    service = create_service(env, clock=FixedClock(NOW))
    service.migrate()
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    yield service
    service.platform.stop()


def auth(role: str, unit: str | None, sub: str = "someone") -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    return {
        "Authorization": "Bearer "
        + mint_token(settings, sub=sub, name=sub, unit=unit, roles=[role])
    }


def event(event_type: str, status: str, **overrides: Any) -> bytes:
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "status": status,
        "lead_unit": "SO_TC",
        "coordinating_units": ["SO_XD"],
        "due_on": "2026-12-20",
        "overdue": False,
        "assigned_on": "2026-12-01",
        "assigned_by": "chu_tich",
        "content": "Rà soát vốn đầu tư công",
        "occurred_at": NOW.isoformat(),
        **overrides,
    }
    return encode(make_event(event_type, data, source="/test", time=NOW)).encode()


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
