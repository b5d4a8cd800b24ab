"""Every date a person enters has a sane range (README "Dates people enter"), refused with 422
naming the field at the service that receives it, so that no service accepts a date another
cannot process: a due date of 9999-12-31 once passed intake and then failed the workflow's timers,
leaving the task released in intake and missing from the workflow."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from services.intake.app import create_app as create_intake_app
from services.intake.app import create_service as create_intake_service
from services.workflow.scheduler import TimerScheduler
from shared.clock import FixedClock
from tests.integration import intakekit, reportingkit, workflowkit
from tests.integration.intakekit import (
    add_task,
    events,
    outbox_seq,
    patch_task,
    post_document,
    released_document,
    task_body,
    token,
)
from tests.integration.workflowkit import LEAD, NOW, OFFICE, outbox_types, release

ADJUSTABLE_CLOCK = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")


def errors(answer: Any) -> dict[str, Any]:
    assert answer.status_code == 422, (answer.status_code, answer.get_json())
    found: dict[str, Any] = answer.get_json()["errors"]
    return found


def act(service: Any, task_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(
        f"/api/workflow/tasks/{task_id}/actions/{action}", headers=who, json=body
    )


# -- intake: documents, their tasks and the Office's corrections --------------------------------
def test_a_due_date_ten_thousand_years_ahead_is_refused_at_intake(intake: Any) -> None:
    before = outbox_seq(intake)
    answer = intake.test_client.post(
        "/api/intake/documents",
        json=intakekit.document(release=True, tasks=[task_body(due_on="9999-12-31")]),
        headers=token(),
    )

    assert "due_on" in errors(answer)["tasks"]["0"]
    assert events(intake, before) == []  # nothing received, nothing released to the workflow


def test_a_due_date_more_than_MAX_DUE_YEARS_after_the_issue_date_is_refused_at_intake(
    intake: Any,
) -> None:
    # Issued 2026-11-27: the last allowed due date is 2036-11-27 (MAX_DUE_YEARS, default 10).
    late = intakekit.document(tasks=[task_body(), task_body(due_on="2036-11-28")])
    answer = intake.test_client.post("/api/intake/documents", json=late, headers=token())

    assert list(errors(answer)["tasks"]) == ["1"]
    assert "10 năm" in errors(answer)["tasks"]["1"]["due_on"][0]
    assert post_document(intake, tasks=[task_body(due_on="2036-11-27")])["tasks"][0]["due_on"] == (
        "2036-11-27"
    )


def test_MAX_DUE_YEARS_sets_how_far_a_due_date_may_lie(tmp_path: Path, bus_namespace: str) -> None:
    env = {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace}
    env["JWT_SECRET"] = intakekit.SECRET
    service = create_intake_service({**env, "MAX_DUE_YEARS": "20"}, clock=FixedClock(intakekit.NOW))
    service.migrate()
    try:
        client = create_intake_app(service).test_client()
        body = intakekit.document(tasks=[task_body(due_on="2046-11-27")])
        assert client.post("/api/intake/documents", json=body, headers=token()).status_code == 201
        body = intakekit.document(tasks=[task_body(due_on="2046-11-28")])
        answer = client.post("/api/intake/documents", json=body, headers=token())
        assert "due_on" in errors(answer)["tasks"]["0"]
    finally:
        service.runtime.platform.stop()
    for wrong in ("0", "abc", "51"):
        with pytest.raises(ValueError, match="MAX_DUE_YEARS"):
            create_intake_app(create_intake_service({**env, "MAX_DUE_YEARS": wrong}))


def test_a_document_cannot_be_issued_in_the_future_or_before_2000_D6_1(intake: Any) -> None:
    # Today is 2026-12-01; one day absorbs a clock difference with the sending system.
    before = outbox_seq(intake)
    for issued_on in ("0001-01-01", "1999-12-31", "2026-12-03", "9999-12-31"):
        number = f"25/{issued_on[:4]}/CT-UBND"
        body = intakekit.document(issued_on=issued_on, number=number, tasks=[])
        answer = intake.test_client.post("/api/intake/documents", json=body, headers=token())
        assert list(errors(answer)) == ["issued_on"], issued_on
    assert events(intake, before) == []
    tomorrow = post_document(intake, issued_on="2026-12-02", tasks=[task_body()])
    assert tomorrow["issued_on"] == "2026-12-02"


def test_an_amendment_or_an_added_task_with_a_due_date_beyond_the_bound_is_refused(
    intake: Any,
) -> None:
    document = released_document(intake)
    task_id = document["tasks"][0]["id"]
    before = outbox_seq(intake)

    for due_on in ("9999-12-31", "2036-11-28"):
        assert "due_on" in errors(patch_task(intake, task_id, {"due_on": due_on}))
        assert "due_on" in errors(add_task(intake, document["id"], due_on=due_on))
    assert events(intake, before) == []  # no task.amended, no task.released

    assert patch_task(intake, task_id, {"due_on": "2036-11-27"}).status_code == 200
    assert patch_task(intake, task_id, {"content": "Nội dung mới"}).status_code == 200


def test_the_document_search_refuses_dates_outside_the_supported_years(intake: Any) -> None:
    answer = intake.test_client.get(
        "/api/intake/documents?issued_from=0001-01-01&issued_to=9999-12-31", headers=token()
    )
    assert set(errors(answer)) == {"issued_from", "issued_to"}


# -- the workflow: extensions (Đ5.2c), cases, the monthly account -------------------------------
@ADJUSTABLE_CLOCK
def test_an_extension_must_move_the_due_date_later_D5_2c(workflow: Any) -> None:
    task_id = release(workflow)  # due 2026-12-20, assigned 2026-12-01
    assert act(workflow, task_id, "accept", LEAD).status_code == 200

    for earlier in ("2026-12-10", "2026-12-20", "2026-11-01"):
        refused = act(workflow, task_id, "request_extension", LEAD, new_due_on=earlier, reason="x")
        assert "Đ5.2c" in errors(refused)["new_due_on"][0], earlier
    for beyond in ("9999-12-31", "2036-12-02"):  # MAX_DUE_YEARS after the assignment
        refused = act(workflow, task_id, "request_extension", LEAD, new_due_on=beyond, reason="x")
        assert "new_due_on" in errors(refused), beyond
    task = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert (task["extension_pending"], task["due_on"]) == (False, "2026-12-20")

    asked = act(workflow, task_id, "request_extension", LEAD, new_due_on="2027-01-15", reason="x")
    assert asked.status_code == 200 and asked.get_json()["extension_pending"] is True
    earlier = act(
        workflow, task_id, "decide_extension", OFFICE, approve=True, new_due_on="2026-12-15"
    )
    assert "new_due_on" in errors(earlier)
    approved = act(
        workflow, task_id, "decide_extension", OFFICE, approve=True, new_due_on="2027-01-05"
    )
    assert approved.status_code == 200
    assert (approved.get_json()["due_on"], approved.get_json()["overdue"]) == ("2027-01-05", False)
    assert "task.overdue" not in outbox_types(workflow) and "task.urged" not in outbox_types(
        workflow
    )


@ADJUSTABLE_CLOCK
def test_an_approval_without_a_date_is_refused_once_the_date_asked_for_has_passed_D5_2c(
    workflow: Any,
) -> None:
    task_id = release(workflow)  # due 2026-12-20
    act(workflow, task_id, "accept", LEAD)
    act(workflow, task_id, "request_extension", LEAD, new_due_on="2026-12-23", reason="x")
    workflow.clock.set(NOW + timedelta(days=25))  # 2026-12-26: the Office took its time

    assert "new_due_on" in errors(act(workflow, task_id, "decide_extension", OFFICE, approve=True))
    refused = act(workflow, task_id, "decide_extension", OFFICE, approve=False)
    assert refused.status_code == 200 and refused.get_json()["due_on"] == "2026-12-20"


@ADJUSTABLE_CLOCK
def test_a_case_due_date_in_the_past_or_beyond_the_bound_is_refused(workflow: Any) -> None:
    base = "/api/workflow/info-requests"
    ask = {"subject": "topic", "topic": "Giải ngân", "question": "Tỷ lệ?", "units": ["SO_TC"]}
    for due_on in ("9999-12-31", "0001-01-01", "2026-11-30", "2036-12-02"):
        answer = workflow.client.post(base, json={**ask, "due_on": due_on}, headers=OFFICE)
        assert list(errors(answer)) == ["due_on"], due_on
    opened = workflow.client.post(base, json={**ask, "due_on": "2036-12-01"}, headers=OFFICE)
    assert opened.status_code == 201, opened.get_json()
    case_id = opened.get_json()["items"][0]["id"]
    answered = workflow.client.post(
        f"{base}/{case_id}/actions/answer", json={"text": "61%"}, headers=LEAD
    )
    assert answered.status_code == 200
    for due_on in ("9999-12-31", "2026-11-30"):
        more = workflow.client.post(
            f"{base}/{case_id}/actions/request_more",
            json={"question": "Thêm", "due_on": due_on},
            headers=OFFICE,
        )
        assert list(errors(more)) == ["due_on"], due_on


@ADJUSTABLE_CLOCK
def test_an_inspection_refuses_dates_outside_the_supported_years(workflow: Any) -> None:
    base = "/api/workflow/inspections"
    plan = {
        "form": "regular",
        "title": "Kiểm tra quý IV/2026",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "0001-01-01",
        "period_to": "9999-12-31",
    }
    assert set(errors(workflow.client.post(base, json=plan, headers=OFFICE))) == {
        "period_from",
        "period_to",
    }
    plan.update(period_from="2026-11-01", period_to="2026-11-30")
    case_id = workflow.client.post(base, json=plan, headers=OFFICE).get_json()["items"][0]["id"]
    for action, body in (
        ("finish", {"ended_on": "0001-01-01"}),
        ("present_report", {"meeting_on": "9999-12-31"}),
    ):
        answer = workflow.client.post(
            f"{base}/{case_id}/actions/{action}", json=body, headers=OFFICE
        )
        assert list(errors(answer)) == list(body), action
    request = {"inspection_id": case_id, "units": ["SO_TC"], "request": "Hồ sơ"}
    far = workflow.client.post(
        "/api/workflow/inspection-requests",
        json={**request, "due_on": "2040-01-01"},
        headers=OFFICE,
    )
    assert list(errors(far)) == ["due_on"]


@ADJUSTABLE_CLOCK
def test_a_monthly_account_is_for_a_month_that_has_begun_within_the_supported_years(
    workflow: Any,
) -> None:
    base = "/api/workflow/monthly-accounts"
    for month in ("0000-01", "1999-12", "2101-01", "2027-01"):
        answer = workflow.client.post(base, json={"month": month}, headers=OFFICE)
        assert list(errors(answer)) == ["month"], month
    assert workflow.client.post(base, json={"month": "2026-12"}, headers=OFFICE).status_code == 201


@ADJUSTABLE_CLOCK
def test_a_released_task_with_a_due_date_the_timers_cannot_hold_is_still_assigned(
    workflow: Any,
) -> None:
    """An event from before these bounds: the task is assigned, its deadline timers stay off."""
    task_id = release(workflow, due_on="9999-12-31")
    task = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert (task["status"], task["due_on"]) == ("assigned", "9999-12-31")
    workflow.clock.set(NOW + timedelta(days=40))
    TimerScheduler(workflow).catch_up()
    assert outbox_types(workflow) == ["task.assigned"]


# -- reporting: periods -------------------------------------------------------------------------
@pytest.mark.parametrize(
    "path",
    [
        "stats",
        "stats/tasks",
        "rankings",
        "explanations",
        "confirmation-lag",
        "info-requests",
    ],
)
def test_statistics_over_years_outside_2000_2100_or_longer_than_five_years_are_refused(
    reporting: Any, path: str
) -> None:
    def get(query: str) -> Any:
        return reporting.client.get(
            f"/api/reporting/{path}?{query}", headers=reportingkit.headers()
        )

    assert set(errors(get("from=0001-01-01&to=9999-12-31"))) == {"from", "to"}
    assert list(errors(get("period=1999"))) == ["period"]
    assert list(errors(get("period=9999-12"))) == ["period"]
    assert list(errors(get("from=2021-01-01&to=2026-01-01"))) == ["to"]
    assert get("from=2021-01-01&to=2025-12-31").status_code == 200
    assert get("period=2026-Q4").status_code == 200


def test_a_report_or_intake_compliance_outside_the_supported_years_is_refused(
    reporting: Any,
) -> None:
    office = reportingkit.headers()
    far = {"period": {"from": "0001-01-01", "to": "9999-12-31"}}
    answer = reporting.client.post("/api/reporting/reports", json=far, headers=office)
    assert set(errors(answer)["period"]) == {"from", "to"}
    answer = reporting.client.post(
        "/api/reporting/reports", json={"period": "0000"}, headers=office
    )
    assert list(errors(answer)) == ["period"]
    answer = reporting.client.get("/api/reporting/intake-compliance?year=9999", headers=office)
    assert list(errors(answer)) == ["year"]


# -- end to end: the furthest allowed due date travels from intake to an assigned task ----------
@ADJUSTABLE_CLOCK
def test_a_due_date_at_the_bound_is_released_by_intake_and_assigned_by_the_workflow(
    intake: Any, workflow: Any
) -> None:
    document = released_document(intake, tasks=[task_body(lead_unit="SO_TC", due_on="2036-11-27")])
    outbox = intake.runtime.platform.tables.outbox
    with intake.runtime.platform.database.read() as conn:
        (body,) = conn.execute(
            select(outbox.c.body).where(outbox.c.event_type == "task.released")
        ).scalars()
    assert workflow.consumer.process(body.encode(), {}) == "applied"

    task_id = document["tasks"][0]["id"]
    task = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=LEAD).get_json()
    assert (task["status"], task["due_on"]) == ("assigned", "2036-11-27")
    assert outbox_types(workflow) == ["task.assigned"]
    accepted = act(workflow, task_id, "accept", LEAD)
    assert accepted.status_code == 200 and accepted.get_json()["status"] == "in_progress"
