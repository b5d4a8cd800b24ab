"""Per-person e-mail preferences (issue 5): `GET/PUT /api/notify/preferences` keyed by the caller's
`sub`, an address and `delivery` immediate | digest | none. Messages addressed to a person follow
that person's choice; a unit's messages still go to the unit's address as the unit chose, and the
unit's people who chose the digest also get them in their own daily digest."""

from __future__ import annotations

import email
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.policy import default
from typing import Any

import pytest

from services.notify import domain
from tests.integration.notifykit import auth, smtp_server, task_event

OFFICE = auth("office", "VP_UBND")
UNIT_ADDRESS = "sotc@thanhhoa.gov.vn"


@pytest.fixture()
def mail(make_notify: Any) -> Iterator[tuple[Any, list[bytes]]]:
    with smtp_server() as (port, received):
        service = make_notify("VP_UBND", "SO_TC", "SO_XD", smtp_port=port)
        answer = service.client.put(
            "/api/notify/contacts/SO_TC", json={"email": UNIT_ADDRESS}, headers=OFFICE
        )
        assert answer.status_code == 200, answer.get_json()
        yield service, received


def choose(service: Any, who: dict[str, str], **body: Any) -> dict[str, Any]:
    answer = service.client.put("/api/notify/preferences", json=body, headers=who)
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def to_person(sub: str) -> Callable[..., list[domain.Message]]:
    """A rule that addresses a person (the urging officer's counterpart, say) by `sub`."""

    def rule(data: dict[str, Any], _unit_name: Callable[[str], str]) -> list[domain.Message]:
        return [domain.Message(domain.Recipient("user", sub), "Gửi riêng cho bạn", data["content"])]

    return rule


def addressed(received: list[bytes]) -> list[tuple[str, str]]:
    messages = [email.message_from_bytes(raw, policy=default) for raw in received]
    return sorted((str(m["To"]), str(m["Subject"])) for m in messages)


def test_a_person_reads_and_sets_their_own_preferences(mail: tuple[Any, list[bytes]]) -> None:
    service, _ = mail
    lan = auth("unit_officer", "SO_TC", sub="lan")
    answer = service.client.get("/api/notify/preferences", headers=lan)
    assert answer.status_code == 200
    assert answer.get_json() == {
        "sub": "lan",
        "name": "lan",
        "unit": "SO_TC",
        "email": None,
        "delivery": "immediate",
        "email_mode": "immediate",
        "updated_at": None,
    }
    chosen = choose(service, lan, email="lan@thanhhoa.gov.vn", delivery="digest")
    assert chosen["email"] == "lan@thanhhoa.gov.vn" and chosen["delivery"] == "digest"
    assert chosen["email_mode"] == "immediate"  # the unit's own choice is untouched
    again = service.client.get("/api/notify/preferences", headers=lan).get_json()
    assert again == chosen
    # Keyed by `sub`: another officer of the same unit has preferences of their own.
    other = service.client.get(
        "/api/notify/preferences", headers=auth("unit_officer", "SO_TC", sub="minh")
    ).get_json()
    assert other["email"] is None
    # A unit's person may set the unit's choice in the same body.
    both = choose(service, lan, email=None, delivery="none", email_mode="digest")
    assert (both["email"], both["delivery"], both["email_mode"]) == (None, "none", "digest")
    assert service.client.get("/api/notify/preferences").status_code == 401


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ({"delivery": "digest"}, "email", "Cần địa chỉ e-mail để nhận thư."),
        ({"email": "khong-phai-email", "delivery": "immediate"}, "email", "không hợp lệ"),
        ({"email": "lan@thanhhoa.gov.vn"}, "delivery", "Cần chọn cách nhận thư"),
        ({"email": "lan@thanhhoa.gov.vn", "delivery": "weekly"}, "delivery", "Phải là một trong"),
        ({}, "delivery", "Cần chọn cách nhận thư"),
    ],
)
def test_preferences_are_validated_in_vietnamese(
    mail: tuple[Any, list[bytes]], body: dict[str, Any], field: str, message: str
) -> None:
    service, _ = mail
    answer = service.client.put(
        "/api/notify/preferences", json=body, headers=auth("unit_officer", "SO_TC", sub="lan")
    )
    assert answer.status_code == 422
    assert message in " ".join(answer.get_json()["errors"][field])


