"""E-mail on the distributed profile (issue 5): RabbitMQ, PostgreSQL and every service as the
production processes (gunicorn web + `nhiemvu worker`). The notify worker mails a released task
to the lead and the coordinating unit through an SMTP server started here, with the production
settings: STARTTLS verified against the test's own CA (SMTP_CA_FILE), then AUTH with
SMTP_USER/SMTP_PASSWORD. Each address receives the message exactly once.
"""

from __future__ import annotations

import email
import time
from collections import Counter
from collections.abc import Iterator
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.conftest import Client
from tests.e2e.journeykit import a_document
from tests.integration.notifykit import SmtpLog, make_certificate, smtp_server

pytestmark = [pytest.mark.e2e, pytest.mark.services]

USER, PASSWORD = "nhiemvu-e2e", "e2e-smtp-password-0123456789"
ADDRESSES = {"SO_TC": "sotc@thanhhoa.gov.vn", "SO_XD": "soxd@thanhhoa.gov.vn"}


@pytest.fixture()
def smtp(tmp_path: Path) -> Iterator[tuple[int, SmtpLog, Path]]:
    certificate = make_certificate(tmp_path / "tls")
    seen = SmtpLog()
    with smtp_server(certificate=certificate, users={USER: PASSWORD}, log=seen) as (port, _):
        yield port, seen, certificate.ca


@pytest.fixture()
def cluster_env(smtp: tuple[int, SmtpLog, Path]) -> dict[str, str]:
    port, _, ca = smtp
    return {
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(port),
        "SMTP_STARTTLS": "1",
        "SMTP_CA_FILE": str(ca),
        "SMTP_USER": USER,
        "SMTP_PASSWORD": PASSWORD,
        "DELIVERY_POLL_SECONDS": "0.2",
    }


def test_a_released_task_is_mailed_once_to_each_unit_by_the_notify_worker(
    distributed: Client, smtp: tuple[int, SmtpLog, Path]
) -> None:
    _, seen, _ = smtp
    office = distributed.token("office", "VP_UBND")
    for unit, address in ADDRESSES.items():
        # Notify learns the units from intake's unit.updated events a moment after start, and
        # keeps contacts only for units it knows.
        def put(unit: str = unit, address: str = address) -> Any:
            answer = distributed.call(
                "PUT", f"/api/notify/contacts/{unit}", office, json={"email": address}
            )
            return answer if answer.status_code != 422 else None

        answer = distributed.wait_for(put, f"notify to learn unit {unit}")
        assert answer.status_code == 200, answer.text

    answer = distributed.call("POST", "/api/intake/documents", office, json=a_document())
    assert answer.status_code == 201, answer.text
    task_id = answer.json()["tasks"][0]["id"]

    def deliveries() -> list[dict[str, Any]]:
        answer = distributed.call("GET", "/api/notify/deliveries?limit=500", office)
        return [d for d in answer.json()["items"] if d["channel"] == "email"]

    distributed.wait_for(
        lambda: len(deliveries()) == 2 and all(d["status"] == "delivered" for d in deliveries()),
        "both e-mails to be recorded as delivered",
        60,
    )
    time.sleep(2)  # ten more delivery rounds: nothing may be sent again

    messages = [email.message_from_bytes(raw, policy=default) for raw in seen.received]
    assert Counter(m["To"] for m in messages) == Counter(ADDRESSES.values())
    by_address = {m["To"]: m for m in messages}
    lead = by_address[ADDRESSES["SO_TC"]]
    assert str(lead["Subject"]) == "[Nhiệm vụ] Nhiệm vụ mới được giao"
    assert task_id in lead.get_body(("plain",)).get_content()
    coordinating = by_address[ADDRESSES["SO_XD"]]
    assert str(coordinating["Subject"]) == "[Nhiệm vụ] Nhiệm vụ phối hợp thực hiện"
    # One authenticated session per message (smtplib picks PLAIN among LOGIN and PLAIN).
    assert [(login, ok) for login, _, ok in seen.logins] == [(USER, True)] * 2
    assert {d["attempts"] for d in deliveries()} == {1}
    for path in distributed.log_dir.glob("*.log"):  # type: ignore[attr-defined]
        assert PASSWORD not in path.read_text(encoding="utf-8", errors="replace"), path.name
