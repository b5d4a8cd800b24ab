"""Rule row `report.published` (Đ16.2): the Office hears the province's totals, each unit the
report counts its own figures; the report's unit names stand in for units notify does not know."""

from __future__ import annotations

from datetime import UTC, date, datetime

from services.notify import domain, mailer

DATA = {
    "id": "r1",
    "period": "2026",
    "from_": date(2026, 1, 1),
    "to": date(2026, 12, 31),
    "as_of": datetime(2026, 12, 1, 20, 0, tzinfo=UTC),  # 2 December in Hà Nội
    "totals": {"completed_on_time": 2, "completed_late": 2, "total": 4, "on_time_rate": 0.5},
    "units": [
        {
            "unit": "SO_TC",
            "name": "Sở Tài chính",
            "completed_on_time": 2,
            "total": 2,
            "on_time_rate": 1.0,
        },
        {
            "unit": "VP_UBND",
            "name": "Văn phòng UBND tỉnh",
            "completed_late": 2,
            "total": 2,
            "on_time_rate": 0.0,
        },
        {"unit": "XA_MOI", "name": "Xã Mới", "total": 0, "on_time_rate": None},
    ],
}


def test_the_office_and_each_reported_unit_hear_of_a_published_report_once():
    names = {"SO_TC": "Sở Tài chính (danh bạ)"}
    messages = domain.messages_for("report.published", DATA, lambda c: names.get(c, c))
    by_unit = {m.recipient.id: m for m in messages}
    assert [m.recipient for m in messages] == [
        domain.Recipient("unit", "VP_UBND"),
        domain.Recipient("unit", "SO_TC"),
        domain.Recipient("unit", "XA_MOI"),
    ]  # the Office once, though it is also a reported unit
    assert {m.title for m in messages} == {"Đã công bố kết quả thực hiện nhiệm vụ"}
    office = by_unit["VP_UBND"].body
    assert (
        "Kỳ báo cáo năm 2026 (từ 01/01/2026 đến 31/12/2026), số liệu tính đến ngày 02/12/2026"
        in office
    )
    assert "Toàn tỉnh: Tổng số nhiệm vụ: 4" in office and "Tỷ lệ đúng hạn: 50,0%" in office
    assert "Kết quả của Sở Tài chính (danh bạ): Tổng số nhiệm vụ: 2" in by_unit["SO_TC"].body
    assert "Tỷ lệ đúng hạn: 100,0%" in by_unit["SO_TC"].body
    assert "Kết quả của Xã Mới" in by_unit["XA_MOI"].body
    assert "Tỷ lệ đúng hạn: chưa xác định" in by_unit["XA_MOI"].body
    assert domain.units_named(DATA) >= {"SO_TC", "VP_UBND", "XA_MOI"}


def test_a_published_report_has_its_own_email_template():
    context = {"unit_name": "Sở Tài chính", "title": "Tiêu đề", "body": "Nội dung", "task_id": None}
    rendered = mailer.render("report.published", context)
    assert "Điều 16 khoản 2" in rendered["text"] and "Điều 16 khoản 2" in rendered["html"]
    assert "Mã nhiệm vụ" not in rendered["text"]


def test_d18_1_a_notice_names_the_reporting_period_in_words():
    assert domain.period_label("2026") == "năm 2026"
    assert domain.period_label("2026-H1") == "6 tháng đầu năm 2026"
    assert domain.period_label("2026-H2") == "6 tháng cuối năm 2026"
    assert domain.period_label("2026-Q4") == "quý IV năm 2026"
    assert domain.period_label("2026-11") == "tháng 11 năm 2026"
    assert domain.period_label("2026-10-15..2026-11-14") is None
    ranged = {**DATA, "period": "2026-10-15..2026-11-14", "from_": date(2026, 10, 15)}
    ranged["to"] = date(2026, 11, 14)
    (office, *_units) = domain.messages_for("report.published", ranged, lambda c: c)
    assert office.body.startswith("Kỳ báo cáo từ 15/10/2026 đến 14/11/2026, số liệu tính đến")
