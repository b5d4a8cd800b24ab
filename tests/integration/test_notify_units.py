"""Notify keeps contacts and settings only for units of its directory (learnt from intake's
`unit.updated`): an address for a unit that does not exist is refused with 422 naming `unit`, and
a token whose unit the directory does not know changes no setting."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from services.notify import outbound
from shared.events import encode, make_event
from tests.integration.notifykit import NOW, auth, knowing

OFFICE = auth("office", "VP_UBND")


pytestmark = knowing("VP_UBND", "SO_TC", "SO_XD")


def stored(service: Any) -> tuple[int, int]:
    with service.runtime.platform.database.read() as conn:
        contacts = conn.execute(select(func.count()).select_from(outbound.unit_contacts))
        people = conn.execute(select(func.count()).select_from(outbound.person_preferences))
        return int(contacts.scalar_one()), int(people.scalar_one())


def test_an_address_is_kept_only_for_a_unit_of_the_directory(notify: Any) -> None:
    for code in ("NOPE_UNIT", "*", "SO_TCX"):
        answer = notify.client.put(
            f"/api/notify/contacts/{code}", json={"email": "x@thanhhoa.gov.vn"}, headers=OFFICE
        )
        assert answer.status_code == 422, code
        assert "unit" in answer.get_json()["errors"]
    assert stored(notify) == (0, 0)
    ok = notify.client.put(
        "/api/notify/contacts/SO_TC", json={"email": "sotc@thanhhoa.gov.vn"}, headers=OFFICE
    )
    assert ok.status_code == 200
    # A unit intake deactivated (merged into another) gets no new address.
    event = make_event(
        "unit.updated",
        {"code": "SO_XD", "name": "Sở Xây dựng", "kind": "department", "active": False},
        source="/intake",
        time=NOW,
    )
    assert notify.consumer.process(encode(event).encode(), {}) == "applied"
    gone = notify.client.put(
        "/api/notify/contacts/SO_XD", json={"email": "soxd@thanhhoa.gov.vn"}, headers=OFFICE
    )
    assert gone.status_code == 422
    assert stored(notify) == (1, 0)


def test_a_token_of_a_unit_the_directory_does_not_know_changes_no_setting(notify: Any) -> None:
    stranger = auth("unit_head", "NOPE_UNIT", sub="lan")
    for body in (
        {"email_mode": "digest"},
        {"email": "lan@example.vn", "delivery": "immediate"},
    ):
        answer = notify.client.put("/api/notify/preferences", json=body, headers=stranger)
        assert answer.status_code == 403, answer.get_json()
    assert stored(notify) == (0, 0)
    known = auth("unit_head", "SO_TC", sub="lan")
    answer = notify.client.put(
        "/api/notify/preferences", json={"email_mode": "digest"}, headers=known
    )
    assert answer.status_code == 200
    assert stored(notify) == (1, 0)