def test_only_a_units_people_choose_for_the_unit(mail: tuple[Any, list[bytes]]) -> None:
    service, _ = mail
    agency = auth("agency", None, sub="bo-khcn")
    answer = service.client.put(
        "/api/notify/preferences", json={"email_mode": "digest"}, headers=agency
    )
    assert answer.status_code == 403
    mine = choose(service, agency, email="hethong@bokhcn.gov.vn", delivery="immediate")
    assert mine["unit"] is None and mine["email_mode"] is None


def test_a_message_to_a_person_follows_that_persons_choice(
    mail: tuple[Any, list[bytes]], monkeypatch: pytest.MonkeyPatch
) -> None:
    service, received = mail
    monkeypatch.setitem(domain.RULES, "task.urged", to_person("lan"))
    lan = auth("unit_officer", "SO_TC", sub="lan")

    service.consumer.process(task_event("task.urged", "in_progress"), {})  # no address yet
    choose(service, lan, email="lan@thanhhoa.gov.vn", delivery="immediate")
    body = task_event("task.urged", "in_progress", content="Đề nghị báo cáo trước thứ Sáu")
    service.consumer.process(body, {})
    service.consumer.process(body, {})
    service.worker.run_once()
    assert addressed(received) == [("lan@thanhhoa.gov.vn", "[Nhiệm vụ] Gửi riêng cho bạn")]
    text = email.message_from_bytes(received[0], policy=default).get_body(("plain",))
    assert "Kính gửi lan" in text.get_content()
    assert "Đề nghị báo cáo trước thứ Sáu" in text.get_content()
    assert (
        service.client.get("/api/notify/inbox", headers=lan).get_json()["total"] == 2
    )  # the inbox does not depend on e-mail

    choose(service, lan, email="lan@thanhhoa.gov.vn", delivery="none")
    service.consumer.process(task_event("task.urged", "in_progress"), {})
    service.worker.run_once()
    assert len(received) == 1

    choose(service, lan, email="lan@thanhhoa.gov.vn", delivery="digest")
    service.consumer.process(task_event("task.urged", "in_progress"), {})
    service.worker.run_once()
    assert len(received) == 1  # held for the 16:30 digest
    service.runtime.clock.advance(timedelta(hours=7, minutes=30))
    service.worker.run_once()
    assert addressed(received[1:]) == [
        ("lan@thanhhoa.gov.vn", "[Nhiệm vụ] Tổng hợp thông báo ngày 01/12/2026")
    ]


def test_a_units_people_who_chose_the_digest_get_the_units_messages_in_it(
    mail: tuple[Any, list[bytes]],
) -> None:
    service, received = mail
    lan = auth("unit_officer", "SO_TC", sub="lan")
    choose(service, lan, email="lan@thanhhoa.gov.vn", delivery="digest")
    choose(service, auth("unit_head", "SO_TC", sub="minh"), email="minh@x.vn", delivery="immediate")
    choose(service, auth("unit_officer", "SO_XD", sub="hoa"), email="hoa@x.vn", delivery="digest")
    # Someone whose own address is the unit's gets the unit's e-mail, not a second copy.
    choose(service, auth("unit_officer", "SO_TC", sub="vu"), email=UNIT_ADDRESS, delivery="digest")

    body = task_event("task.assigned", "assigned", coordinating_units=[])
    service.consumer.process(body, {})
    service.consumer.process(body, {})
    service.consumer.process(task_event("task.due_soon", "in_progress"), {})
    service.worker.run_once()
    # At once: the unit's address, as the unit chose; nobody else.
    assert addressed(received) == [
        (UNIT_ADDRESS, "[Nhiệm vụ] Nhiệm vụ mới được giao"),
        (UNIT_ADDRESS, "[Nhiệm vụ] Nhiệm vụ sắp đến hạn"),
    ]

    service.runtime.clock.advance(timedelta(hours=7, minutes=30))  # 16:30
    service.worker.run_once()
    service.worker.run_once()
    digests = received[2:]
    assert addressed(digests) == [
        ("lan@thanhhoa.gov.vn", "[Nhiệm vụ] Tổng hợp thông báo ngày 01/12/2026")
    ]
    text = email.message_from_bytes(digests[0], policy=default).get_body(("plain",))
    content = text.get_content()
    assert "Kính gửi lan" in content
    assert "Nhiệm vụ mới được giao" in content and "Nhiệm vụ sắp đến hạn" in content
