"""The Office's summary of overdue tasks for the leaders (Đ16.4) through the workflow's timer
rounds and API, on SQLite; the summary sent through notify to the leaders' inbox and mailbox."""

from __future__ import annotations

import email
import json
import threading
from datetime import datetime, time
from email.policy import default
from typing import Any

import pytest
from sqlalchemy import select, update

from services.workflow.scheduler import TimerScheduler
from services.workflow.units import units
from shared.calendar import TZ
from tests.integration import notifykit, workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, act, auth, outbox_types, release

BASE = "/api/workflow/overdue-summaries"
LEADER = auth("leader", None)
LONG = "Rà soát, đánh giá tình hình giải ngân vốn đầu tư công " * 8  # longer than 200 characters


def at(year: int, month: int, day: int, hour: int = 9) -> datetime:
    return datetime.combine(datetime(year, month, day).date(), time(hour), TZ)


# Monday 2 November 2026, before any task is overdue.
IN_NOVEMBER = workflowkit.using(
    workflowkit.Setup(clock="adjustable", now=at(2026, 11, 2)), "2026-11-02"
)


def run_at(service: Any, moment: datetime) -> None:
    """Move the clock and run one scheduler round."""
    service.clock.set(moment)
    TimerScheduler(service).run_round()


def summaries(service: Any, who: dict[str, str] = OFFICE) -> list[dict[str, Any]]:
    answer = service.client.get(BASE, headers=who)
    assert answer.status_code == 200, answer.get_json()
    return sorted(answer.get_json()["items"], key=lambda c: c["created_at"])


def one(service: Any, case_id: str, who: dict[str, str] = OFFICE) -> dict[str, Any]:
    answer = service.client.get(f"{BASE}/{case_id}", headers=who)
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def overdue_tasks(service: Any) -> dict[str, str]:
    """Tasks due in November (and one in December), by name; Sở Tài chính named as people
    read it. The one submitted on time is not overdue (Đ5.2b)."""
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(update(units).where(units.c.code == "SO_TC").values(name="Sở Tài chính"))
    tasks = {
        "late_chairman": release(
            service, due_on="2026-11-20", assigned_by="chu_tich", document_number="5/QĐ-UBND"
        ),
        "late_vice": release(
            service,
            due_on="2026-11-25",
            assigned_by="pho_chu_tich",
            lead_unit="SO_XD",
            coordinating_units=[],
            document_number="7/UBND-KTTC",
            content=LONG,
        ),
        "december": release(
            service, due_on="2026-12-15", assigned_by="ubnd_tinh", lead_unit="SO_YT"
        ),
        "on_time": release(service, due_on="2026-11-20", lead_unit="SO_KH", coordinating_units=[]),
    }
    unit = auth("unit_officer", "SO_KH")
    assert act(service, tasks["on_time"], "accept", unit).status_code == 200
    assert act(service, tasks["on_time"], "submit_result", unit, note="Xong").status_code == 200
    return tasks


@IN_NOVEMBER
def test_the_system_opens_the_month_s_overdue_summary_once_per_month_D16_4(workflow: Any) -> None:
    tasks = overdue_tasks(workflow)
    TimerScheduler(workflow).run_round()
    assert summaries(workflow) == []  # nothing was due before 1 November: no summary

    run_at(workflow, at(2026, 12, 1, 0))
    TimerScheduler(workflow).run_round()  # a second worker, or a restart
    run_at(workflow, at(2026, 12, 21))  # later in the month: still the one summary
    [december] = summaries(workflow)
    assert december["group_id"] == "overdue-2026-12"
    assert december["status"] == "drafting" and december["open"] is True
    assert december["created_by"]["sub"] == "system:overdue-summaries"
    assert december["title"] == "Báo cáo nhiệm vụ quá hạn tháng 12/2026: 2 nhiệm vụ quá hạn"
    data = december["data"]
    assert (data["as_of"], data["overdue_before"], data["total"]) == ("2026-12-01", "2026-12-01", 2)
    first, second = data["tasks"]
    assert first == {
        "task_id": tasks["late_chairman"],
        "document_number": "5/QĐ-UBND",
        "content": "Rà soát vốn",
        "lead_unit": "SO_TC",
        "lead_unit_name": "Sở Tài chính",
        "due_on": "2026-11-20",
        "days_overdue": 11,
        "assigned_by": "chu_tich",
        "assigned_by_label": "Chủ tịch UBND tỉnh",
    }
    assert second["task_id"] == tasks["late_vice"]
    assert second["content"] == LONG[:200] and second["days_overdue"] == 6
    assert second["assigned_by_label"] == "Phó Chủ tịch UBND tỉnh"
    assert data["by_assigner"] == [
        {"assigned_by": "ubnd_tinh", "label": "UBND tỉnh", "count": 0},
        {"assigned_by": "chu_tich", "label": "Chủ tịch UBND tỉnh", "count": 1},
        {"assigned_by": "pho_chu_tich", "label": "Phó Chủ tịch UBND tỉnh", "count": 1},
    ]
    # The lead units of the listed tasks are its parties: they read it, and act on nothing.
    assert december["parties"] == {"responsible": ["SO_TC", "SO_XD"]}
    assert one(workflow, december["id"], LEAD)["actions"] == []
    assert (
        workflow.client.get(
            f"{BASE}/{december['id']}", headers=auth("unit_officer", "SO_YT")
        ).status_code
        == 403
    )

    run_at(workflow, at(2027, 1, 4))  # January: the December task is overdue too
    _, january = summaries(workflow)
    assert january["group_id"] == "overdue-2027-01"
    assert [t["task_id"] for t in january["data"]["tasks"]] == [
        tasks["late_chairman"],
        tasks["late_vice"],
        tasks["december"],
    ]
    assert january["data"]["by_assigner"][0]["count"] == 1  # UBND tỉnh
    assert not [t for t in outbox_types(workflow) if t.startswith("overdue_summary.")]


