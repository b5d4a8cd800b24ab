"""Status back to the document system through the running system, on both profiles (Đ3.2): an
EDXML document it sent is received, released and its task completed; the document system reads
each status message through the API and gets each at its endpoint, signed."""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterator
from typing import Any

import pytest

from tests.e2e.conftest import Client
from tests.e2e.test_intake_journey import edxml_document
from tests.integration.notifykit import Receiver

pytestmark = pytest.mark.e2e

STATUS_SECRET = "qlvb-status-secret-e2e-0123456789"


@pytest.fixture()
def status_receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[Receiver]:
    """The document system's endpoint; the embedded profile reads its settings from the
    environment, the distributed one from `cluster_env`."""
    receiver = Receiver().up()
    monkeypatch.setenv("QLVB_STATUS_URL", receiver.url)
    monkeypatch.setenv("QLVB_STATUS_SECRET", STATUS_SECRET)
    yield receiver
    receiver.down()


@pytest.fixture()
def cluster_env(status_receiver: Receiver) -> dict[str, str]:
    return {
        "QLVB_STATUS_URL": status_receiver.url,
        "QLVB_STATUS_SECRET": STATUS_SECRET,
        # Production refuses plain-http loopback URLs; this flag widens that one rule.
        "WEBHOOK_ALLOW_LOOPBACK": "1",
    }


def signed(headers: dict[str, str], raw: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["X-Nhiemvu-Signature"].split(","))
    digest = hmac.new(STATUS_SECRET.encode(), parts["t"].encode() + b"." + raw, hashlib.sha256)
    return hmac.compare_digest(parts["v1"], digest.hexdigest())


def test_the_document_system_follows_its_document_to_completion_D3_2(
    status_receiver: Receiver, system: Client
) -> None:
    qlvb = system.token("qlvb", None)
    office = system.token("office", "VP_UBND")
    officer = system.token("unit_officer", "SO_CT")
    received = system.call(
        "POST",
        "/api/intake/documents",
        qlvb,
        data=edxml_document(),
        headers={"Content-Type": "application/xml"},
    )
    assert received.status_code == 201, received.text
    document = received.json()
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
    assert released.status_code == 200, released.text
    system.wait_for(
        lambda: system.call("GET", f"/api/workflow/tasks/{task_id}", officer).ok,
        "the workflow to assign the task",
    )
    for action, token in (("accept", officer), ("submit_result", officer), ("confirm", office)):
        answer = system.call(
            "POST", f"/api/workflow/tasks/{task_id}/actions/{action}", token, json={}
        )
        assert answer.status_code == 200, answer.text

    path = f"/api/intake/status-messages?source_id={document['source_id']}"

    def codes() -> list[str]:
        answer = system.call("GET", path, qlvb)
        assert answer.status_code == 200, answer.text
        return [m["status_code"] for m in answer.json()["items"]]

    assert system.wait_for(lambda: codes() == ["03", "04", "05", "06"], "intake to hear of it")
    unit = system.call("GET", path, officer)
    assert unit.status_code == 403

    def delivered() -> list[tuple[dict[str, str], bytes]]:
        return list(status_receiver.received) if len(status_receiver.received) >= 4 else []

    bodies = system.wait_for(delivered, "notify to deliver the four status messages")
    assert all(signed(headers, raw) for headers, raw in bodies)
    sent = sorted(re.findall(rb"<edXML:StatusCode>(\d\d)<", b"".join(raw for _h, raw in bodies)))
    assert sent == [b"03", b"04", b"05", b"06"]
    assert all(document["source_id"].encode() in raw for _h, raw in bodies)

    # The receiver holds a body before it answers; notify records the delivery once answered.
    def statuses() -> set[str]:
        listed: Any = system.call("GET", "/api/notify/deliveries", qlvb).json()
        return {row["status"] for row in listed["items"]}

    assert system.wait_for(lambda: statuses() == {"delivered"}, "notify to record the deliveries")
    assert len(system.call("GET", "/api/notify/deliveries", qlvb).json()["items"]) == 4
