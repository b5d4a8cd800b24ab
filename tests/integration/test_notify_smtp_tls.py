"""E-mail with the production SMTP settings: STARTTLS verified against a private CA
(SMTP_CA_FILE), then AUTH LOGIN or PLAIN with SMTP_USER/SMTP_PASSWORD, to a real aiosmtpd server
that refuses mail before STARTTLS and before AUTH. A wrong password or an untrusted certificate
leaves the mail pending for a retry, and the password is written nowhere."""

from __future__ import annotations

import base64
import dataclasses
import email
import logging
from datetime import timedelta
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.notify import outbound
from tests.integration.notifykit import (
    SmtpLog,
    auth,
    build,
    know_units,
    make_certificate,
    smtp_server,
    task_event,
)

OFFICE = auth("office", "VP_UBND")
USER = "nhiemvu-mailer"
PASSWORD = "Mật-khẩu-SMTP-đúng-0123"
WRONG = "mat-khau-sai-9876-ZYXW"
ADDRESS = "sotc@thanhhoa.gov.vn"


def start(tmp_path: Path, namespace: str, port: int, **settings: str) -> Any:
    env = {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "1",
        "SMTP_USER": USER,
        "SMTP_PASSWORD": PASSWORD,
        **settings,
    }
    service = build(tmp_path / "svc", namespace, **env)
    know_units(service, "VP_UBND", "SO_TC", "SO_XD")
    answer = service.client.put(
        "/api/notify/contacts/SO_TC", json={"email": ADDRESS}, headers=OFFICE
    )
    assert answer.status_code == 200, answer.get_json()
    return service


def deliveries(service: Any) -> list[dict[str, Any]]:
    with service.runtime.platform.database.read() as conn:
        return [dict(r) for r in conn.execute(select(outbound.deliveries)).mappings()]


@pytest.mark.parametrize("mechanism", ["LOGIN", "PLAIN"])
def test_mail_goes_over_starttls_with_authentication_and_a_private_ca(
    tmp_path: Path, bus_namespace: str, mechanism: str
) -> None:
    certificate = make_certificate(tmp_path / "tls")
    seen = SmtpLog()
    server = smtp_server(
        certificate=certificate, users={USER: PASSWORD}, mechanisms=(mechanism,), log=seen
    )
    with server as (port, received):
        service = start(tmp_path, bus_namespace, port, SMTP_CA_FILE=str(certificate.ca))
        try:
            body = task_event("task.completed", "completed", coordinating_units=[])
            service.consumer.process(body, {})
            assert service.worker.run_once() == 1
            service.worker.run_once()
        finally:
            service.runtime.platform.stop()

    assert seen.logins == [(USER, mechanism, True)]
    assert len(received) == 1
    message = email.message_from_bytes(received[0], policy=default)
    assert message["To"] == ADDRESS
    assert str(message["Subject"]) == "[Nhiệm vụ] Nhiệm vụ đã được xác nhận hoàn thành"
    [row] = deliveries(service)
    assert row["status"] == outbound.DELIVERED and row["attempts"] == 1


def test_a_wrong_password_leaves_the_mail_pending_and_is_never_logged(
    tmp_path: Path, bus_namespace: str, caplog: pytest.LogCaptureFixture, capfd: Any
) -> None:
    caplog.set_level(logging.DEBUG)
    certificate = make_certificate(tmp_path / "tls")
    seen = SmtpLog()
    server = smtp_server(certificate=certificate, users={USER: PASSWORD}, log=seen)
    with server as (port, received):
        service = start(
            tmp_path, bus_namespace, port, SMTP_CA_FILE=str(certificate.ca), SMTP_PASSWORD=WRONG
        )
        try:
            service.consumer.process(task_event("task.completed", "completed"), {})
            assert service.worker.run_once() == 1
            assert received == []
            assert seen.logins and not any(ok for _, _, ok in seen.logins)
            [row] = deliveries(service)
            assert row["status"] == outbound.PENDING and row["attempts"] == 1
            assert "SMTPAuthenticationError" in row["last_error"]
            assert row["next_attempt_at"] > service.runtime.clock.now()  # backed off, not lost
            listed = service.client.get("/api/notify/deliveries", headers=OFFICE).get_json()
            assert listed["items"][0]["status"] == "pending"

            # Nothing was sent before the retry is due; once the operator fixes the password
            # (settings are read at start) the same row goes out on the next due round.
            assert service.worker.run_once() == 0
            service.worker.channels = dataclasses.replace(
                service.worker.channels, smtp_password=PASSWORD
            )
            service.runtime.clock.advance(timedelta(minutes=1))
            assert service.worker.run_once() == 1
        finally:
            service.runtime.platform.stop()

    assert len(received) == 1
    [row] = deliveries(service)
    assert row["status"] == outbound.DELIVERED and row["attempts"] == 2
    out, err = capfd.readouterr()
    everything = caplog.text + out + err + listed.__repr__() + repr(row)
    assert "SMTPAuthenticationError" in caplog.text  # the failure itself is logged ...
    for secret in (WRONG, PASSWORD):  # ... but neither password, in any form
        assert secret not in everything
        assert secret.encode("utf-8").hex() not in everything
        for sent in (secret, f"\0{USER}\0{secret}"):  # AUTH LOGIN's and AUTH PLAIN's base64
            assert base64.b64encode(sent.encode("utf-8")).decode() not in everything


def test_a_certificate_the_mailer_does_not_trust_is_refused_and_the_mail_kept(
    tmp_path: Path, bus_namespace: str
) -> None:
    certificate = make_certificate(tmp_path / "tls")
    seen = SmtpLog()
    with smtp_server(certificate=certificate, users={USER: PASSWORD}, log=seen) as (port, got):
        # No SMTP_CA_FILE: the system's CAs do not know the private CA, so verification fails.
        service = start(tmp_path, bus_namespace, port)
        try:
            service.consumer.process(task_event("task.completed", "completed"), {})
            service.worker.run_once()
        finally:
            service.runtime.platform.stop()
    assert got == [] and seen.logins == []  # the password never went over the wire
    [row] = deliveries(service)
    assert row["status"] == outbound.PENDING
    assert "SSLCertVerificationError" in row["last_error"]