@IN_NOVEMBER
def test_the_office_reports_the_tasks_overdue_today_on_demand_D16_4(workflow: Any) -> None:
    refused = workflow.client.post(BASE, json={}, headers=OFFICE)
    assert refused.status_code == 409
    assert refused.get_json()["detail"] == "Không có nhiệm vụ quá hạn để báo cáo."
    tasks = overdue_tasks(workflow)
    workflow.clock.set(at(2026, 11, 23))
    assert workflow.client.post(BASE, json={}, headers=LEAD).status_code == 403
    assert workflow.client.post(BASE, json={}, headers=LEADER).status_code == 403
    opened = workflow.client.post(BASE, json={}, headers=OFFICE)
    assert opened.status_code == 201, opened.get_json()
    [case] = opened.get_json()["items"]
    assert case["group_id"] is None and case["status"] == "drafting"
    assert [t["task_id"] for t in case["data"]["tasks"]] == [tasks["late_chairman"]]
    assert case["data"]["tasks"][0]["days_overdue"] == 3


def _sent_summary(workflow: Any) -> dict[str, Any]:
    overdue_tasks(workflow)
    run_at(workflow, at(2026, 12, 1))
    [case] = summaries(workflow)
    return case


@IN_NOVEMBER
def test_only_the_office_sends_the_summary_with_its_measures_and_only_leaders_direct_D16_4(
    workflow: Any,
) -> None:
    case = _sent_summary(workflow)
    path = f"{BASE}/{case['id']}/actions"
    assert one(workflow, case["id"])["actions"] == ["send"]
    assert one(workflow, case["id"], LEADER)["actions"] == []
    missing = workflow.client.post(f"{path}/send", json={}, headers=OFFICE)
    assert missing.status_code == 422 and "measures" in missing.get_json()["errors"]
    measures = {"measures": "Đề nghị Chủ tịch UBND tỉnh phê bình Sở Xây dựng"}
    assert workflow.client.post(f"{path}/send", json=measures, headers=LEAD).status_code == 403
    assert workflow.client.post(f"{path}/send", json=measures, headers=LEADER).status_code == 403
    sent = workflow.client.post(f"{path}/send", json=measures, headers=OFFICE)
    assert sent.status_code == 200, sent.get_json()
    after = one(workflow, case["id"], LEADER)
    assert after["status"] == "sent" and after["actions"] == ["give_direction"]
    assert after["data"]["measures"] == measures["measures"]
    assert one(workflow, case["id"])["actions"] == []  # the Office does not direct

    direction = {"direction": "Sở Xây dựng hoàn thành trước ngày 10/12/2026"}
    refused = workflow.client.post(f"{path}/give_direction", json=direction, headers=OFFICE)
    assert refused.status_code == 403
    again = workflow.client.post(f"{path}/send", json=measures, headers=OFFICE)
    assert again.status_code == 409
    directed = workflow.client.post(f"{path}/give_direction", json=direction, headers=LEADER)
    assert directed.status_code == 200, directed.get_json()
    closed = one(workflow, case["id"])
    assert (closed["status"], closed["open"]) == ("directed", False)
    assert [h["action"] for h in closed["history"]] == ["open", "send", "give_direction"]
    assert closed["history"][-1]["note"] == direction["direction"]
    assert [t for t in outbox_types(workflow) if t.startswith("overdue_summary.")] == [
        "overdue_summary.sent",
        "overdue_summary.directed",
    ]


