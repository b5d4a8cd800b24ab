"""Notify's rules table: rows added with the outgoing channels, and every row has a template."""

from __future__ import annotations

from services.notify import domain, mailer


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


def test_agencies_receive_only_task_lifecycle_events():
    assert all(t.startswith("task.") for t in domain.PUBLIC_EVENT_TYPES)
    assert "task.transferred" not in domain.PUBLIC_EVENT_TYPES
