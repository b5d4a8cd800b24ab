"""Status back to the document system (Đ2.2, Đ3.2): a document it sent is received, released for
tracking, its tasks completed; each step is a QCVN 102 status message in EDXML, kept by intake
(readable by the document system) and delivered by notify to its endpoint, signed and retried."""

from __future__ import annotations

import hashlib
import hmac
import json
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from services.intake.consumer import create_consumer
from services.notify.config import ChannelSettings
from shared.config import ConfigError
from tests.integration.intakekit import (
    ON_BOTH_DATABASES,
    add_task,
    audit_records,
    events,
    post,
    task_command,
    token,
)
from tests.integration.intakekit import document as json_document
from tests.integration.notifykit import Receiver, auth, task_event

SAMPLES = Path(__file__).parent.parent / "data" / "edxml"
NS = {"e": "http://www.mic.gov.vn/TBT/QCVN_102_2016"}
STATUS_SECRET = "qlvb-status-secret-0123456789"


def post_edxml(intake: Any, name: str = "qcvn102_chi_thi.xml") -> dict[str, Any]:
    answer = intake.test_client.post(
        "/api/intake/documents",
        data=(SAMPLES / name).read_bytes(),
        content_type="application/xml",
        headers=token("qlvb", None),
    )
    assert answer.status_code == 201, answer.get_json()
    return dict(answer.get_json())


def status_messages(intake: Any, document_id: str, role: str = "qlvb") -> list[dict[str, Any]]:
    answer = intake.test_client.get(
        f"/api/intake/documents/{document_id}/status-messages", headers=token(role, None)
    )
    assert answer.status_code == 200, answer.get_json()
    return list(answer.get_json()["items"])


def complete(intake: Any, task_id: str, document_id: str) -> str:
    """The workflow's task.completed for `task_id`, as intake's consumer receives it."""
    body = task_event(
        "task.completed",
        "completed",
        task_id=task_id,
        document_id=document_id,
        actor={"sub": "office-1", "name": "Nguyễn Văn Phòng", "role": "office", "unit": "VP_UBND"},
    )
    return str(intake.consumer.process(body, {}))


@pytest.fixture()
def intake_consuming(intake: Any) -> Any:
    intake.consumer = create_consumer(intake)
    return intake


def tracked_document(intake: Any) -> tuple[dict[str, Any], list[str]]:
    """The EDXML sample received, given two tasks by the Office, released for tracking."""
    document = post_edxml(intake)
    task_ids = []
    for content in ("Rà soát phương án chữa cháy", "Tổ chức diễn tập"):
        added = add_task(intake, document["id"], content=content)
        assert added.status_code == 201, added.get_json()
        task_ids.append(added.get_json()["id"])
    released = intake.test_client.post(
        f"/api/intake/documents/{document['id']}/release", headers=token()
    )
    assert released.status_code == 200, released.get_json()
    return document, task_ids


def status_of(xml: str) -> Any:
    root = etree.fromstring(xml.encode("utf-8"))
    assert etree.QName(root).localname == "edXMLEnvelope"
    [status] = root.findall("e:edXMLHeader/e:Status", NS)
    return status


@ON_BOTH_DATABASES
def test_the_document_system_is_told_of_receipt_release_each_task_and_completion_D3_2(
    intake_consuming: Any,
) -> None:
    intake = intake_consuming
    document, (first, second) = tracked_document(intake)
    assert complete(intake, first, document["id"]) == "applied"
    after_first = status_messages(intake, document["id"])
    assert [m["kind"] for m in after_first] == ["received", "released", "task_completed"]
    assert complete(intake, second, document["id"]) == "applied"

    messages = status_messages(intake, document["id"])
    assert [(m["seq"], m["kind"], m["status_code"]) for m in messages] == [
        (1, "received", "03"),
        (2, "released", "04"),
        (3, "task_completed", "05"),
        (4, "task_completed", "05"),
        (5, "completed", "06"),
    ]
    assert [m["task_id"] for m in messages] == [None, None, first, second, None]
    assert "(1/2 nhiệm vụ)" in messages[2]["description"]
    assert "Rà soát phương án chữa cháy" in messages[2]["description"]
    assert messages[0]["description"] == (
        "Hệ thống theo dõi nhiệm vụ đã tiếp nhận văn bản 25/2026/CT-UBND."
    )
    assert messages[4]["description"] == (
        "Tất cả 2 nhiệm vụ của văn bản 25/2026/CT-UBND đã hoàn thành."
    )
    # Each step was announced for notify with the same EDXML the API shows.
    announced = events(intake, event_type="document.status_changed")
    assert [e["data"]["edxml"] for e in announced] == [m["edxml"] for m in messages]
    assert {e["subject"] for e in announced} == {document["id"]}
    sent = [
        r for r in audit_records(intake, document["id"]) if r["action"] == "document.status_sent"
    ]
    assert [(r["changes"]["kind"], r["changes"]["status_code"]) for r in sent] == [
        (m["kind"], m["status_code"]) for m in messages
    ]


