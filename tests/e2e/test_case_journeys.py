"""Cases over HTTP on both profiles (embedded and distributed): each kind opened, acted on and
announced through notify, the same way on SQLite + in-process bus as on PostgreSQL + RabbitMQ."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from shared.calendar import local_date
from tests.e2e.conftest import Client
from tests.e2e.test_walking_skeleton import a_document

pytestmark = pytest.mark.e2e


def released_task(client: Client, office: str) -> str:
    created = client.call("POST", "/api/intake/documents", office, json=a_document())
    assert created.status_code == 201, created.text
    task_id = created.json()["tasks"][0]["id"]
    client.wait_for(
        lambda: client.call("GET", f"/api/workflow/tasks/{task_id}", office).status_code == 200,
        "the workflow to assign the task",
    )
    return str(task_id)


def inbox_types(client: Client, token: str) -> list[str]:
    items = client.call("GET", "/api/notify/inbox?limit=500", token).json()["items"]
    return [item["event_type"] for item in items]


def test_d17_2_feedback_reaches_the_office_and_its_outcome_the_reporting_unit(
    system: Client,
) -> None:
    office = system.token("office", "VP_UBND")
    reporter = system.token("unit_officer", "SO_XD")
    task_id = released_task(system, office)
    opened = system.call(
        "POST",
        "/api/workflow/feedback",
        reporter,
        json={
            "task_id": task_id,
            "about_unit": "SO_TC",
            "problem": "not_as_required",
            "description": "Số liệu gửi chưa đúng mẫu",
        },
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["items"][0]["id"]
    system.wait_for(
        lambda: "feedback.received" in inbox_types(system, office), "the Office to be told"
    )
    refused = system.call(
        "POST", f"/api/workflow/feedback/{case_id}/actions/urge_unit", reporter, json={"note": "x"}
    )
    assert refused.status_code == 403
    urged = system.call(
        "POST",
        f"/api/workflow/feedback/{case_id}/actions/urge_unit",
        office,
        json={"note": "Đề nghị Sở Tài chính gửi lại số liệu đúng mẫu"},
    )
    assert urged.status_code == 200, urged.text
    assert urged.json()["status"] == "urged"
    system.wait_for(
        lambda: "feedback.unit_urged" in inbox_types(system, reporter),
        "the reporting unit to learn the outcome",
    )


def test_d10_1d_the_working_group_leader_approves_the_month_account(system: Client) -> None:
    office = system.token("office", "VP_UBND")
    lead = system.token("office_lead", "VP_UBND")
    month = local_date(datetime.now(UTC)).strftime("%Y-%m")
    opened = system.call("POST", "/api/workflow/monthly-accounts", office, json={"month": month})
    assert opened.status_code == 201, opened.text
    account = opened.json()["items"][0]
    approved = system.call(
        "POST", f"/api/workflow/monthly-accounts/{account['id']}/actions/approve", lead, json={}
    )
    assert approved.status_code == 200, approved.text
    assert approved.json()["status"] == "approved"
    system.wait_for(
        lambda: "monthly_account.approved" in inbox_types(system, office),
        "the Office to be told of the approval",
    )
