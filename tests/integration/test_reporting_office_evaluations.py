"""The Office's evaluation report (Đ16.2, Đ18.2) in reporting: each submission's sections are
kept from office_report.submitted; office_report.published attaches the last one — the version
the Office's leader approved — to its stored report and publishes it on the public page."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from services.reporting.rebuild import rebuild
from tests.integration.reportingkit import Task, at, get, headers, send, unit

SECTIONS = {
    "progress": "Tiến độ đạt 80%.",
    "quality": "Chất lượng bảo đảm.",
    "effectiveness": "Hiệu quả rõ.",
    "difficulties": "Một số đơn vị cập nhật chậm.",
    "proposals": "Đề nghị phê bình đơn vị chậm.",
}


@pytest.fixture()
def service(reporting: Any) -> Iterator[Any]:
    unit(reporting, "SO_TC", "Sở Tài chính")
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20").complete(at("2026-11-19"))
    Task(reporting, "SO_TC", "2026-10-05", "2026-11-20")
    Task(reporting, "SO_TC", "2026-10-05", None)
    yield reporting


def generate(service: Any) -> dict[str, Any]:
    answer = service.client.post(
        "/api/reporting/reports", json={"period": "2026-Q4"}, headers=headers()
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    return dict(answer.get_json())


def case_event(
    service: Any, case_id: str, action: str, status: str, day: str, details: dict[str, Any]
) -> None:
    event = {"submit": "submitted", "publish": "published"}[action]
    data = {
        "case_id": case_id,
        "kind": "office_report",
        "title": "Báo cáo đánh giá quý IV năm 2026",
        "status": status,
        "task_id": None,
        "group_id": "d18-2026-Q4",
        "parties": {},
        "units": [],
        "due_on": None,
        "overdue": False,
        "action": action,
        "note": None,
        "details": details,
        "actor": {"sub": "u-office", "name": "Nguyễn Văn A", "role": "office", "unit": "VP_UBND"},
        "occurred_at": at(day).isoformat(),
    }
    send(service, f"office_report.{event}", data, at(day))


@pytest.mark.parametrize(
    "reporting", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
def test_the_published_evaluation_is_the_approved_version_on_the_public_page_D16_2(
    service: Any,
) -> None:
    reporting = service
    report = generate(reporting)
    assert report["evaluation"] is None
    # By assigning leader (Đ16.2's evaluation by leader): the stored report keeps the groups.
    assert sum(group["total"] for group in report["leaders"]) == report["totals"]["total"] == 3
    case_id = uuid.uuid4().hex
    draft = {**SECTIONS, "progress": "Bản đầu, bị trả lại."}
    case_event(
        reporting,
        case_id,
        "submit",
        "submitted",
        "2026-12-20",
        {"report_id": report["id"], **draft},
    )
    # Submitted, not yet approved nor published: nothing public.
    assert reporting.client.get(f"/api/reporting/public/reports/{report['id']}").status_code == 404
    case_event(
        reporting,
        case_id,
        "submit",
        "submitted",
        "2026-12-22",
        {"report_id": report["id"], **SECTIONS},
    )
    case_event(reporting, case_id, "publish", "published", "2026-12-23", {"number": "125/BC-VP"})
    shown = reporting.client.get(f"/api/reporting/public/reports/{report['id']}")
    assert shown.status_code == 200, shown.get_data(as_text=True)
    evaluation = shown.get_json()["evaluation"]
    assert evaluation["sections"] == SECTIONS
    assert evaluation["number"] == "125/BC-VP"
    assert evaluation["period"] == "2026-Q4"
    stored = get(reporting, f"/api/reporting/reports/{report['id']}")
    assert stored["published"] is True and stored["evaluation"]["sections"] == SECTIONS
    # Published once: a redelivered publication announces nothing more.
    case_event(reporting, case_id, "publish", "published", "2026-12-24", {"number": "999"})
    with reporting.runtime.platform.database.read() as conn:
        outbox = reporting.runtime.platform.tables.outbox
        bodies = conn.execute(select(outbox.c.event_type, outbox.c.body)).all()
    events = [json.loads(body) for kind, body in bodies if kind == "report.published"]
    assert len(events) == 1 and events[0]["data"]["id"] == report["id"]
    assert "evaluation" not in events[0]["data"]
    again = get(reporting, f"/api/reporting/reports/{report['id']}")
    assert again["evaluation"]["number"] == "125/BC-VP"
    # The read model is rebuilt from the log: the same published evaluation.
    rebuild(reporting.runtime.platform)
    assert (
        get(reporting, f"/api/reporting/reports/{report['id']}")["evaluation"]
        == again["evaluation"]
    )