def test_a_withdrawn_task_does_not_hold_the_document_open_D3_2(intake_consuming: Any) -> None:
    intake = intake_consuming
    document, (first, second) = tracked_document(intake)
    withdrawn = task_command(intake, second, "withdraw", {"reason": "Trùng nhiệm vụ khác"})
    assert withdrawn.status_code == 200, withdrawn.get_json()
    complete(intake, first, document["id"])
    messages = status_messages(intake, document["id"])
    assert [m["kind"] for m in messages][-2:] == ["task_completed", "completed"]
    assert "(1/1 nhiệm vụ)" in messages[-2]["description"]


def test_the_edxml_status_matches_the_incoming_document_by_its_identifiers_D3_2(
    intake_consuming: Any,
) -> None:
    intake = intake_consuming
    document, (first, _second) = tracked_document(intake)
    complete(intake, first, document["id"])
    incoming = etree.fromstring((SAMPLES / "qcvn102_chi_thi.xml").read_bytes())
    header = incoming.find("e:edXMLHeader/e:MessageHeader", NS)
    assert header is not None

    for message in status_messages(intake, document["id"]):
        status = status_of(message["edxml"])
        answered = status.find("e:ResponseFor", NS)
        assert answered.findtext("e:OrganId", namespaces=NS) == header.findtext(
            "e:From/e:OrganId", namespaces=NS
        )
        assert answered.findtext("e:Code", namespaces=NS) == "25/2026/CT-UBND"
        assert answered.findtext("e:PromulgationDate", namespaces=NS) == header.findtext(
            "e:PromulgationInfo/e:PromulgationDate", namespaces=NS
        )
        assert answered.findtext("e:DocumentId", namespaces=NS) == document["source_id"]
        assert status.findtext("e:StatusCode", namespaces=NS) == message["status_code"]
        assert status.findtext("e:Description", namespaces=NS) == message["description"]
        assert status.findtext("e:Timestamp", namespaces=NS) == "2026/12/01 09:00:00"
        assert status.find("e:StaffInfo/e:Staff", NS) is not None
    completed = status_of(status_messages(intake, document["id"])[2]["edxml"])
    assert completed.findtext("e:StaffInfo/e:Staff", namespaces=NS) == "Nguyễn Văn Phòng"


def test_a_redelivered_completion_is_told_once_D3_2(intake_consuming: Any) -> None:
    intake = intake_consuming
    document, (first, _second) = tracked_document(intake)
    body = task_event("task.completed", "completed", task_id=first, document_id=document["id"])
    assert intake.consumer.process(body, {}) == "applied"
    assert intake.consumer.process(body, {}) == "duplicate"
    # The same completion under another event id (a replay) adds nothing either.
    assert complete(intake, first, document["id"]) == "applied"
    kinds = [m["kind"] for m in status_messages(intake, document["id"])]
    assert kinds == ["received", "released", "task_completed"]


def test_a_document_the_office_entered_sends_nothing_back_D3_2(intake: Any) -> None:
    answer = post(intake.test_client, json_document(release=True))
    assert answer.status_code == 201
    assert status_messages(intake, answer.get_json()["id"]) == []
    assert events(intake, event_type="document.status_changed") == []


def test_a_json_document_from_the_document_system_is_matched_by_its_source_id_D3_2(
    intake: Any,
) -> None:
    body = json_document()
    answer = post(intake.test_client, body, role="qlvb")
    assert answer.status_code == 201
    found = intake.test_client.get(
        "/api/intake/status-messages",
        query_string={"source_id": body["source_id"]},
        headers=token("qlvb", None),
    )
    assert found.status_code == 200, found.get_json()
    listed = found.get_json()
    assert listed["document_id"] == answer.get_json()["id"]
    assert listed["response_for"] == {
        "organ_id": None,
        "code": "25/2026/CT-UBND",
        "promulgation_date": "2026/11/27",
        "document_id": body["source_id"],
    }
    [received] = listed["items"]
    answered = status_of(received["edxml"]).find("e:ResponseFor", NS)
    assert answered.findtext("e:DocumentId", namespaces=NS) == body["source_id"]
    missing = intake.test_client.get(
        "/api/intake/status-messages",
        query_string={"source_id": "khong-co"},
        headers=token("qlvb", None),
    )
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("role", "unit", "expected"),
    [
        ("qlvb", None, 200),
        ("office", "VP_UBND", 200),
        ("leader", None, 200),
        ("unit_head", "SO_NNMT", 403),
        ("unit_officer", "SO_NNMT", 403),
        ("agency", "BO_KHCN", 403),
        ("inspector", None, 403),
    ],
)
def test_who_reads_the_status_messages_D3_2(
    intake: Any, role: str, unit: str | None, expected: int
) -> None:
    document = post_edxml(intake)
    answer = intake.test_client.get(
        f"/api/intake/documents/{document['id']}/status-messages", headers=token(role, unit)
    )
    assert answer.status_code == expected, answer.get_json()
    if expected == 403:
        assert answer.content_type == "application/problem+json"
    by_source = intake.test_client.get(
        "/api/intake/status-messages",
        query_string={"source_id": document["source_id"]},
        headers=token(role, unit),
    )
    assert by_source.status_code == expected


