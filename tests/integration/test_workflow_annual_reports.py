"""The Office's annual report on this regulation (Đ20.1), through the workflow API on SQLite: the
Office opens the year's report on its stored figures by the date it sets, writes its sections,
submits it to the Office's leader, who returns or approves it, and the Office publishes it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.scheduler import TimerScheduler
from shared.calendar import TZ
from tests.integration import reviewkit, workflowkit
from tests.integration.reviewkit import LEADER
from tests.integration.workflowkit import LEAD, OFFICE, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/annual-reports"
REPORT_ID = "e" * 32
SECTIONS = {
    "assessment": "Các đơn vị cập nhật đầy đủ, tỷ lệ đúng hạn tăng.",
    "training": "Tổ chức 3 lớp tập huấn sử dụng Hệ thống cho 450 cán bộ.",
    "difficulties": "Một số xã chưa bố trí cán bộ theo dõi.",
    "proposals": "Đề nghị biểu dương 5 đơn vị hoàn thành tốt.",
}


def at(service: Any, day: int, month: int = 12, year: int = 2026) -> None:
    service.clock.set(datetime(year, month, day, 15, 0, tzinfo=TZ))


def open_report(
    service: Any, who: dict[str, str] = OFFICE, year: int = 2026, due_on: str = "2027-01-15"
) -> Any:
    body = {"year": year, "report_id": REPORT_ID, "due_on": due_on}
    return service.client.post(BASE, json=body, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return reviewkit.act(service, BASE, case_id, action, who, **body)


def opened_id(service: Any, **kwargs: Any) -> str:
    return reviewkit.opened_id(open_report(service, **kwargs))


def test_the_office_opens_the_years_report_once_due_by_the_date_it_sets_D20_1(
    workflow: Any,
) -> None:
    at(workflow, 20)
    answer = open_report(workflow)
    assert answer.status_code == 201, answer.get_json()
    case = answer.get_json()["items"][0]
    assert (case["status"], case["due_on"]) == ("draft", "2027-01-15")
    assert case["group_id"] == "d20-2026"
    assert case["data"]["report_id"] == REPORT_ID
    assert "năm 2026" in case["title"] and "15/01/2027" in case["title"]
    assert case["actions"] == ["save", "submit"]
    again = open_report(workflow, due_on="2027-01-20")
    assert again.status_code == 409
    assert again.get_json()["case_id"] == case["id"]


def test_only_the_office_opens_it_for_a_year_begun_and_a_date_not_past_D20_1(
    workflow: Any,
) -> None:
    at(workflow, 20)
    assert open_report(workflow, LEAD).status_code == 403
    assert open_report(workflow, LEADER).status_code == 403
    future = open_report(workflow, year=2027)
    assert future.status_code == 422 and "year" in future.get_json()["errors"]
    past = open_report(workflow, due_on="2026-12-01")
    assert past.status_code == 422 and "due_on" in past.get_json()["errors"]
    bad_id = workflow.client.post(
        BASE, json={"year": 2026, "report_id": "x", "due_on": "2027-01-15"}, headers=OFFICE
    )
    assert bad_id.status_code == 422 and "report_id" in bad_id.get_json()["errors"]


def test_submitting_asks_for_every_written_section_D20_1(workflow: Any) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow)
    saved = act(workflow, case_id, "save", OFFICE, training="Nháp")
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["data"]["training"] == "Nháp"
    assert saved.get_json()["data"]["report_id"] == REPORT_ID  # a save without one keeps it
    partial = act(workflow, case_id, "submit", OFFICE, report_id=REPORT_ID, assessment="x")
    assert partial.status_code == 422
    assert {"training", "difficulties", "proposals"} <= set(partial.get_json()["errors"])


def test_the_offices_leader_approves_or_returns_then_the_office_publishes_D20_1(
    workflow: Any,
) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow)
    reviewkit.review_and_publish(
        workflow,
        BASE,
        case_id,
        kind="annual_report",
        report_id=REPORT_ID,
        sections=SECTIONS,
        reason="Bổ sung số lớp tập huấn",
        number="15/BC-VP",
    )
    assert act(workflow, case_id, "save", OFFICE, training="sau công bố").status_code == 409


def test_the_office_is_told_once_when_its_report_is_not_submitted_by_its_date_D20_1(
    workflow: Any,
) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow, due_on="2027-01-15")
    scheduler = TimerScheduler(workflow)

    def notices(day: int, month: int, year: int) -> list[str]:
        at(workflow, day, month, year)
        scheduler.catch_up()
        history = workflow.client.get(f"{BASE}/{case_id}", headers=OFFICE).get_json()["history"]
        return [h["action"] for h in history]

    assert notices(15, 1, 2027) == ["open"]  # its day is still on time
    assert act(workflow, case_id, "save", OFFICE, training="Nháp").status_code == 200
    assert notices(18, 1, 2027) == ["open", "save", "overdue"]
    assert act(workflow, case_id, "save", OFFICE, training="Nháp 2").status_code == 200
    assert notices(25, 1, 2027) == ["open", "save", "overdue", "save"]  # told once
    history = workflow.client.get(f"{BASE}/{case_id}", headers=OFFICE).get_json()["history"]
    assert history[2]["action_label"] == "Báo Văn phòng: quá hạn trình báo cáo năm"
    assert outbox_types(workflow).count("annual_report.overdue") == 1
