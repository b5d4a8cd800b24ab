"""Notify's rules table: rows added with the outgoing channels, and every row has a template."""

from __future__ import annotations

from datetime import date

import pytest

from services.notify import domain, mailer
from services.notify.config import ChannelSettings
from shared.config import ConfigError


def test_a_transfer_tells_the_new_lead_unit_and_the_former_one():
    data = {"from_unit": "SO_TC", "to_unit": "SO_XD", "reason": "Đúng chức năng, nhiệm vụ"}
    messages = domain.messages_for("task.transferred", data, {"SO_TC": "Sở Tài chính"}.get)
    by_unit = {m.recipient.id: m for m in messages}
    assert by_unit["SO_XD"].title == "Nhiệm vụ được chuyển đến đơn vị"
    assert "Sở Tài chính" in by_unit["SO_XD"].body
    assert by_unit["SO_TC"].title == "Nhiệm vụ đã được chuyển cho đơn vị khác"
    assert "Lý do: Đúng chức năng, nhiệm vụ" in by_unit["SO_TC"].body


def test_every_rule_has_a_vietnamese_email_in_text_and_html():
    for event_type in domain.RULES:
        context = {"unit_name": "Sở Tài chính", "title": "Tiêu đề", "body": "Nội dung"}
        rendered = mailer.render(event_type, {**context, "task_id": "t1"})
        assert rendered["subject"] == "[Nhiệm vụ] Tiêu đề"
        assert "Kính gửi Sở Tài chính" in rendered["text"]
        assert "Kính gửi Sở Tài chính" in rendered["html"]
        assert "Hệ thống có thông báo mới" not in rendered["text"], event_type


def test_agencies_receive_only_task_lifecycle_events_and_published_reports():
    tasks = [t for t in domain.PUBLIC_EVENT_TYPES if t.startswith("task.")]
    assert set(domain.PUBLIC_EVENT_TYPES) - set(tasks) == {"report.published"}
    assert len(tasks) == 17
    assert "task.transferred" not in domain.PUBLIC_EVENT_TYPES


FEEDBACK = {
    "title": "SO_TC: không đúng thời hạn — 12/UBND: Báo cáo",
    "parties": {"reporter": ["XA_A"], "responsible": ["SO_TC"]},
    "note": "Đề nghị khẩn trương",
    "due_on": None,
}


def _recipients(event_type: str, data: dict) -> set[str]:
    return {m.recipient.id for m in domain.messages_for(event_type, data, lambda c: c)}


def test_d16_6_feedback_reaches_the_office_and_its_outcome_reaches_the_reporting_unit():
    office = domain.OFFICE_UNIT
    assert _recipients("feedback.received", FEEDBACK) == {office}
    assert _recipients("feedback.unit_urged", FEEDBACK) == {"SO_TC", "XA_A"}
    assert _recipients("feedback.escalated", FEEDBACK) == {"XA_A", "leader"}  # Đ16.6
    assert _recipients("feedback.directed", FEEDBACK) == {office, "SO_TC", "XA_A"}
    assert _recipients("feedback.dismissed", FEEDBACK) == {"XA_A"}
    assert _recipients("feedback.due_soon", FEEDBACK) == {office}
    assert _recipients("feedback.overdue", FEEDBACK) == {office}
    urged = domain.messages_for("feedback.unit_urged", FEEDBACK, lambda c: c)[0]
    assert urged.body == f"{FEEDBACK['title']}\nNội dung: Đề nghị khẩn trương"


INFO_REQUEST = {
    "title": "Đề nghị báo cáo đột xuất: Giải ngân — Tỷ lệ giải ngân",
    "parties": {"asked": ["SO_TC"]},
    "note": None,
    "due_on": None,
}


def test_d8_1d_information_requests_reach_the_asked_unit_and_answers_reach_the_office():
    office = domain.OFFICE_UNIT
    for event_type in ("opened", "urged", "more_requested", "closed", "due_soon"):
        assert _recipients(f"info_request.{event_type}", INFO_REQUEST) == {"SO_TC"}
    assert _recipients("info_request.answered", INFO_REQUEST) == {office}
    assert _recipients("info_request.overdue", INFO_REQUEST) == {"SO_TC", office}


PERIODIC_REPORT = {
    "title": "Báo cáo quý I năm 2026: đơn vị gửi trước ngày 20/03/2026, …",
    "parties": {"units": ["*"]},
    "note": None,
    "due_on": date(2026, 3, 19),
}