# -- delivery by notify --------------------------------------------------------------------------
def announced_status(intake: Any) -> list[bytes]:
    """The document.status_changed events intake wrote, as notify's consumer receives them."""
    return [json.dumps(e).encode() for e in events(intake, event_type="document.status_changed")]


def verify(headers: dict[str, str], raw: bytes) -> bool:
    parts = dict(p.split("=", 1) for p in headers["X-Nhiemvu-Signature"].split(","))
    signed = parts["t"].encode() + b"." + raw
    expected = hmac.new(STATUS_SECRET.encode(), signed, hashlib.sha256).hexdigest()
    return hmac.compare_digest(parts["v1"], expected)


def test_notify_delivers_each_status_signed_and_retries_after_a_500_D3_2(
    intake: Any, make_notify: Any
) -> None:
    receiver = Receiver(status=500).up()
    try:
        notify = make_notify(QLVB_STATUS_URL=receiver.url, QLVB_STATUS_SECRET=STATUS_SECRET)
        post_edxml(intake)
        [body] = announced_status(intake)
        assert notify.deliver(body) == "applied"
        assert notify.deliver(body) == "duplicate"
        assert notify.worker.run_once() == 1
        listed = notify.client.get("/api/notify/deliveries", headers=auth("qlvb", None))
        [row] = listed.get_json()["items"]
        assert (row["status"], row["attempts"], row["channel"]) == ("pending", 1, "qlvb")
        assert row["last_error"].startswith("HTTP 500")
        assert notify.worker.run_once() == 0  # waits out its back-off

        receiver.status = 200
        notify.runtime.clock.advance(timedelta(minutes=5))
        assert notify.worker.run_once() == 1
    finally:
        receiver.down()

    assert len(receiver.received) == 2
    headers, raw = receiver.received[-1]
    assert verify(headers, raw)
    assert headers["Content-Type"] == "application/xml; charset=utf-8"
    assert headers["X-Nhiemvu-Message-Id"] == json.loads(body)["id"]
    assert raw.decode("utf-8") == json.loads(body)["data"]["edxml"]
    assert etree.QName(status_of(raw.decode("utf-8"))).localname == "Status"
    listed = notify.client.get("/api/notify/deliveries", headers=auth("qlvb", None)).get_json()
    [row] = listed["items"]
    assert (row["status"], row["attempts"]) == ("delivered", 2)
    office = notify.client.get("/api/notify/deliveries", headers=auth("office", "VP_UBND"))
    assert len(office.get_json()["items"]) == 1
    unit = notify.client.get("/api/notify/deliveries", headers=auth("unit_head", "SO_TC"))
    assert unit.status_code == 403
    agency = notify.client.get("/api/notify/deliveries", headers=auth("agency", "BO_KHCN"))
    assert agency.get_json()["items"] == []


def test_a_tampered_status_fails_the_signature_check_D3_2(intake: Any, make_notify: Any) -> None:
    receiver = Receiver().up()
    try:
        notify = make_notify(QLVB_STATUS_URL=receiver.url, QLVB_STATUS_SECRET=STATUS_SECRET)
        post_edxml(intake)
        [body] = announced_status(intake)
        notify.deliver(body)
        assert notify.worker.run_once() == 1
    finally:
        receiver.down()
    [(headers, raw)] = receiver.received
    assert verify(headers, raw)
    assert not verify(headers, raw.replace(b"<edXML:StatusCode>03", b"<edXML:StatusCode>06"))


def test_without_an_endpoint_notify_keeps_no_delivery_D3_2(intake: Any, make_notify: Any) -> None:
    notify = make_notify()
    post_edxml(intake)
    [body] = announced_status(intake)
    assert notify.deliver(body) == "applied"
    assert notify.worker.run_once() == 0
    listed = notify.client.get("/api/notify/deliveries", headers=auth("office", "VP_UBND"))
    assert listed.get_json()["items"] == []


def test_an_endpoint_without_a_secret_or_over_plain_http_is_refused_at_start() -> None:
    with pytest.raises(ConfigError, match="QLVB_STATUS_SECRET"):
        ChannelSettings.from_env({"QLVB_STATUS_URL": "https://qlvb.example/status"})
    production = {
        "NHIEMVU_ENV": "production",
        "NOTIFY_DATABASE_URL": "postgresql://nhiemvu@127.0.0.1/notify",
        "BROKER_URL": "amqp://guest:guest@127.0.0.1:5672//",
        "QLVB_STATUS_SECRET": STATUS_SECRET,
    }
    with pytest.raises(ConfigError, match="https"):
        ChannelSettings.from_env({**production, "QLVB_STATUS_URL": "http://10.0.0.5/status"})
    # The province's own network is where the document system lives: a private address is fine.
    settings = ChannelSettings.from_env({**production, "QLVB_STATUS_URL": "https://10.0.0.5/s"})
    assert settings.qlvb_status_url == "https://10.0.0.5/s"
