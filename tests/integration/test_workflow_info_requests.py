"""Ad-hoc information requests (Đ8.1d, Đ9.2, Đ16.5), through the workflow API on SQLite."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from services.workflow.scheduler import TimerScheduler
from tests.integration import workflowkit
from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    NOW,
    OFFICE,
    STRANGER,
    outbox_types,
    release,
)

pytestmark = workflowkit.using(workflowkit.ADJUSTABLE, "adjustable-clock")

BASE = "/api/workflow/info-requests"


def ask(service: Any, who: dict[str, str] = OFFICE, **body: Any) -> Any:
    payload = {
        "subject": "topic",
        "topic": "Giải ngân vốn đầu tư công",
        "question": "Đề nghị báo cáo tỷ lệ giải ngân đến ngày 30/11",
        "units": ["SO_TC"],
        "due_on": "2026-12-04",  # Fri; asked on Tue 2026-12-01
        **body,
    }
    return service.client.post(BASE, json=payload, headers=who)


def act(service: Any, case_id: str, action: str, who: dict[str, str], **body: Any) -> Any:
    return service.client.post(f"{BASE}/{case_id}/actions/{action}", json=body, headers=who)


def get(service: Any, case_id: str, who: dict[str, str] = OFFICE) -> Any:
    return service.client.get(f"{BASE}/{case_id}", headers=who).get_json()


def test_d8_1d_the_office_asks_several_units_about_a_task_one_case_each_in_one_group(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    opened = ask(workflow, subject="task", task_id=task_id, units=["SO_TC", "SO_XD", "SO_TC"])
    assert opened.status_code == 201, opened.get_json()
    items = opened.get_json()["items"]
    assert [c["parties"] for c in items] == [{"asked": ["SO_TC"]}, {"asked": ["SO_XD"]}]
    assert {c["group_id"] for c in items} == {items[0]["group_id"]}
    assert {(c["status"], c["task_id"], c["due_on"]) for c in items} == {
        ("asked", task_id, "2026-12-04")
    }
    assert items[0]["actions"] == ["urge", "close"]  # what the Office may do while it waits
    assert outbox_types(workflow)[-2:] == ["info_request.opened", "info_request.opened"]

    case_id = items[0]["id"]
    assert get(workflow, case_id, LEAD)["actions"] == ["answer"]
    assert workflow.client.get(f"{BASE}/{case_id}", headers=COORDINATOR).status_code == 403
    group = items[0]["group_id"]
    whole = workflow.client.get(f"{BASE}?group_id={group}", headers=OFFICE).get_json()
    mine = workflow.client.get(f"{BASE}?group_id={group}", headers=LEAD).get_json()
    theirs = workflow.client.get(BASE, headers=STRANGER).get_json()
    assert (whole["total"], mine["total"], theirs["total"]) == (2, 1, 0)
    by_task = workflow.client.get(f"{BASE}?task_id={task_id}&open=true", headers=OFFICE)
    assert by_task.get_json()["total"] == 2


def test_d9_2_a_unit_answers_with_text_and_attachments_and_the_office_asks_for_more(
    workflow: Any,
) -> None:
    case_id = ask(workflow).get_json()["items"][0]["id"]
    files = [
        {"name": "Báo cáo giải ngân.pdf", "url": "https://vb.example.vn/1.pdf"},
        {"name": "Phụ lục", "ref": "1234/STC-KH"},
    ]
    assert act(workflow, case_id, "answer", STRANGER, text="x").status_code == 403
    assert act(workflow, case_id, "answer", OFFICE, text="x").status_code == 403
    answered = act(workflow, case_id, "answer", LEAD, text="Đã giải ngân 61%", attachments=files)
    assert answered.status_code == 200, answered.get_json()
    body = answered.get_json()
    assert (body["status"], body["actions"]) == ("answered", [])
    assert body["data"]["text"] == "Đã giải ngân 61%"
    assert body["data"]["attachments"][1] == {"name": "Phụ lục", "url": None, "ref": "1234/STC-KH"}
    assert body["data"]["answered_on"] == "2026-12-01"
    assert outbox_types(workflow)[-1] == "info_request.answered"
    assert get(workflow, case_id)["actions"] == ["close", "request_more"]
    again = act(workflow, case_id, "answer", LEAD, text="thêm")
    assert again.status_code == 409 and again.get_json()["actions"] == []

    more = act(
        workflow,
        case_id,
        "request_more",
        OFFICE,
        question="Tách theo nguồn vốn",
        due_on="2026-12-09",
    ).get_json()
    assert (more["status"], more["due_on"], more["data"]["answered_on"]) == (
        "more_requested",
        "2026-12-09",
        None,
    )
    assert act(workflow, case_id, "answer", LEAD, text="Vốn ngân sách tỉnh 70%").status_code == 200
    closed = act(workflow, case_id, "close", OFFICE, note="Đủ thông tin").get_json()
    assert (closed["status"], closed["open"]) == ("closed", False)
    assert [h["action"] for h in closed["history"]] == [
        "open",
        "answer",
        "request_more",
        "answer",
        "close",
    ]
    assert closed["history"][2]["note"] == "Tách theo nguồn vốn"
    assert outbox_types(workflow)[-3:] == [
        "info_request.more_requested",
        "info_request.answered",
        "info_request.closed",
    ]


def test_d8_1d_an_unanswered_request_is_reminded_told_overdue_and_urged_every_3_working_days(
    workflow: Any,
) -> None:
    case_id = ask(workflow).get_json()["items"][0]["id"]
    scheduler = TimerScheduler(workflow)

    def at(days: int) -> list[str]:
        workflow.clock.set(NOW + timedelta(days=days))
        scheduler.catch_up()
        return [h["action"] for h in get(workflow, case_id)["history"]][1:]

    assert at(1) == ["due_soon"]  # Wed 12-02, 2 working days before Fri 12-04
    assert at(3) == ["due_soon"]  # the due date itself is still on time
    assert at(4) == ["due_soon", "overdue"]  # Sat 12-05
    assert get(workflow, case_id)["overdue"] is True
    assert at(8) == ["due_soon", "overdue", "urged"]  # Wed 12-09: 3 working days after
    assert at(13) == ["due_soon", "overdue", "urged", "urged"]  # Mon 12-14
    assert outbox_types(workflow).count("info_request.overdue") == 1
    assert outbox_types(workflow)[-1] == "info_request.urged"
    assert get(workflow, case_id)["actions"] == ["urge", "close"]

    urged = act(workflow, case_id, "urge", OFFICE, note="Đề nghị trả lời ngay")
    assert urged.get_json()["history"][-1]["note"] == "Đề nghị trả lời ngay"
    answered = act(workflow, case_id, "answer", LEAD, text="Đã giải ngân 61%").get_json()
    assert answered["status"] == "answered"
    assert answered["data"]["answered_on"] == "2026-12-14"
    assert at(30)[-1] == "answer"  # an answered request is no longer urged


def test_d8_1d_only_the_office_asks_and_a_request_says_what_about_and_by_when(
    workflow: Any,
) -> None:
    assert ask(workflow, LEAD).status_code == 403
    assert ask(workflow, subject="task").status_code == 422
    assert ask(workflow, subject="task", task_id="nope").status_code == 404
    assert ask(workflow, subject="document", document_id="d" * 32).status_code == 201
    assert ask(workflow, units=[]).status_code == 422
    assert ask(workflow, due_on="2026-11-30").status_code == 422
    case_id = ask(workflow).get_json()["items"][0]["id"]
    no_link = act(workflow, case_id, "answer", LEAD, text="x", attachments=[{"name": "a"}])
    assert no_link.status_code == 422
    assert act(workflow, case_id, "urge", LEAD).status_code == 403
    assert act(workflow, case_id, "approve", OFFICE).status_code == 404