def test_d18_periodic_report_reminders_reach_every_active_unit_then_the_office():
    units = domain.messages_for("periodic_report.units_reminded", PERIODIC_REPORT, lambda c: c)
    assert [m.recipient for m in units] == [domain.EVERY_UNIT]
    assert units[0].body == f"{PERIODIC_REPORT['title']}\nHạn: 19/03/2026."
    active = {"SO_TC": "Sở Tài chính", "XA_A": "Xã A", domain.OFFICE_UNIT: "Văn phòng"}
    assert {m.recipient.id for m in domain.for_every_unit(units, active)} == {"SO_TC", "XA_A"}
    office = _recipients("periodic_report.office_reminded", PERIODIC_REPORT)
    assert office == {domain.OFFICE_UNIT}


UNIT_REPORT = {
    "title": "Báo cáo quý IV năm 2026 của Sở Tài chính (hạn gửi trước ngày 20/12/2026)",
    "parties": {"reporter": ["SO_TC"]},
    "note": "Bổ sung số liệu giải ngân",
    "due_on": None,
}


def test_d18_1_a_unit_s_report_reaches_the_office_and_its_return_or_acceptance_the_unit():
    assert _recipients("unit_report.submitted", UNIT_REPORT) == {domain.OFFICE_UNIT}
    assert _recipients("unit_report.returned", UNIT_REPORT) == {"SO_TC"}
    assert _recipients("unit_report.accepted", UNIT_REPORT) == {"SO_TC"}
    assert _recipients("unit_report.overdue", UNIT_REPORT) == {"SO_TC", domain.OFFICE_UNIT}
    returned = domain.messages_for("unit_report.returned", UNIT_REPORT, lambda c: c)[0]
    assert returned.title == "Văn phòng trả lại báo cáo định kỳ để chỉnh sửa"
    assert returned.body == f"{UNIT_REPORT['title']}\nNội dung: Bổ sung số liệu giải ngân"


OFFICE_REPORT = {
    "title": "Báo cáo đánh giá tình hình thực hiện nhiệm vụ quý IV năm 2026",
    "parties": {},
    "note": "Bổ sung đánh giá chất lượng",
    "due_on": None,
}


def test_d16_2_the_offices_evaluation_goes_to_its_leader_then_to_the_leaders_once_approved():
    office = domain.OFFICE_UNIT
    assert _recipients("office_report.submitted", OFFICE_REPORT) == {office}
    assert _recipients("office_report.returned", OFFICE_REPORT) == {office}
    assert _recipients("office_report.approved", OFFICE_REPORT) == {office, "leader"}
    assert _recipients("office_report.published", OFFICE_REPORT) == {office, "leader"}
    assert _recipients("office_report.overdue", OFFICE_REPORT) == {office}  # Đ18.2
    returned = domain.messages_for("office_report.returned", OFFICE_REPORT, lambda c: c)[0]
    assert returned.title == "Lãnh đạo Văn phòng trả lại báo cáo đánh giá"
    assert returned.body == f"{OFFICE_REPORT['title']}\nNội dung: Bổ sung đánh giá chất lượng"


COMMENDATION = {
    "title": "Đề xuất khen thưởng, kỷ luật trong thực hiện Quy chế năm 2026",
    "parties": {"consulted": ["SO_NV"]},
    "note": "Thống nhất danh sách",
    "due_on": date(2026, 12, 15),
}


def test_d21_4_the_offices_proposals_go_to_so_noi_vu_and_its_opinion_back_to_the_office():
    office = domain.OFFICE_UNIT
    assert _recipients("commendation.sent", COMMENDATION) == {"SO_NV"}
    assert _recipients("commendation.answered", COMMENDATION) == {office}
    assert _recipients("commendation.decided", COMMENDATION) == {office, "SO_NV", "leader"}
    assert _recipients("commendation.due_soon", COMMENDATION) == {"SO_NV"}
    assert _recipients("commendation.overdue", COMMENDATION) == {"SO_NV", office}
    sent = domain.messages_for("commendation.sent", COMMENDATION, lambda c: c)[0]
    assert sent.title == "Văn phòng đề nghị cho ý kiến về đề xuất khen thưởng, kỷ luật"
    assert sent.body == f"{COMMENDATION['title']}\nNội dung: Thống nhất danh sách\nHạn: 15/12/2026."


