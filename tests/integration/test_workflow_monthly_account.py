"""The Working Group's monthly account (Đ10.1đ, Đ14), through the workflow API on SQLite."""

from __future__ import annotations

from typing import Any

from tests.integration import workflowkit
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    act,
    auth,
    open_feedback,
    outbox_types,
    release,
)

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

OFFICE_LEAD = auth("office_lead", "VP_UBND")
BASE = "/api/workflow/monthly-accounts"


def test_d10_1d_the_account_is_drafted_from_the_month_and_approved_by_the_group_leader(
    workflow: Any,
) -> None:
    first, second = release(workflow), release(workflow)
    act(workflow, first, "urge", OFFICE, note="Đề nghị khẩn trương")
    act(workflow, second, "urge", OFFICE, note="Lần 1")
    feedback = open_feedback(workflow, first, COORDINATOR).get_json()["items"][0]
    workflow.client.post(
        f"/api/workflow/feedback/{feedback['id']}/actions/escalate",
        json={"proposal": "Đề xuất"},
        headers=OFFICE,
    )

    opened = workflow.client.post(BASE, json={"month": "2026-12"}, headers=OFFICE)
    assert opened.status_code == 201, opened.get_json()
    account = opened.get_json()["items"][0]
    figures = account["data"]["figures"]
    assert (figures["urgings"], figures["urgings_by_office"]) == (2, 2)
    assert figures["urged_units"] == {"SO_TC": 2}
    assert (figures["escalations"], figures["escalations_waiting"]) == (1, 1)
    assert "THÁNG 12/2026" in account["data"]["text"]
    assert "1. Đôn đốc: 2 lượt" in account["data"]["text"]
    assert account["status"] == "draft" and account["actions"] == []  # the Office drafts only
    assert outbox_types(workflow)[-1] == "monthly_account.drafted"

    url = f"{BASE}/{account['id']}"
    assert workflow.client.get(url, headers=OFFICE_LEAD).get_json()["actions"] == [
        "edit",
        "approve",
    ]
    approve_by_office = workflow.client.post(f"{url}/actions/approve", json={}, headers=OFFICE)
    assert approve_by_office.status_code == 403
    edited = workflow.client.post(
        f"{url}/actions/edit", json={"text": "Báo cáo đã chỉnh sửa"}, headers=OFFICE_LEAD
    )
    assert edited.get_json()["data"]["text"] == "Báo cáo đã chỉnh sửa"
    assert edited.get_json()["status"] == "draft"
    approved = workflow.client.post(f"{url}/actions/approve", json={}, headers=OFFICE_LEAD)
    body = approved.get_json()
    assert (body["status"], body["open"], body["data"]["text"]) == (
        "approved",
        False,
        "Báo cáo đã chỉnh sửa",
    )
    assert [h["action"] for h in body["history"]] == ["open", "edit", "approve"]
    assert outbox_types(workflow)[-1] == "monthly_account.approved"


def test_d10_1d_one_account_per_month_opened_by_the_office_only(
    workflow: Any,
) -> None:
    assert workflow.client.post(BASE, json={"month": "2026-11"}, headers=LEAD).status_code == 403
    assert workflow.client.post(BASE, json={"month": "2026-13"}, headers=OFFICE).status_code == 422
    assert workflow.client.post(BASE, json={"month": "2026-11"}, headers=OFFICE).status_code == 201
    again = workflow.client.post(BASE, json={"month": "2026-11"}, headers=OFFICE)
    assert again.status_code == 409
    assert workflow.client.get(BASE, headers=LEAD).get_json()["total"] == 0
    assert workflow.client.get(BASE, headers=OFFICE_LEAD).get_json()["total"] == 1
