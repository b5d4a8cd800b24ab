"""Email over SMTP to a real server (aiosmtpd): Vietnamese templates, once per recipient,
and the daily digest at DIGEST_TIME on working days."""

from __future__ import annotations

import email
import unicodedata
from collections.abc import Iterator
from datetime import timedelta
from email.policy import default
from typing import Any

import pytest

from tests.integration.notifykit import auth, smtp_server, task_event

OFFICE = auth("office", "VP_UBND")


@pytest.fixture()
def mail(make_notify: Any) -> Iterator[tuple[Any, list[bytes]]]:
    with smtp_server() as (port, received):
        service = make_notify("VP_UBND", "SO_TC", "SO_XD", smtp_port=port)
        for unit, address in (("SO_TC", "sotc@thanhhoa.gov.vn"), ("SO_XD", "soxd@thanhhoa.gov.vn")):
            answer = service.client.put(
                f"/api/notify/contacts/{unit}", json={"email": address}, headers=OFFICE
            )
            assert answer.status_code == 200, answer.get_json()
        yield service, received


def parsed(raw: bytes) -> Any:
    return email.message_from_bytes(raw, policy=default)


def test_an_assignment_is_emailed_to_the_lead_and_coordinating_units_once_in_vietnamese(
    mail: tuple[Any, list[bytes]],
) -> None:
    service, received = mail
    body = task_event("task.assigned", "assigned")
    service.consumer.process(body, {})
    service.consumer.process(body, {})
    service.worker.run_once()
    service.worker.run_once()

    messages = sorted((parsed(raw) for raw in received), key=lambda m: m["To"])
    assert [m["To"] for m in messages] == ["sotc@thanhhoa.gov.vn", "soxd@thanhhoa.gov.vn"]
    lead = messages[0]
    subject = str(lead["Subject"])
    assert subject == "[Nhiệm vụ] Nhiệm vụ mới được giao"
    assert unicodedata.is_normalized("NFC", subject)
    text = lead.get_body(("plain",)).get_content()
    html = lead.get_body(("html",)).get_content()
    assert "Đơn vị được giao thực hiện nhiệm vụ" in text and "20/12/2026" in text
    assert "Rà soát vốn đầu tư công" in html and "<br>" in html
    assert str(messages[1]["Subject"]) == "[Nhiệm vụ] Nhiệm vụ phối hợp thực hiện"


def test_a_unit_without_an_address_gets_no_email_and_the_office_sees_deliveries(
    mail: tuple[Any, list[bytes]],
) -> None:
    service, received = mail
    service.consumer.process(task_event("task.completed", "completed", lead_unit="SO_YT"), {})
    service.worker.run_once()
    assert received == []
    listed = service.client.get("/api/notify/deliveries", headers=OFFICE).get_json()
    assert listed["total"] == 0


def test_only_the_office_sets_unit_addresses(mail: tuple[Any, list[bytes]]) -> None:
    service, _ = mail
    answer = service.client.put(
        "/api/notify/contacts/SO_TC",
        json={"email": "x@example.vn"},
        headers=auth("unit_head", "SO_TC"),
    )
    assert answer.status_code == 403


def test_a_unit_that_chose_the_digest_gets_one_email_at_half_past_four_on_working_days(
    mail: tuple[Any, list[bytes]],
) -> None:
    service, received = mail
    head = auth("unit_head", "SO_TC")
    choice = service.client.put("/api/notify/preferences", json={"email": "digest"}, headers=head)
    assert choice.get_json()["email_mode"] == "digest"
    service.consumer.process(task_event("task.assigned", "assigned", coordinating_units=[]), {})
    service.consumer.process(task_event("task.due_soon", "in_progress"), {})
    service.worker.run_once()
    assert received == []  # 09:00: held for the digest

    service.runtime.clock.advance(timedelta(hours=7, minutes=29))  # 16:29
    service.worker.run_once()
    assert received == []
    service.runtime.clock.advance(timedelta(minutes=1))  # 16:30
    service.worker.run_once()
    service.worker.run_once()
    assert len(received) == 1
    digest = parsed(received[0])
    assert str(digest["Subject"]) == "[Nhiệm vụ] Tổng hợp thông báo ngày 01/12/2026"
    text = digest.get_body(("plain",)).get_content()
    assert "Nhiệm vụ mới được giao" in text and "Nhiệm vụ sắp đến hạn" in text

    # Saturday 5 December is not a working day: what arrives then waits for Monday.
    service.runtime.clock.advance(timedelta(days=4))
    service.consumer.process(task_event("task.overdue", "in_progress", overdue=True), {})
    service.worker.run_once()
    assert len(received) == 1
    service.runtime.clock.advance(timedelta(days=2))
    service.worker.run_once()
    assert len(received) == 2
    assert "Nhiệm vụ đã quá hạn" in parsed(received[1]).get_body(("plain",)).get_content()
