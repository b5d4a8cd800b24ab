"""The annual inspection plan (Đ10.1a, Đ12.1, Đ13) through the workflow API: the Office drafts
and submits it, the leader approves or returns it, and regular inspections are opened from the
approved plan's items, linked to it."""

from __future__ import annotations

from typing import Any

from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, auth, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/inspection-plans"
LEADER = auth("leader", None)
GROUP_LEADER = auth("office_lead", "VP_UBND")
HEAD = auth("unit_head", "SO_TC")
ITEMS = [
    {"unit": "SO_TC", "month": 3, "scope": ["implementation"]},
    {"unit": "SO_XD", "month": 6, "scope": ["reporting", "system_updates"], "note": "6 tháng"},
]


def draft(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> Any:
    payload = {"year": 2027, "items": ITEMS, **body}
    return service.client.post(BASE, json=payload, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def inspect(service: Any, **body: Any) -> Any:
    payload = {
        "form": "regular",
        "title": "Kiểm tra Sở Tài chính theo kế hoạch",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "2027-01-01",
        "period_to": "2027-03-31",
        **body,
    }
    return service.client.post("/api/workflow/inspections", json=payload, headers=OFFICE)


def approved(service: Any) -> str:
    case_id: str = draft(service).get_json()["items"][0]["id"]
    assert act(service, case_id, "submit", OFFICE).status_code == 200
    assert act(service, case_id, "approve", LEADER).status_code == 200
    return case_id


def test_the_office_drafts_the_annual_plan_and_the_leader_approves_it_D10_1a(
    workflow: Any,
) -> None:
    opened = draft(workflow)
    assert opened.status_code == 201, opened.get_json()
    plan = opened.get_json()["items"][0]
    assert (plan["status"], plan["title"]) == ("draft", "Kế hoạch kiểm tra năm 2027")
    assert [(i["no"], i["unit"], i["month"]) for i in plan["data"]["items"]] == [
        (1, "SO_TC", 3),
        (2, "SO_XD", 6),
    ]
    assert plan["actions"] == ["submit"]
    assert outbox_types(workflow)[-1] == "inspection_plan.drafted"
    assert act(workflow, plan["id"], "approve", LEADER).status_code == 409
    submitted = act(workflow, plan["id"], "submit", OFFICE)
    assert submitted.get_json()["status"] == "submitted"
    assert outbox_types(workflow)[-1] == "inspection_plan.submitted"
    assert submitted.get_json()["data"]["items"][1]["note"] == "6 tháng"  # kept as drafted
    # The leader, not the Office nor the Working Group's leader, approves it (Đ10.1a).
    assert act(workflow, plan["id"], "approve", OFFICE).status_code == 403
    assert act(workflow, plan["id"], "approve", GROUP_LEADER).status_code == 403
    done = act(workflow, plan["id"], "approve", LEADER, note="Đồng ý")
    assert done.status_code == 200, done.get_json()
    assert (done.get_json()["status"], done.get_json()["data"]["approved_on"]) == (
        "approved",
        "2026-12-01",
    )
    assert outbox_types(workflow)[-1] == "inspection_plan.approved"


def test_a_returned_plan_is_revised_and_submitted_again_D10_1a(workflow: Any) -> None:
    case_id = draft(workflow).get_json()["items"][0]["id"]
    act(workflow, case_id, "submit", OFFICE)
    assert act(workflow, case_id, "return_plan", LEADER).status_code == 422  # a reason
    back = act(workflow, case_id, "return_plan", LEADER, reason="Bổ sung Sở Y tế")
    assert back.get_json()["status"] == "returned"
    revised = act(
        workflow,
        case_id,
        "submit",
        OFFICE,
        items=[*ITEMS, {"unit": "SO_YT", "month": 9, "scope": ["implementation"]}],
    )
    assert revised.status_code == 200, revised.get_json()
    assert [i["no"] for i in revised.get_json()["data"]["items"]] == [1, 2, 3]
    unknown = [{"unit": "NOWHERE", "month": 1, "scope": ["implementation"]}]
    assert draft(workflow, items=unknown).status_code == 422
    assert draft(workflow, items=[{**ITEMS[0], "month": 13}]).status_code == 422


def test_only_the_office_drafts_a_plan_and_units_do_not_read_it_D10_1a(workflow: Any) -> None:
    assert draft(workflow, HEAD).status_code == 403
    assert draft(workflow, LEADER).status_code == 403
    case_id = draft(workflow).get_json()["items"][0]["id"]
    assert workflow.client.get(f"{BASE}/{case_id}", headers=LEAD).status_code == 403
    assert workflow.client.get(f"{BASE}/{case_id}", headers=LEADER).status_code == 200


def test_inspections_are_opened_from_an_approved_plans_item_and_linked_to_it_D12_1(
    workflow: Any,
) -> None:
    pending = draft(workflow).get_json()["items"][0]["id"]
    early = inspect(workflow, plan_id=pending, plan_item=1)
    assert early.status_code == 422
    assert "đã được phê duyệt" in early.get_json()["errors"]["plan_id"][0]
    plan_id = approved(workflow)
    assert inspect(workflow, plan_id=plan_id).status_code == 422  # its item too
    assert inspect(workflow, plan_id=plan_id, plan_item=9).status_code == 422
    wrong_unit = inspect(workflow, plan_id=plan_id, plan_item=2)
    assert wrong_unit.status_code == 422
    assert "SO_XD" in wrong_unit.get_json()["errors"]["units"][0]
    ad_hoc = inspect(workflow, plan_id=plan_id, plan_item=1, form="ad_hoc", basis="Chỉ đạo")
    assert ad_hoc.status_code == 422
    opened = inspect(workflow, plan_id=plan_id, plan_item=1)
    assert opened.status_code == 201, opened.get_json()
    case = opened.get_json()["items"][0]
    assert (case["data"]["plan_id"], case["data"]["plan_item"]) == (plan_id, 1)
    linked = workflow.client.get(
        "/api/workflow/inspections", query_string={"group_id": plan_id}, headers=OFFICE
    ).get_json()["items"]
    assert [c["id"] for c in linked] == [case["id"]]
    assert inspect(workflow).status_code == 201  # an inspection outside the plan is still one
