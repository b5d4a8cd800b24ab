"""Rule row `report.published` (Đ16.2): when the Office publishes a period's results, the Office
and every unit the report counts get an inbox item and an e-mail in Vietnamese, once each."""

from __future__ import annotations

import email
from collections.abc import Iterator
from email.policy import default
from typing import Any

import pytest

from shared.events import encode, make_event
from tests.integration.notifykit import NOW, auth, know_units, smtp_server


def row(unit: str, name: str, on_time: int, late: int, overdue: int) -> dict[str, Any]:
    total = on_time + late + overdue
    return {
        "unit": unit,
        "name": name,
        "completed_on_time": on_time,
        "completed_late": late,
        "in_progress_on_time": 0,
        "in_progress_overdue": overdue,
        "undated_completed": 0,
        "undated_in_progress": 0,
        "total": total,
        "on_time_rate": round(on_time / total, 4) if total else None,
    }


def published() -> bytes:
    units = [row("SO_TC", "Sở Tài chính", 3, 1, 0), row("SO_XD", "Sở Xây dựng", 1, 0, 1)]
    totals = {k: v for k, v in row("", "", 4, 1, 1).items() if k not in ("unit", "name")}
    data = {
        "id": "r1",
        "period": "2026-Q4",
        "from": "2026-10-01",
        "to": "2026-12-31",
        "as_of": NOW.isoformat(),
        "published_at": NOW.isoformat(),
        "totals": totals,
        "units": units,
    }
    event = make_event("report.published", data, source="/nhiemvu/reporting", time=NOW)
    return encode(event).encode()


@pytest.fixture()
def mail(make_notify: Any) -> Iterator[tuple[Any, list[bytes]]]:
    with smtp_server() as (port, received):
        service = make_notify(smtp_port=port)
        know_units(service, VP_UBND="Văn phòng UBND tỉnh", SO_TC="Sở Tài chính")
        office = auth("office", "VP_UBND")
        for unit, address in (("VP_UBND", "vp@thanhhoa.gov.vn"), ("SO_TC", "sotc@thanhhoa.gov.vn")):
            answer = service.client.put(
                f"/api/notify/contacts/{unit}", json={"email": address}, headers=office
            )
            assert answer.status_code == 200
        yield service, received


def test_a_published_report_reaches_the_office_and_each_unit_it_counts_once(
    mail: tuple[Any, list[bytes]],
) -> None:
    service, received = mail
    body = published()
    assert service.consumer.process(body, {}) == "applied"
    assert service.consumer.process(body, {}) == "duplicate"
    service.worker.run_round()
    service.worker.run_round()

    def inbox(role: str, unit: str) -> list[dict[str, Any]]:
        answer = service.client.get("/api/notify/inbox", headers=auth(role, unit))
        return list(answer.get_json()["items"])

    [office] = inbox("office", "VP_UBND")
    assert office["event_type"] == "report.published"
    assert office["title"] == "Đã công bố kết quả thực hiện nhiệm vụ"
    assert "Kỳ báo cáo quý IV năm 2026 (từ 01/10/2026 đến 31/12/2026)" in office["body"]
    assert "Toàn tỉnh: Tổng số nhiệm vụ: 6" in office["body"]
    assert office["task_id"] is None
    [tc] = inbox("unit_officer", "SO_TC")
    assert "Kết quả của Sở Tài chính: Tổng số nhiệm vụ: 4" in tc["body"]
    assert "Tỷ lệ đúng hạn: 75,0%" in tc["body"]
    [xd] = inbox("unit_head", "SO_XD")
    assert "hoàn thành đúng hạn: 1" in xd["body"] and "đang thực hiện quá hạn: 1" in xd["body"]
    assert "Kết quả của Sở Xây dựng" in xd["body"]  # the report's name: notify has not met it
    assert inbox("unit_officer", "SO_YT") == []  # not counted in the report

    messages = sorted(
        (email.message_from_bytes(raw, policy=default) for raw in received), key=lambda m: m["To"]
    )
    assert [m["To"] for m in messages] == ["sotc@thanhhoa.gov.vn", "vp@thanhhoa.gov.vn"]
    unit_mail = messages[0]
    assert str(unit_mail["Subject"]) == "[Nhiệm vụ] Đã công bố kết quả thực hiện nhiệm vụ"
    text = unit_mail.get_body(("plain",)).get_content()
    assert "đã công bố kết quả theo dõi, đôn đốc thực hiện nhiệm vụ" in text
    assert "Kính gửi Sở Tài chính," in text
    assert "Mã nhiệm vụ" not in text
    html = unit_mail.get_body(("html",)).get_content()
    assert "Tỷ lệ đúng hạn: 75,0%" in html