CORRECTION = {
    "title": "Điều chỉnh thông tin báo cáo — 12/UBND: Báo cáo",
    "parties": {"unit": ["SO_TC"]},
    "note": "Số liệu giải ngân chưa khớp",
    "due_on": None,
}


def test_d7_1_d7_2b_correction_requests_reach_the_unit_and_its_answers_reach_the_office():
    office = domain.OFFICE_UNIT
    assert _recipients("correction_request.requested", CORRECTION) == {"SO_TC"}
    for event_type in ("self_corrected", "corrected", "explained"):
        assert _recipients(f"correction_request.{event_type}", CORRECTION) == {office}
    assert _recipients("correction_request.overdue", CORRECTION) == {"SO_TC", office}
    asked = domain.messages_for("correction_request.requested", CORRECTION, lambda c: c)[0]
    assert asked.body == f"{CORRECTION['title']}\nNội dung: Số liệu giải ngân chưa khớp"


DIRECTION = {
    "title": "SO_TC: có khó khăn, vướng mắc — 12/UBND: Báo cáo",
    "parties": {"reporter": ["SO_TC"], "consulted": ["SO_XD", "SO_TP"]},
    "note": "Đồng ý đề xuất",
    "due_on": None,
}


def test_d8_1c_d17_1_difficulties_reach_the_office_and_the_direction_reaches_the_units():
    office = domain.OFFICE_UNIT
    assert _recipients("direction_request.reported", DIRECTION) == {office}
    assert _recipients("direction_request.opinions_requested", DIRECTION) == {"SO_XD", "SO_TP"}
    assert _recipients("direction_request.opinion_given", DIRECTION) == {office}
    assert _recipients("direction_request.proposed", DIRECTION) == {"SO_TC", "leader"}
    everyone = {office, "SO_TC", "SO_XD", "SO_TP"}
    assert _recipients("direction_request.directed", DIRECTION) == everyone
    assert _recipients("direction_request.resolved", DIRECTION) == {"SO_TC", "SO_XD", "SO_TP"}


def test_d10_1d_the_approved_month_account_reaches_the_office_and_the_leaders():
    account = {"title": "Báo cáo của Tổ công tác tháng 11/2026", "parties": {}}
    assert _recipients("monthly_account.drafted", account) == {domain.OFFICE_UNIT}
    assert _recipients("monthly_account.approved", account) == {domain.OFFICE_UNIT, "leader"}
    leaders = domain.messages_for("monthly_account.approved", account, lambda c: c)[-1]
    assert leaders.recipient == domain.LEADERS == domain.Recipient("role", "leader")


UNIT_INSPECTION = {
    "title": "Tự kiểm tra việc thực hiện nhiệm vụ quý IV",
    "parties": {"unit": ["SO_TC"], "inspected": ["SO_TC"]},
    "note": None,
    "due_on": date(2026, 12, 15),
}


def test_a_units_inspection_reaches_the_office_its_reminders_the_unit_its_report_leaders_D15_1():
    office = domain.OFFICE_UNIT
    assert _recipients("unit_inspection.opened", UNIT_INSPECTION) == {office}
    assert _recipients("unit_inspection.cancelled", UNIT_INSPECTION) == {office}
    assert _recipients("unit_inspection.finished", UNIT_INSPECTION) == {"SO_TC", office}
    assert _recipients("unit_inspection.report_due", UNIT_INSPECTION) == {"SO_TC"}
    assert _recipients("unit_inspection.report_urged", UNIT_INSPECTION) == {"SO_TC"}
    assert _recipients("unit_inspection.report_overdue", UNIT_INSPECTION) == {"SO_TC", office}
    assert _recipients("unit_inspection.reported", UNIT_INSPECTION) == {office, "leader", "SO_TC"}
    due = domain.messages_for("unit_inspection.report_due", UNIT_INSPECTION, lambda c: c)[0]
    assert due.body == f"{UNIT_INSPECTION['title']}\nHạn: 15/12/2026."


def test_the_annual_plan_goes_to_the_leaders_when_submitted_and_approved_D10_1a():
    plan = {"title": "Kế hoạch kiểm tra năm 2027", "parties": {}}
    office = domain.OFFICE_UNIT
    assert _recipients("inspection_plan.drafted", plan) == {office}
    assert _recipients("inspection_plan.submitted", plan) == {office, "leader"}
    assert _recipients("inspection_plan.returned", plan) == {office}
    assert _recipients("inspection_plan.approved", plan) == {office, "leader"}


