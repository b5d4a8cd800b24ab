"""Commendation and discipline proposals (Đ21), through the workflow API on SQLite: the Office
opens the period's proposals on reporting's candidates, edits the lists with reasons, sends them
to Sở Nội vụ, who answers within 10 working days (reminded, then told overdue), and the Office
records the result for each candidate."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from services.workflow import store
from services.workflow.scheduler import TimerScheduler
from shared.audit import audit_table
from shared.calendar import TZ
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, auth, outbox_types

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/commendations"
HOME_AFFAIRS = auth("unit_officer", "SO_NV")
FIGURES = {"completed_on_time": 5, "completed_late": 0, "in_progress_overdue": 0}
RULE = [
    {
        "key": "unit:SO_TC",
        "subject": "unit",
        "unit": "SO_TC",
        "name": "Sở Tài chính",
        "proposal": "commend",
        "figures": FIGURES,
    },
    {
        "key": "unit:SO_XD",
        "subject": "unit",
        "unit": "SO_XD",
        "name": "Sở Xây dựng",
        "proposal": "review",
        "figures": {"completed_on_time": 1, "completed_late": 2, "in_progress_overdue": 1},
    },
]


def at(service: Any, day: int, month: int = 12) -> None:
    service.clock.set(datetime(2026, month, day, 15, 0, tzinfo=TZ))


def open_case(service: Any, who: dict[str, str] = OFFICE, period: str = "2026") -> Any:
    return service.client.post(BASE, json={"period": period, "candidates": RULE}, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def opened_id(service: Any) -> str:
    answer = open_case(service)
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["items"][0]["id"])


def test_the_office_opens_a_periods_proposals_on_the_rules_candidates_once_D21_4(
    workflow: Any,
) -> None:
    at(workflow, 1)
    answer = open_case(workflow)
    assert answer.status_code == 201, answer.get_json()
    case = answer.get_json()["items"][0]
    assert (case["status"], case["group_id"]) == ("draft", "d21-2026")
    assert [c["origin"] for c in case["data"]["candidates"]] == ["rule", "rule"]
    assert case["data"]["prefilled"] == case["data"]["candidates"]
    assert case["actions"] == ["save", "send"]
    again = open_case(workflow)
    assert again.status_code == 409 and again.get_json()["case_id"] == case["id"]
    assert open_case(workflow, LEAD).status_code == 403
    future = open_case(workflow, period="2027-Q1")
    assert future.status_code == 422 and "period" in future.get_json()["errors"]
    assert open_case(workflow, period="2026-Q5").status_code == 422


def test_the_office_adds_or_removes_candidates_only_with_a_reason_D21_1_D21_3(
    workflow: Any,
) -> None:
    at(workflow, 1)
    case_id = opened_id(workflow)
    officer = {
        "key": "officer:an@SO_YT",
        "subject": "officer",
        "unit": "SO_YT",
        "name": "Nguyễn Văn An",
        "sub": "an@SO_YT",
        "proposal": "commend",
    }
    unexplained = act(workflow, case_id, "save", OFFICE, candidates=[RULE[0], officer])
    assert unexplained.status_code == 422
    errors = unexplained.get_json()["errors"]
    assert "reason" in errors["candidates"]["1"] and "Sở Xây dựng" in errors["removed"][0]
    reasoned = {**officer, "reason": "Tham mưu hoàn thành sớm 3 nhiệm vụ trọng tâm"}
    removed = [{"key": "unit:SO_XD", "reason": "Chậm do nguyên nhân khách quan"}]
    saved = act(workflow, case_id, "save", OFFICE, candidates=[RULE[0], reasoned], removed=removed)
    assert saved.status_code == 200, saved.get_json()
    data = saved.get_json()["data"]
    assert [c["origin"] for c in data["candidates"]] == ["rule", "office"]
    assert data["removed"][0]["reason"] == "Chậm do nguyên nhân khách quan"
    twice = act(workflow, case_id, "save", OFFICE, candidates=[RULE[0], RULE[0], RULE[1]])
    assert twice.status_code == 422 and "key" in twice.get_json()["errors"]["candidates"]["1"]


def test_so_noi_vu_gives_its_opinion_then_the_office_records_each_result_D21_4(
    workflow: Any,
) -> None:
    at(workflow, 1)
    case_id = opened_id(workflow)
    assert act(workflow, case_id, "answer", HOME_AFFAIRS, opinion="x").status_code == 409
    sent = act(workflow, case_id, "send", OFFICE)
    assert sent.status_code == 200, sent.get_json()
    assert (sent.get_json()["status"], sent.get_json()["due_on"]) == ("consulting", "2026-12-15")
    assert act(workflow, case_id, "answer", LEAD, opinion="x").status_code == 403
    inbox = workflow.client.get(BASE, headers=HOME_AFFAIRS).get_json()["items"]
    assert [c["id"] for c in inbox] == [case_id]
    answered = act(workflow, case_id, "answer", HOME_AFFAIRS, opinion="Thống nhất danh sách")
    assert answered.status_code == 200, answered.get_json()
    assert (answered.get_json()["status"], answered.get_json()["due_on"]) == ("answered", None)
    partial = act(
        workflow, case_id, "decide", OFFICE, results=[{"key": "unit:SO_TC", "result": "commend"}]
    )
    assert partial.status_code == 422 and "Sở Xây dựng" in str(partial.get_json()["errors"])
    results = [
        {"key": "unit:SO_TC", "result": "commend"},
        {"key": "unit:SO_XD", "result": "criticize", "note": "Phê bình trong hội nghị quý"},
    ]
    decided = act(workflow, case_id, "decide", OFFICE, results=results, decision_number="12/QĐ")
    assert decided.status_code == 200, decided.get_json()
    assert decided.get_json()["status"] == "decided"
    assert decided.get_json()["actions"] == []
    assert [t for t in outbox_types(workflow) if t.startswith("commendation.")] == [
        "commendation.sent",
        "commendation.answered",
        "commendation.decided",
    ]
    table = audit_table(store.metadata)
    query = select(table.c.action).where(table.c.entity_id == case_id).order_by(table.c.seq)
    with workflow.runtime.platform.database.read() as conn:
        audited = [row.action for row in conn.execute(query)]
    assert audited[-3:] == ["commendation.send", "commendation.answer", "commendation.decide"]


def test_so_noi_vu_is_reminded_then_told_overdue_within_10_working_days_D21_4(
    workflow: Any,
) -> None:
    at(workflow, 1)  # a Tuesday: 10 working days later is Tuesday 15 December
    case_id = opened_id(workflow)
    assert act(workflow, case_id, "send", OFFICE).status_code == 200
    scheduler = TimerScheduler(workflow)

    def notices(day: int) -> list[str]:
        at(workflow, day)
        scheduler.catch_up()
        history = workflow.client.get(f"{BASE}/{case_id}", headers=OFFICE).get_json()["history"]
        return [h["action"] for h in history]

    assert notices(10) == ["open", "send"]
    assert notices(11) == ["open", "send", "due_soon"]  # 2 working days before the 15th
    assert notices(15) == ["open", "send", "due_soon"]  # the 15th is still on time
    assert notices(16) == ["open", "send", "due_soon", "overdue"]
    assert notices(18) == ["open", "send", "due_soon", "overdue"]  # told once
    types = outbox_types(workflow)
    assert types.count("commendation.due_soon") == 1 and types.count("commendation.overdue") == 1
