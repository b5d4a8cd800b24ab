"""What the Office's evaluation report presents of the units' reports (Đ17.4, Đ18.2)."""

from __future__ import annotations

from services.web.office_report_parts import overdue, undated, unit_explanations

TASK = {"task_id": "a" * 32, "content": "Rà soát vốn đầu tư công", "reasons": ["Quá hạn"]}


def test_only_the_explanations_units_sent_are_theirs_D17_4() -> None:
    cases = [
        {
            "status": "accepted",
            "parties": {"reporter": ["SO_XD"]},
            "data": {"explanations": [{**TASK, "text": "Chờ mặt bằng"}]},
        },
        {
            "status": "submitted",
            "parties": {"reporter": ["SO_TC"]},
            "data": {"explanations": [{**TASK, "text": "Chờ ý kiến Bộ Tài chính"}]},
        },
        {
            "status": "draft",  # not sent: not the unit's word yet
            "parties": {"reporter": ["XA_A"]},
            "data": {"explanations": [{**TASK, "text": "bản nháp"}]},
        },
    ]
    names = {"SO_TC": "Sở Tài chính", "SO_XD": "Sở Xây dựng", "XA_A": "Xã A"}
    found = unit_explanations(cases, names)
    assert [(item["unit_name"], item["text"]) for item in found] == [
        ("Sở Tài chính", "Chờ ý kiến Bộ Tài chính"),
        ("Sở Xây dựng", "Chờ mặt bằng"),
    ]


def test_the_overdue_and_the_undated_tasks_of_the_period_D18_2() -> None:
    report = {
        "explanations": [
            {"task_id": "1", "category": "in_progress_overdue"},
            {"task_id": "2", "category": "undated_in_progress"},
            {"task_id": "3", "category": "completed_late"},
        ]
    }
    assert [t["task_id"] for t in overdue(report)] == ["1"]
    assert [t["task_id"] for t in undated(report)] == ["2"]
