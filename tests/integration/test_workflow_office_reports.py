"""The Office's evaluation report (Đ8.1a, Đ16.2, Đ18.2), through the workflow API on SQLite: the
Office opens the period's report on its stored figures, writes its assessment, submits it to the
Office's leader, who returns or approves it, and the Office publishes the approved report."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from services.workflow.scheduler import TimerScheduler
from shared.calendar import TZ
from tests.integration import reviewkit, workflowkit
from tests.integration.reviewkit import LEADER
from tests.integration.workflowkit import LEAD, OFFICE, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/office-reports"
REPORT_ID = "f" * 32
SECTIONS = {
    "progress": "Tiến độ: 80% nhiệm vụ hoàn thành đúng hạn.",
    "quality": "Chất lượng: đạt yêu cầu chỉ đạo.",
    "effectiveness": "Hiệu quả: rõ rệt ở lĩnh vực đầu tư công.",
    "difficulties": "Một số đơn vị chậm cập nhật.",
    "proposals": "Đề nghị Chủ tịch UBND tỉnh phê bình đơn vị chậm.",
}


def at(service: Any, day: int, month: int = 12) -> None:
    service.clock.set(datetime(2026, month, day, 15, 0, tzinfo=TZ))


def open_report(service: Any, who: dict[str, str] = OFFICE, period: str = "2026-Q4") -> Any:
    body = {"period": period, "report_id": REPORT_ID}
    return service.client.post(BASE, json=body, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return reviewkit.act(service, BASE, case_id, action, who, **body)


def opened_id(service: Any, period: str = "2026-Q4") -> str:
    return reviewkit.opened_id(open_report(service, period=period))


def test_the_office_opens_a_periods_evaluation_once_due_before_the_25th_D18_2(
    workflow: Any,
) -> None:
    at(workflow, 20)
    answer = open_report(workflow)
    assert answer.status_code == 201, answer.get_json()
    case = answer.get_json()["items"][0]
    assert (case["status"], case["due_on"]) == ("draft", "2026-12-24")  # "trước ngày 25"
    assert case["group_id"] == "d18-2026-Q4"
    assert case["data"]["report_id"] == REPORT_ID
    assert "25/12/2026" in case["title"]
    assert case["actions"] == ["save", "submit"]
    again = open_report(workflow)
    assert again.status_code == 409
    assert again.get_json()["case_id"] == case["id"]


def test_only_the_office_opens_it_and_only_for_a_period_of_the_schedule_D16_2(
    workflow: Any,
) -> None:
    at(workflow, 20)
    assert open_report(workflow, LEAD).status_code == 403
    assert open_report(workflow, LEADER).status_code == 403
    wrong = open_report(workflow, period="2026-Q5")
    assert wrong.status_code == 422 and "period" in wrong.get_json()["errors"]
    future = open_report(workflow, period="2027-Q2")
    assert future.status_code == 422
    bad_id = workflow.client.post(
        BASE, json={"period": "2026-Q4", "report_id": "x"}, headers=OFFICE
    )
    assert bad_id.status_code == 422 and "report_id" in bad_id.get_json()["errors"]


def test_submitting_asks_for_every_assessment_section_D8_1a(workflow: Any) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow)
    saved = act(workflow, case_id, "save", OFFICE, progress="Nháp")
    assert saved.status_code == 200, saved.get_json()
    assert saved.get_json()["data"]["progress"] == "Nháp"
    assert saved.get_json()["data"]["report_id"] == REPORT_ID  # a save without one keeps it
    partial = act(workflow, case_id, "submit", OFFICE, report_id=REPORT_ID, progress="x")
    assert partial.status_code == 422
    assert {"quality", "effectiveness", "difficulties", "proposals"} <= set(
        partial.get_json()["errors"]
    )


def test_the_office_lead_approves_or_returns_then_the_office_publishes_D16_2(
    workflow: Any,
) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow)
    reviewkit.review_and_publish(
        workflow,
        BASE,
        case_id,
        kind="office_report",
        report_id=REPORT_ID,
        sections=SECTIONS,
        reason="Bổ sung đánh giá chất lượng",
        number="125/BC-VP",
    )
    assert act(workflow, case_id, "save", OFFICE, progress="sau công bố").status_code == 409


def test_the_report_keeps_the_units_reporting_as_it_was_written_D18_1(workflow: Any) -> None:
    at(workflow, 20)
    case_id = opened_id(workflow)
    standing = {
        "totals": {"units": 2, "on_time": 1, "late": 0, "not_reported": 1, "pending": 0},
        "units": [
            {"unit": "SO_TC", "name": "Sở Tài chính", "standing": "on_time"},
            {"unit": "SO_XD", "name": "Sở Xây dựng", "standing": "not_reported"},
        ],
    }
    explained = [
        {
            "unit": "SO_TC",
            "unit_name": "Sở Tài chính",
            "task_id": "a" * 32,
            "content": "Rà soát vốn",
            "document_number": "12/UBND-KTTC",
            "reasons": ["Đang thực hiện quá hạn"],
            "text": "Chờ ý kiến Bộ Tài chính",
        }
    ]
    body = {"report_id": REPORT_ID, **SECTIONS, "standing": standing, "explained": explained}
    sent = act(workflow, case_id, "submit", OFFICE, **body)
    assert sent.status_code == 200, sent.get_json()
    data = sent.get_json()["data"]
    assert data["standing"]["totals"]["not_reported"] == 1
    assert data["explained"][0]["text"] == "Chờ ý kiến Bộ Tài chính"
    wrong = {**standing, "units": [{"unit": "SO_TC", "standing": "sometimes"}]}
    refused = act(workflow, opened_id(workflow, "2026-Q3"), "save", OFFICE, standing=wrong)
    assert refused.status_code == 422 and "standing" in refused.get_json()["errors"]


def test_the_office_is_told_once_when_its_report_is_not_submitted_by_the_24th_D18_2(
    workflow: Any,
) -> None:
    at(workflow, 20)
    late = opened_id(workflow)
    past = opened_id(workflow, "2026-Q3")  # its day, 24 September, long past
    scheduler = TimerScheduler(workflow)

    def notices(case_id: str, day: int) -> list[str]:
        at(workflow, day)
        scheduler.catch_up()
        history = workflow.client.get(f"{BASE}/{case_id}", headers=OFFICE).get_json()["history"]
        return [h["action"] for h in history]

    assert notices(late, 24) == ["open"]  # the 24th is still on time ("trước ngày 25")
    assert act(workflow, late, "save", OFFICE, progress="Nháp").status_code == 200
    assert notices(late, 25) == ["open", "save", "overdue"]
    assert act(workflow, late, "save", OFFICE, progress="Nháp 2").status_code == 200
    assert notices(late, 28) == ["open", "save", "overdue", "save"]  # told once
    history = workflow.client.get(f"{BASE}/{late}", headers=OFFICE).get_json()["history"]
    assert history[2]["action_label"] == "Báo Văn phòng: quá hạn trình báo cáo đánh giá"
    assert outbox_types(workflow).count("office_report.overdue") == 2  # and Q3's, past already
    history = workflow.client.get(f"{BASE}/{past}", headers=OFFICE).get_json()["history"]
    assert [h["action"] for h in history] == ["open", "overdue"]