OVERDUE = {
    "title": "Báo cáo nhiệm vụ quá hạn tháng 12/2026: 2 nhiệm vụ quá hạn",
    "parties": {"responsible": ["SO_TC", "SO_XD"]},
    "details": {
        "total": 120,
        "by_assigner": [
            {"assigned_by": "ubnd_tinh", "label": "UBND tỉnh", "count": 0},
            {"assigned_by": "chu_tich", "label": "Chủ tịch UBND tỉnh", "count": 120},
        ],
        "tasks": [
            {
                "document_number": f"{n}/UBND-KTTC",
                "content": "Rà soát vốn",
                "lead_unit": "SO_TC",
                "due_on": "2026-11-20",
                "days_overdue": 11,
                "assigned_by_label": "Chủ tịch UBND tỉnh",
            }
            for n in range(1, 121)
        ],
        "measures": "Phê bình Sở Tài chính",
    },
}


def test_d16_4_the_overdue_summary_reaches_the_leaders_and_the_office_and_the_direction_the_units():
    assert _recipients("overdue_summary.sent", OVERDUE) == {"leader", domain.OFFICE_UNIT}
    directed = {**OVERDUE, "details": {**OVERDUE["details"], "direction": "Hoàn thành ngay"}}
    assert _recipients("overdue_summary.directed", directed) == {
        domain.OFFICE_UNIT,
        "SO_TC",
        "SO_XD",
    }
    names = {"SO_TC": "Sở Tài chính"}
    [leaders, _office] = domain.messages_for("overdue_summary.sent", OVERDUE, names.get)
    assert leaders.recipient == domain.LEADERS
    lines = leaders.body.splitlines()
    assert lines[1] == "Số nhiệm vụ quá hạn: 120 (UBND tỉnh: 0; Chủ tịch UBND tỉnh: 120)."
    assert lines[2] == (
        "1. 1/UBND-KTTC: Rà soát vốn — chủ trì: Sở Tài chính; hạn 20/11/2026, quá hạn 11 ngày;"
        " giao: Chủ tịch UBND tỉnh."
    )
    # A message lists the first hundred; the case lists them all.
    assert lines[-2] == "… và 20 nhiệm vụ khác (xem trên Hệ thống)."
    assert lines[-1] == "Biện pháp Văn phòng kiến nghị: Phê bình Sở Tài chính"
    unit = domain.messages_for("overdue_summary.directed", directed, names.get)[-1]
    assert unit.body.splitlines()[-1] == "Ý kiến chỉ đạo: Hoàn thành ngay"


def test_d16_4_the_leaders_mailboxes_are_read_from_leaders_email():
    assert ChannelSettings.from_env({}).leaders_email == ()
    env = {
        "LEADERS_EMAIL": " lanhdao@thanhhoa.gov.vn, chutich@thanhhoa.gov.vn,lanhdao@thanhhoa.gov.vn"
    }
    assert ChannelSettings.from_env(env).leaders_email == (
        "lanhdao@thanhhoa.gov.vn",
        "chutich@thanhhoa.gov.vn",
    )
    with pytest.raises(ConfigError, match="LEADERS_EMAIL"):
        ChannelSettings.from_env({"LEADERS_EMAIL": "lanhdao"})


ANNUAL_REPORT = {
    "title": "Báo cáo kết quả triển khai thực hiện Quy chế năm 2026 (trình trước ngày 15/01/2027)",
    "parties": {},
    "note": "Bổ sung số lớp tập huấn",
    "due_on": None,
}


def test_d20_1_the_annual_report_goes_to_the_offices_leader_then_to_the_leaders_once_approved():
    office = domain.OFFICE_UNIT
    assert _recipients("annual_report.submitted", ANNUAL_REPORT) == {office}
    assert _recipients("annual_report.returned", ANNUAL_REPORT) == {office}
    assert _recipients("annual_report.approved", ANNUAL_REPORT) == {office, "leader"}
    assert _recipients("annual_report.published", ANNUAL_REPORT) == {office, "leader"}
    assert _recipients("annual_report.overdue", ANNUAL_REPORT) == {office}
    returned = domain.messages_for("annual_report.returned", ANNUAL_REPORT, lambda c: c)[0]
    assert returned.title == "Lãnh đạo Văn phòng trả lại báo cáo năm"
    assert returned.body == f"{ANNUAL_REPORT['title']}\nNội dung: Bổ sung số lớp tập huấn"
