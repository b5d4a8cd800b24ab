"""Commendation and discipline candidates (Đ21) by the written rule (docs/counting.md, "Khen
thưởng và kỷ luật (Đ21)"), for units and for the officers their heads named responsible."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.reportingkit import Task, at, get, headers, unit

PATH = "/api/reporting/commendation-candidates?period=2026-Q4"


def on_time(service: Any, lead: str, due: str, **officer: str) -> Task:
    task = Task(service, lead, "2026-10-01", due).accept("2026-10-02")
    if officer:
        task.send("task.officer_assigned", "in_progress", at("2026-10-03"), officer=officer)
    return task.complete(at(due, 9))


def late(service: Any, lead: str, due: str, **officer: str) -> Task:
    task = Task(service, lead, "2026-10-01", due).accept("2026-10-02")
    if officer:
        task.send("task.officer_assigned", "in_progress", at("2026-10-03"), officer=officer)
    return task.complete(at("2026-12-01"))


@pytest.fixture()
def seeded(reporting: Any) -> Any:
    for code, name in (
        ("SO_TC", "Sở Tài chính"),
        ("SO_XD", "Sở Xây dựng"),
        ("SO_YT", "Sở Y tế"),
        ("SO_KH", "Sở Khoa học và Công nghệ"),
    ):
        unit(reporting, code, name)
    an = {"sub": "an@SO_TC", "name": "Nguyễn Văn An"}
    binh = {"sub": "binh@SO_XD", "name": "Trần Thị Bình"}
    for due in ("2026-10-20", "2026-11-10", "2026-11-20"):
        on_time(reporting, "SO_TC", due, **an)
    late(reporting, "SO_XD", "2026-10-20", **binh)
    overdue = Task(reporting, "SO_XD", "2026-10-01", "2026-11-30").accept("2026-10-02")
    overdue.send("task.officer_assigned", "in_progress", at("2026-10-03"), officer=binh)
    for due in ("2026-10-20", "2026-11-10"):
        on_time(reporting, "SO_YT", due)
    for due in ("2026-10-20", "2026-11-10", "2026-11-20"):
        on_time(reporting, "SO_KH", due)
    sent_back = Task(reporting, "SO_KH", "2026-10-01", "2026-12-30").accept("2026-10-02")
    for day in ("2026-11-01", "2026-11-15"):
        sent_back.send("task.result_submitted", "submitted", at(day))
        sent_back.send("task.rework_requested", "rework", at(day, 15))
    return reporting


def items(service: Any) -> dict[str, dict[str, Any]]:
    return {c["key"]: c for c in get(service, PATH)["items"]}


def test_a_unit_with_every_task_on_time_is_proposed_for_commendation_D21_1(seeded: Any) -> None:
    found = items(seeded)
    commended = found["unit:SO_TC"]
    assert (commended["proposal"], commended["name"]) == ("commend", "Sở Tài chính")
    assert commended["figures"] == {
        "completed_on_time": 3,
        "completed_late": 0,
        "in_progress_overdue": 0,
        "reworked": 0,
    }
    # Two tasks on time are not yet "at least 3": no proposal either way.
    assert "unit:SO_YT" not in found


def test_an_officer_named_responsible_is_proposed_as_an_individual_D21_2(seeded: Any) -> None:
    found = items(seeded)
    officer = found["officer:SO_TC:an@SO_TC"]
    assert (officer["subject"], officer["sub"], officer["name"]) == (
        "officer",
        "an@SO_TC",
        "Nguyễn Văn An",
    )
    assert officer["proposal"] == "commend" and officer["unit"] == "SO_TC"
    reviewed = found["officer:SO_XD:binh@SO_XD"]
    assert reviewed["proposal"] == "review"
    assert reviewed["figures"]["completed_late"] == 1
    assert reviewed["figures"]["in_progress_overdue"] == 1


def test_a_unit_repeatedly_late_is_proposed_for_review_D21_3(seeded: Any) -> None:
    found = items(seeded)
    assert found["unit:SO_XD"]["proposal"] == "review"
    assert "hoàn thành quá hạn" in found["unit:SO_XD"]["reason"]
    # Đ17.4 "thường xuyên không đạt yêu cầu": one task sent back twice outweighs three on time.
    assert found["unit:SO_KH"]["proposal"] == "review"
    assert found["unit:SO_KH"]["figures"]["reworked"] == 1
    answer = get(seeded, PATH)
    assert "Điều 21" in answer["rule"]
    assert [c["proposal"] for c in answer["items"]] == sorted(
        (c["proposal"] for c in answer["items"]), key=lambda p: p != "commend"
    )


def test_only_the_office_and_leaders_read_the_candidates_D21_4(seeded: Any) -> None:
    answer = seeded.client.get(PATH, headers=headers("unit_officer", "SO_TC"))
    assert answer.status_code == 403
    assert get(seeded, PATH, "leader", None)["items"]


def test_an_event_without_the_officer_keeps_the_one_named_D21_2(reporting: Any) -> None:
    task = Task(reporting, "SO_TC", "2026-10-01", "2026-10-20").accept("2026-10-02")
    officer = {"sub": "an@SO_TC", "name": "Nguyễn Văn An"}
    task.send("task.officer_assigned", "in_progress", at("2026-10-03"), officer=officer)
    task.data.pop("officer")  # as an event from before the field existed
    task.complete(at("2026-10-10"))
    for due in ("2026-11-10", "2026-11-20"):
        on_time(reporting, "SO_TC", due, **officer)
    assert items(reporting)["officer:SO_TC:an@SO_TC"]["figures"]["completed_on_time"] == 3


def test_the_figures_count_each_officers_tasks_D21_2(seeded: Any) -> None:
    answer = get(seeded, "/api/reporting/stats?period=2026-Q4&by=officer")
    groups = {g["key"]: g for g in answer["groups"]}
    assert set(groups) == {"an@SO_TC", "binh@SO_XD"}  # tasks without an officer count for none
    assert groups["an@SO_TC"]["name"] == "Nguyễn Văn An"
    assert groups["an@SO_TC"]["completed_on_time"] == 3
    assert (
        groups["binh@SO_XD"]["completed_late"],
        groups["binh@SO_XD"]["in_progress_overdue"],
    ) == (
        1,
        1,
    )
    own = get(seeded, "/api/reporting/stats?period=2026-Q4&by=officer", "unit_officer", "SO_TC")
    assert [g["key"] for g in own["groups"]] == ["an@SO_TC"]  # a unit reads its own officers
