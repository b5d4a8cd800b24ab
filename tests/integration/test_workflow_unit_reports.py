"""Units' periodic reports (Đ18.1, Đ17.4), through the workflow API on SQLite: a unit opens its
report for a period of the Đ18 schedule, drafts it, submits it on time or late, and the Office
returns it for correction or accepts it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.scheduler import TimerScheduler
from shared.calendar import TZ
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, STRANGER, auth, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/unit-reports"
HEAD = auth("unit_head", "SO_TC")
LEADER = auth("leader", None)
FIGURES = {
    "as_of": "2026-12-01T09:00:00+07:00",
    "completed_on_time": 3,
    "completed_late": 1,
    "in_progress_on_time": 2,
    "in_progress_overdue": 1,
    "undated_completed": 0,
    "undated_in_progress": 1,
    "total": 8,
    "on_time_rate": 0.6,
}
LISTED = {
    "task_id": "a" * 32,
    "content": "Rà soát vốn",
    "document_number": "12/UBND-KTTC",
    "reasons": ["Đang thực hiện quá hạn"],
}


def open_report(service: Any, who: dict[str, str] = LEAD, period: str = "2026-Q4") -> Any:
    return service.client.post(BASE, json={"period": period}, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def report(**overrides: Any) -> dict[str, Any]:
    return {
        "results": "Hoàn thành 4/8 nhiệm vụ",
        "difficulties": "Thiếu nhân lực",
        "proposals": "Bổ sung biên chế",
        "figures": FIGURES,
        "explanations": [{**LISTED, "text": "Chờ ý kiến Bộ Tài chính"}],
        **overrides,
    }


def at(service: Any, day: int, month: int = 12) -> None:
    service.clock.set(datetime(2026, month, day, 15, 0, tzinfo=TZ))


def opened_id(service: Any, who: dict[str, str] = LEAD) -> str:
    answer = open_report(service, who)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["items"][0]["id"])


def test_a_unit_opens_its_report_for_a_period_of_the_schedule_once_D18_1(workflow: Any) -> None:
    answer = open_report(workflow)
    assert answer.status_code == 201, answer.get_json()
    case = answer.get_json()["items"][0]
    assert case["parties"] == {"reporter": ["SO_TC"]}
    assert case["group_id"] == "d18-2026-Q4"
    assert (case["status"], case["due_on"]) == ("draft", "2026-12-19")  # "trước ngày 20"
    assert case["data"]["period_label"] == "quý IV năm 2026"
    assert "SO_TC" in case["title"] and "20/12/2026" in case["title"]
    assert case["actions"] == ["save", "submit"]

    again = open_report(workflow, HEAD)
    assert again.status_code == 409
    assert again.get_json()["case_id"] == case["id"]
    # another unit reports on the same period in its own case
    assert open_report(workflow, STRANGER).status_code == 201
    # an earlier period may still be reported (late); a period not yet due may not
    assert open_report(workflow, period="2026-H1").status_code == 201
    future = open_report(workflow, period="2027-Q1")
    assert future.status_code == 422 and "period" in future.get_json()["errors"]
    for period in ("2026-H2", "0000-Q1", "2026-11"):
        unknown = open_report(workflow, period=period)
        assert unknown.status_code == 422 and "period" in unknown.get_json()["errors"]
    assert open_report(workflow, OFFICE).status_code == 403
    assert open_report(workflow, LEADER).status_code == 403


def test_a_unit_reads_only_its_own_reports_and_the_office_lists_a_period_D18_1(
    workflow: Any,
) -> None:
    mine = opened_id(workflow)
    opened_id(workflow, STRANGER)
    assert workflow.client.get(f"{BASE}/{mine}", headers=STRANGER).status_code == 403
    period = workflow.client.get(f"{BASE}?group_id=d18-2026-Q4", headers=OFFICE).get_json()
    assert period["total"] == 2
    assert workflow.client.get(BASE, headers=LEAD).get_json()["total"] == 1


def test_a_unit_saves_its_draft_as_often_as_it_likes_without_telling_anyone_D18_1(
    workflow: Any,
) -> None:
    case_id = opened_id(workflow)
    sent_before = len(outbox_types(workflow))
    saved = act(workflow, case_id, "save", LEAD, results="Bản nháp", figures=FIGURES)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert (body["status"], body["actions"]) == ("draft", ["save", "submit"])
    assert body["data"]["results"] == "Bản nháp"
    assert body["data"]["figures"]["in_progress_overdue"] == 1
    again = act(workflow, case_id, "save", HEAD, proposals="Đề xuất").get_json()
    assert again["data"]["results"] == "Bản nháp"  # a section not sent stays as it was
    assert again["data"]["proposals"] == "Đề xuất"
    assert len(outbox_types(workflow)) == sent_before  # drafts are the unit's own
    assert act(workflow, case_id, "save", STRANGER, results="x").status_code == 403
    assert act(workflow, case_id, "save", OFFICE, results="x").status_code == 403


def test_a_report_submitted_on_the_19th_is_on_time_D18_1(workflow: Any) -> None:
    case_id = opened_id(workflow)
    at(workflow, 19)  # a Saturday: the date is the text's, not a working day
    sent = act(workflow, case_id, "submit", LEAD, **report())
    assert sent.status_code == 200, sent.get_json()
    body = sent.get_json()
    assert body["status"] == "submitted"
    assert (body["data"]["late"], body["data"]["first_submitted_on"]) == (False, "2026-12-19")
    assert body["actions"] == []
    assert outbox_types(workflow)[-1] == "unit_report.submitted"


def test_a_report_submitted_on_the_20th_is_late_D18_1(workflow: Any) -> None:
    case_id = opened_id(workflow)
    at(workflow, 20)
    body = act(workflow, case_id, "submit", LEAD, **report()).get_json()
    assert body["status"] == "submitted_late"
    assert body["data"]["late"] is True
    assert body["status_label"] == "Đã gửi chậm hạn, chờ Văn phòng xem xét"


def test_a_report_explains_every_task_of_the_unit_s_list_before_it_is_sent_D17_4(
    workflow: Any,
) -> None:
    case_id = opened_id(workflow)
    unexplained = report(explanations=[{**LISTED, "text": ""}])
    refused = act(workflow, case_id, "submit", LEAD, **unexplained)
    assert refused.status_code == 422
    assert refused.get_json()["errors"]["explanations"]["0"]["text"]
    twice = report(explanations=[{**LISTED, "text": "a"}, {**LISTED, "text": "b"}])
    assert act(workflow, case_id, "submit", LEAD, **twice).status_code == 422
    no_results = act(workflow, case_id, "submit", LEAD, **report(results=None))
    assert no_results.status_code == 422 and "results" in no_results.get_json()["errors"]
    # a draft may leave a text empty; submitting it later still asks for it
    assert act(workflow, case_id, "save", LEAD, **unexplained).status_code == 200
    assert act(workflow, case_id, "submit", LEAD, results="Kết quả").status_code == 422
    sent = act(workflow, case_id, "submit", LEAD, **report())
    assert sent.status_code == 200
    explained = sent.get_json()["data"]["explanations"]
    assert explained == [{**LISTED, "text": "Chờ ý kiến Bộ Tài chính"}]


def test_the_office_returns_a_report_with_its_reason_and_the_unit_sends_it_again_D18_1(
    workflow: Any,
) -> None:
    case_id = opened_id(workflow)
    at(workflow, 18)
    act(workflow, case_id, "submit", LEAD, **report())
    assert act(workflow, case_id, "return", LEAD, reason="x").status_code == 403
    assert act(workflow, case_id, "return", OFFICE).status_code == 422  # a reason is needed
    at(workflow, 22)
    returned = act(workflow, case_id, "return", OFFICE, reason="Bổ sung số liệu giải ngân")
    assert returned.status_code == 200, returned.get_json()
    body = returned.get_json()
    assert (body["status"], body["actions"]) == ("returned", [])
    assert body["history"][-1]["note"] == "Bổ sung số liệu giải ngân"
    assert outbox_types(workflow)[-1] == "unit_report.returned"
    unit_view = workflow.client.get(f"{BASE}/{case_id}", headers=LEAD).get_json()
    assert unit_view["actions"] == ["save", "submit"]

    # sent again after the 19th: the first submission (the 18th) made it on time
    again = act(workflow, case_id, "submit", LEAD, **report(results="Đã bổ sung"))
    body = again.get_json()
    assert (body["status"], body["data"]["late"]) == ("submitted", False)
    assert (body["data"]["first_submitted_on"], body["data"]["submitted_on"]) == (
        "2026-12-18",
        "2026-12-22",
    )
    accepted = act(workflow, case_id, "accept", OFFICE, note="Đạt yêu cầu")
    assert accepted.status_code == 200
    body = accepted.get_json()
    assert (body["status"], body["open"], body["data"]["accepted_on"]) == (
        "accepted",
        False,
        "2026-12-22",
    )
    assert outbox_types(workflow)[-1] == "unit_report.accepted"
    assert act(workflow, case_id, "accept", OFFICE).status_code == 409
    assert [h["action"] for h in body["history"]] == [
        "open",
        "submit",
        "return",
        "submit",
        "accept",
    ]


def test_a_unit_that_has_not_sent_its_report_by_the_19th_is_told_once_D18_1(
    workflow: Any,
) -> None:
    late = opened_id(workflow)
    on_time = opened_id(workflow, STRANGER)
    at(workflow, 17)
    act(workflow, on_time, "submit", STRANGER, **report())
    scheduler = TimerScheduler(workflow)

    def notices(case_id: str, day: int) -> list[str]:
        at(workflow, day)
        scheduler.catch_up()
        history = workflow.client.get(f"{BASE}/{case_id}", headers=OFFICE).get_json()["history"]
        return [h["action"] for h in history]

    assert notices(late, 19) == ["open"]  # the 19th is still on time
    assert notices(late, 20) == ["open", "overdue"]
    assert outbox_types(workflow).count("unit_report.overdue") == 1
    # saving the draft again after the deadline does not tell it twice
    assert act(workflow, late, "save", LEAD, results="Đang hoàn thiện").status_code == 200
    assert notices(late, 22) == ["open", "overdue", "save"]
    # a report sent on time and returned after the 19th is not overdue
    assert act(workflow, on_time, "return", OFFICE, reason="Bổ sung").status_code == 200
    assert notices(on_time, 23) == ["open", "submit", "return"]
    assert outbox_types(workflow).count("unit_report.overdue") == 1
    history = workflow.client.get(f"{BASE}/{late}", headers=LEAD).get_json()["history"]
    assert history[1]["action_label"] == "Báo đơn vị và Văn phòng: quá hạn gửi báo cáo"
