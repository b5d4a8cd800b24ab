"""The Chairman's Working Group (Đ10.1b, Đ13.1) through the workflow API: the Office records the
decision that sets it up and keeps its members current; only current members are named as the
inspectors of an inspection (Đ13)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, NOW, OFFICE, auth, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/working-group"
GROUP_LEADER = auth("office_lead", "VP_UBND")
INSPECTOR = auth("inspector", "VP_UBND")  # account inspector@VP_UBND
HEAD = auth("unit_head", "SO_TC")
MEMBERS = [
    {"sub": "office_lead@VP_UBND", "name": "Lê Văn Tổ", "role": "leader", "unit": "VP_UBND"},
    {"sub": "pho@VP_UBND", "name": "Trần Phó", "role": "deputy", "unit": "VP_UBND"},
    {"sub": "inspector@VP_UBND", "name": "Nguyễn Kiểm", "role": "member", "unit": "VP_UBND"},
]
OUTSIDER = {"sub": "someone@SO_TC", "name": "Phạm Ngoài"}


def decide(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> Any:
    payload = {
        "number": "1234/QĐ-UBND",
        "signed_on": "2026-11-20",
        "signer": "Chủ tịch UBND tỉnh",
        "rules_ref": "Quy chế ban hành kèm theo Quyết định 1234/QĐ-UBND",
        "members": MEMBERS,
        **body,
    }
    return service.client.post(f"{BASE}/decisions", json=payload, headers=who)


def plan(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> Any:
    payload = {
        "form": "regular",
        "title": "Kiểm tra quý IV/2026",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        **body,
    }
    return service.client.post("/api/workflow/inspections", json=payload, headers=who)


def test_the_office_records_the_chairmans_decision_with_members_and_rules_D13_1(
    workflow: Any,
) -> None:
    assert workflow.client.get(BASE, headers=LEAD).get_json()["decision"] is None
    done = decide(workflow)
    assert done.status_code == 201, done.get_json()
    assert done.get_json()["number"] == "1234/QĐ-UBND"
    group = workflow.client.get(BASE, headers=LEAD).get_json()
    assert group["decision"]["signer"] == "Chủ tịch UBND tỉnh"
    assert [(m["name"], m["role_label"]) for m in group["members"]] == [
        ("Lê Văn Tổ", "Tổ trưởng"),
        ("Trần Phó", "Tổ phó"),
        ("Nguyễn Kiểm", "Thành viên"),
    ]
    assert all(m["started_on"] == "2026-11-20" and m["current"] for m in group["members"])


def test_a_decision_has_its_rules_one_leader_and_known_units_D13_1(workflow: Any) -> None:
    no_rules = decide(workflow, rules_ref=None)
    assert no_rules.status_code == 422
    assert "Quy chế" in no_rules.get_json()["errors"]["rules"][0]
    two_leaders = [MEMBERS[0], {**MEMBERS[1], "role": "leader"}]
    assert decide(workflow, members=two_leaders).status_code == 422
    unknown = [{**MEMBERS[0], "unit": "NOWHERE"}]
    assert decide(workflow, members=unknown).status_code == 422
    assert decide(workflow, members=[{**MEMBERS[0], "role": "chief"}]).status_code == 422


def test_a_unit_cannot_record_or_change_the_working_group_D10_1b(workflow: Any) -> None:
    assert decide(workflow, LEAD).status_code == 403
    assert decide(workflow, HEAD).status_code == 403
    assert decide(workflow, INSPECTOR).status_code == 403
    assert decide(workflow).status_code == 201
    member = workflow.client.get(BASE, headers=OFFICE).get_json()["members"][2]
    added = {"sub": "x@SO_TC", "name": "X", "role": "member", "unit": "SO_TC"}
    added |= {"started_on": "2026-12-01"}
    assert workflow.client.post(f"{BASE}/members", json=added, headers=HEAD).status_code == 403
    end = {"ended_on": "2026-12-01", "reason": "Nghỉ hưu"}
    ended = workflow.client.post(f"{BASE}/members/{member['id']}/end", json=end, headers=LEAD)
    assert ended.status_code == 403


def test_members_are_added_and_ended_with_their_dates_D13_1(workflow: Any) -> None:
    added = {"sub": "moi@SO_TC", "name": "Đỗ Mới", "role": "member", "unit": "SO_TC"}
    added |= {"started_on": "2026-12-01", "basis": "Quyết định 99/QĐ-UBND"}
    early = workflow.client.post(f"{BASE}/members", json=added, headers=OFFICE)
    assert early.status_code == 409  # no decision yet
    assert decide(workflow).status_code == 201
    done = workflow.client.post(f"{BASE}/members", json=added, headers=OFFICE)
    assert done.status_code == 201, done.get_json()
    again = workflow.client.post(f"{BASE}/members", json=added, headers=OFFICE)
    assert again.status_code == 409
    second_leader = {**added, "sub": "other@VP_UBND", "role": "leader"}
    assert (
        workflow.client.post(f"{BASE}/members", json=second_leader, headers=OFFICE).status_code
        == 422
    )
    member_id = done.get_json()["id"]
    bad = {"ended_on": "2026-11-01", "reason": "Chuyển công tác"}
    assert (
        workflow.client.post(
            f"{BASE}/members/{member_id}/end", json=bad, headers=OFFICE
        ).status_code
        == 422
    )
    end = {"ended_on": "2026-12-01", "reason": "Chuyển công tác"}
    ended = workflow.client.post(f"{BASE}/members/{member_id}/end", json=end, headers=OFFICE)
    assert ended.status_code == 200
    assert ended.get_json()["current"] is False
    group = workflow.client.get(BASE, headers=OFFICE).get_json()
    assert "Đỗ Mới" in [m["name"] for m in group["former_members"]]
    assert "Đỗ Mới" not in [m["name"] for m in group["members"]]


def test_a_new_decision_ends_the_members_it_does_not_name_D13_1(workflow: Any) -> None:
    assert decide(workflow).status_code == 201
    assert (
        decide(
            workflow, number="88/QĐ-UBND", signed_on="2026-11-25", members=MEMBERS[:2]
        ).status_code
        == 201
    )
    group = workflow.client.get(BASE, headers=OFFICE).get_json()
    assert group["decision"]["number"] == "88/QĐ-UBND"
    assert [m["name"] for m in group["members"]] == ["Lê Văn Tổ", "Trần Phó"]


def test_a_non_member_inspector_cannot_be_named_on_an_inspection_D13_1(workflow: Any) -> None:
    assert decide(workflow).status_code == 201
    refused = plan(workflow, inspectors=[OUTSIDER])
    assert refused.status_code == 422
    assert "Phạm Ngoài không phải thành viên" in refused.get_json()["errors"]["inspectors"][0]
    member = {"sub": "inspector@VP_UBND", "name": "Nguyễn Kiểm"}
    opened = plan(workflow, inspectors=[member])
    assert opened.status_code == 201, opened.get_json()
    case_id = opened.get_json()["items"][0]["id"]
    url = f"/api/workflow/inspections/{case_id}/actions"
    approve = workflow.client.post(
        f"{url}/approve", json={"inspectors": [OUTSIDER]}, headers=GROUP_LEADER
    )
    assert approve.status_code == 422
    assert outbox_types(workflow)[-1] == "inspection.plan_submitted"  # nothing moved
    assert workflow.client.post(f"{url}/approve", json={}, headers=GROUP_LEADER).status_code == 200
    assign = workflow.client.post(
        f"{url}/assign_inspectors", json={"inspectors": [OUTSIDER]}, headers=OFFICE
    )
    assert assign.status_code == 422
    # A membership ended is no longer enough.
    group = workflow.client.get(BASE, headers=OFFICE).get_json()
    kiem = next(m for m in group["members"] if m["sub"] == "inspector@VP_UBND")
    end = {"ended_on": "2026-12-01", "reason": "Chuyển công tác"}
    assert (
        workflow.client.post(
            f"{BASE}/members/{kiem['id']}/end", json=end, headers=OFFICE
        ).status_code
        == 200
    )
    workflow.clock.set(NOW + timedelta(days=1))
    assert plan(workflow, INSPECTOR).status_code == 422  # the inspector names themself
    assert plan(workflow, inspectors=[member]).status_code == 422