def _outbox(workflow: Any, event_type: str) -> str:
    outbox = workflow.runtime.platform.tables.outbox
    with workflow.runtime.platform.database.read() as conn:
        body = conn.execute(
            select(outbox.c.body).where(outbox.c.event_type == event_type)
        ).scalar_one()
    return str(body)


@IN_NOVEMBER
def test_the_leaders_inbox_and_mailbox_get_the_summary_and_the_units_the_direction_D16_4(
    workflow: Any, make_notify: Any
) -> None:
    case = _sent_summary(workflow)
    path = f"{BASE}/{case['id']}/actions"
    measures = "Đề nghị Chủ tịch UBND tỉnh phê bình Sở Xây dựng"
    workflow.client.post(f"{path}/send", json={"measures": measures}, headers=OFFICE)
    direction = "Sở Xây dựng hoàn thành trước ngày 10/12/2026"
    workflow.client.post(f"{path}/give_direction", json={"direction": direction}, headers=LEADER)
    sent = _outbox(workflow, "overdue_summary.sent")
    assert json.loads(sent)["data"]["details"]["measures"] == measures

    with notifykit.smtp_server() as (port, received):
        notify = make_notify(
            "VP_UBND",
            "SO_XD",
            smtp_port=port,
            LEADERS_EMAIL="lanhdao@thanhhoa.gov.vn, chutich@thanhhoa.gov.vn",
        )
        notifykit.know_units(notify, SO_TC="Sở Tài chính")
        assert notify.consumer.process(sent.encode(), {}) == "applied"
        directed = _outbox(workflow, "overdue_summary.directed")
        assert notify.consumer.process(directed.encode(), {}) == "applied"
        notify.worker.run_once()
        notify.worker.run_once()

        def inbox(who: dict[str, str]) -> list[dict[str, Any]]:
            answer = notify.client.get("/api/notify/inbox", headers=who)
            return list(answer.get_json()["items"])

        [leaders] = inbox(notifykit.auth("leader", None))
        assert leaders["title"] == "Báo cáo nhiệm vụ quá hạn, kiến nghị biện pháp đôn đốc"
        body = leaders["body"]
        assert "Số nhiệm vụ quá hạn: 2 (UBND tỉnh: 0; Chủ tịch UBND tỉnh: 1;" in body
        assert (
            "1. 5/QĐ-UBND: Rà soát vốn — chủ trì: Sở Tài chính; hạn 20/11/2026, quá hạn 11 ngày;"
            " giao: Chủ tịch UBND tỉnh." in body
        )
        assert f"Biện pháp Văn phòng kiến nghị: {measures}" in body
        office = inbox(notifykit.auth("office", "VP_UBND"))
        assert sorted(i["title"] for i in office) == [
            "Báo cáo nhiệm vụ quá hạn, kiến nghị biện pháp đôn đốc",
            "Ý kiến chỉ đạo về nhiệm vụ quá hạn",
        ]
        [unit] = inbox(notifykit.auth("unit_officer", "SO_XD"))
        assert unit["title"] == "Ý kiến chỉ đạo về nhiệm vụ quá hạn"
        assert f"Ý kiến chỉ đạo: {direction}" in unit["body"]

        mails = [email.message_from_bytes(raw, policy=default) for raw in received]
        to_leaders = sorted(str(m["To"]) for m in mails)
        assert to_leaders == ["chutich@thanhhoa.gov.vn", "lanhdao@thanhhoa.gov.vn"]
        mail = mails[0]
        assert str(mail["Subject"]) == (
            "[Nhiệm vụ] Báo cáo nhiệm vụ quá hạn, kiến nghị biện pháp đôn đốc"
        )
        text = mail.get_body(("plain",)).get_content()
        html = mail.get_body(("html",)).get_content()
        assert "Kính gửi Lãnh đạo UBND tỉnh," in text and "Điều 16 khoản 4" in text
        assert "Sở Tài chính" in text and measures in text
        assert "quá hạn 6 ngày" in html and measures in html


@pytest.mark.services
def test_two_workers_side_by_side_on_postgresql_open_a_month_s_summary_once_D16_4(
    make_workflow: Any,
) -> None:
    setup = workflowkit.Setup(database="postgresql", clock="adjustable", now=at(2026, 11, 2))
    second = workflowkit.Setup(**{**setup.__dict__, "units": ()})  # the directory is shared
    services = [make_workflow(setup), make_workflow(second)]  # one database
    release(services[0], due_on="2026-11-20")
    for service in services:
        service.clock.set(at(2026, 12, 1))
    start = threading.Barrier(len(services))

    def round_of(service: Any) -> None:
        start.wait()
        TimerScheduler(service).run_round()

    threads = [threading.Thread(target=round_of, args=(s,)) for s in services]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [c["group_id"] for c in summaries(services[1])] == ["overdue-2026-12"]
