"""The Working Group (Đ10.1b, Đ13.1) and the annual inspection plan (Đ10.1a, Đ12.1) on the web,
against a real embedded system: the Office records the decision and a member, drafts and submits
a plan, a leader approves it; a unit has no page of them."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.webkit import WebSystem, running_system, sign_in

OFFICE = ("office", "VP_UBND")
LEADER = ("leader", "VP_UBND")
UNIT = ("unit_head", "SO_TC")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-working-group")))


def _client(web: WebSystem, who: tuple[str, str]) -> tuple[Any, str]:
    client = web.app().test_client()
    return client, sign_in(client, *who)


def test_the_office_records_the_decision_and_its_members_on_the_web_D13_1(web: WebSystem) -> None:
    client, token = _client(web, OFFICE)
    assert "Chưa ghi nhận Quyết định" in client.get("/working-group").get_data(as_text=True)
    decision = {
        "csrf_token": token,
        "number": "1234/QĐ-UBND",
        "signed_on": "2026-01-05",
        "signer": "Chủ tịch UBND tỉnh",
        "rules_ref": "Quy chế kèm theo Quyết định 1234/QĐ-UBND",
        "m0-name": "Lê Văn Tổ",
        "m0-sub": "office_lead.vp_ubnd",
        "m0-role": "leader",
        "m0-unit": "VP_UBND",
        "m1-name": "Nguyễn Kiểm",
        "m1-sub": "inspector.vp_ubnd",
        "m1-role": "member",
        "m1-unit": "VP_UBND",
    }
    no_leader = {**decision, "m0-role": "deputy"}
    refused = client.post("/working-group/decisions", data=no_leader)
    assert refused.status_code == 422
    assert "đúng một Tổ trưởng" in refused.get_data(as_text=True)
    assert client.post("/working-group/decisions", data=decision).status_code == 303
    page = client.get("/working-group").get_data(as_text=True)
    assert "1234/QĐ-UBND" in page and "Lê Văn Tổ" in page and "Tổ trưởng" in page
    added = client.post(
        "/working-group/members",
        data={
            "csrf_token": token,
            "name": "Đỗ Mới",
            "sub": "moi.so_tc",
            "role": "member",
            "unit": "SO_TC",
            "started_on": "2026-02-01",
        },
    )
    assert added.status_code == 303
    assert "Đỗ Mới" in client.get("/working-group").get_data(as_text=True)


def test_the_office_drafts_a_plan_a_leader_approves_it_on_the_web_D10_1a(web: WebSystem) -> None:
    client, token = _client(web, OFFICE)
    drafted = client.post(
        "/inspection-plans",
        data={
            "csrf_token": token,
            "year": "2027",
            "i0-unit": "SO_TC",
            "i0-month": "3",
            "i0-scope": ["implementation"],
        },
    )
    assert drafted.status_code == 303, drafted.get_data(as_text=True)[:2000]
    url = drafted.headers["Location"]
    case_id = re.search(r"/inspection-plans/([0-9a-f]{32})", url)
    assert case_id
    assert 'id="submit-form"' in client.get(url).get_data(as_text=True)
    assert client.post(f"{url}/submit", data={"csrf_token": token}).status_code == 303
    leader, leader_token = _client(web, LEADER)
    page = leader.get(url).get_data(as_text=True)
    assert 'id="approve-form"' in page and 'id="return-form"' in page
    assert leader.post(f"{url}/approve", data={"csrf_token": leader_token}).status_code == 303
    assert "Kế hoạch kiểm tra đã được phê duyệt" in leader.get(url).get_data(as_text=True)
    assert "Kế hoạch kiểm tra năm 2027" in client.get("/inspection-plans").get_data(as_text=True)


def test_a_unit_cannot_change_the_working_group_or_read_plans_D10_1b(web: WebSystem) -> None:
    client, token = _client(web, UNIT)
    answer = client.post(
        "/working-group/members",
        data={"csrf_token": token, "name": "X", "sub": "x", "role": "member", "unit": "SO_TC"},
    )
    assert answer.status_code == 403
    assert client.get("/inspection-plans").status_code == 403
