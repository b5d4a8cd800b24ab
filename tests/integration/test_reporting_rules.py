"""The counting rules of the README, proved on 30 tasks whose figures are worked out by hand.

Period: Q4 2026 (2026-10-01 .. 2026-12-31); the clock says 2026-12-15 10:00, so the cut-off is
now and "today" is 2026-12-15. Three units (SO_TC, SO_XD, SO_YT) and four documents: D1 and D4
by the Chairman, D2 by a Vice-Chairman, D3 by the People's Committee.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration.reportingkit import Task, at, document, headers, reporting_service, unit

D1, D2, D3, D4 = ("1" * 32, "2" * 32, "3" * 32, "4" * 32)
COLUMNS = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)


def figures(*counts: int) -> dict[str, int]:
    return dict(zip(COLUMNS, counts, strict=True))


@pytest.fixture()
def thirty(tmp_path: Path, bus_namespace: str) -> Iterator[tuple[Any, dict[int, Task]]]:
    with reporting_service(tmp_path, bus_namespace) as service:
        for code, name in (
            ("SO_TC", "Sở Tài chính"),
            ("SO_XD", "Sở Xây dựng"),
            ("SO_YT", "Sở Y tế"),
        ):
            unit(service, code, name)
        for doc, number in (
            (D1, "1/QĐ-UBND"),
            (D2, "2/UBND-VX"),
            (D3, "3/KH-UBND"),
            (D4, "4/CT-UBND"),
        ):
            document(service, doc, number, "2026-10-01", at("2026-10-01"))
        yield service, _thirty_tasks(service)


def _thirty_tasks(s: Any) -> dict[int, Task]:
    t: dict[int, Task] = {}
    d1 = {"document": D1, "assigned_by": "chu_tich"}
    d2 = {"document": D2, "assigned_by": "pho_chu_tich"}
    d3 = {"document": D3, "assigned_by": "ubnd_tinh"}
    d4 = {"document": D4, "assigned_by": "chu_tich"}
    # SO_TC, document D1
    t[1] = Task(s, "SO_TC", "2026-10-05", "2026-12-15", **d1).accept("2026-10-06")  # due today
    t[2] = Task(s, "SO_TC", "2026-10-05", "2026-11-20", **d1).complete(at("2026-11-20", 23, 30))
    t[3] = Task(s, "SO_TC", "2026-10-05", "2026-11-20", **d1).complete(at("2026-11-21", 8))
    t[4] = Task(s, "SO_TC", "2026-10-05", "2026-11-10", **d1)
    t[4].send("task.result_submitted", "submitted", at("2026-11-09"))
    t[4].send("task.rework_requested", "rework", at("2026-11-12"), overdue=True)
    t[4].complete(at("2026-11-13"))
    t[5] = Task(s, "SO_TC", "2026-10-05", "2026-12-10", **d1)
    t[5].send("task.result_submitted", "submitted", at("2026-12-01"))
    t[5].send("task.rework_requested", "rework", at("2026-12-03"))  # before the due date
    t[5].send("task.result_submitted", "submitted", at("2026-12-05"))
    t[5].complete(at("2026-12-08"))
    t[6] = Task(s, "SO_TC", "2026-10-05", "2026-12-01", **d1)  # never accepted
    t[7] = Task(s, "SO_TC", "2026-10-05", None, **d1).complete(at("2026-11-30"))
    t[8] = Task(s, "SO_TC", "2026-10-05", None, **d1).accept("2026-10-06")
    t[9] = Task(s, "SO_TC", "2026-10-05", "2026-12-31", **d1)
    t[9].send("task.withdrawn", "withdrawn", at("2026-12-01"))
    t[10] = Task(s, "SO_TC", "2026-09-28", "2026-12-20", **d1).accept("2026-09-29")  # Q3
    # Document D2: transfers, reworks, withdrawal of an overdue task
    t[11] = Task(s, "SO_TC", "2026-10-05", "2026-11-30", **d2)
    t[11].send("task.assigned", "assigned", at("2026-10-10"), lead_unit="SO_XD")  # transfer
    t[11].complete(at("2026-11-25"))
    t[12] = Task(s, "SO_XD", "2026-10-05", "2026-12-05", **d2)
    t[12].send("task.assigned", "assigned", at("2026-10-20"), lead_unit="SO_YT")  # transfer
    t[12].accept("2026-10-21")
    t[13] = Task(s, "SO_XD", "2026-10-05", "2026-12-31", **d2).complete(at("2026-12-14"))
    t[14] = Task(s, "SO_XD", "2026-10-05", "2026-11-15", **d2)
    t[14].send("task.result_submitted", "submitted", at("2026-11-14"))
    t[14].send("task.rework_requested", "rework", at("2026-11-17"), overdue=True)
    t[14].send("task.result_submitted", "submitted", at("2026-11-20"), overdue=True)
    t[14].send("task.rework_requested", "rework", at("2026-11-22"), overdue=True)
    t[15] = Task(s, "SO_XD", "2026-10-05", "2026-12-31", **d2)
    for day in ("2026-12-01", "2026-12-03"):
        t[15].send("task.result_submitted", "submitted", at(day))
        t[15].send("task.rework_requested", "rework", at(day, 15))
    t[15].complete(at("2026-12-06"))
    t[16] = Task(s, "SO_XD", "2026-10-05", None, **d2)
    t[16].send("task.returned", "returned", at("2026-10-07"))
    t[17] = Task(s, "SO_XD", "2026-10-05", "2026-10-31", **d2).complete(at("2026-11-03"))
    t[18] = Task(s, "SO_XD", "2026-10-05", "2026-12-15", **d2).complete(at("2026-12-15", 9))
    t[19] = Task(s, "SO_XD", "2026-10-05", "2026-12-05", **d2)
    t[19].send("task.overdue", "assigned", at("2026-12-05", 17), overdue=True)
    t[19].send("task.withdrawn", "withdrawn", at("2026-12-10"), overdue=True)
    t[20] = Task(s, "SO_XD", "2026-10-01", "2026-11-30", **d2).accept("2026-10-02")
    # SO_YT, documents D3 and D4
    t[21] = Task(s, "SO_YT", "2026-12-15", "2026-12-25", **d3)  # assigned this morning
    t[22] = Task(s, "SO_YT", "2026-12-01", "2026-12-16", **d3).accept("2026-12-02")
    t[23] = Task(s, "SO_YT", "2026-11-10", "2026-12-14", **d3).accept("2026-11-11")
    t[24] = Task(s, "SO_YT", "2026-10-05", None, **d3).complete(at("2026-12-01"))
    t[25] = Task(s, "SO_YT", "2026-10-05", None, **d3)
    # Completed 00:30 local time on the day after the due date (17:30 UTC on the due date).
    t[26] = Task(s, "SO_YT", "2026-10-05", "2026-11-05", **d4).complete(at("2026-11-06", 0, 30))
    t[27] = Task(s, "SO_YT", "2026-10-05", "2026-11-30", **d4).accept("2026-10-06")
    t[27].send("task.overdue", "in_progress", at("2026-11-30", 17), overdue=True)
    t[27].send(
        "task.progress_reported",
        "in_progress",
        at("2026-12-02"),
        due_on="2026-12-20",
        action="decide_extension",
    )  # extension approved after the old due date
    t[28] = Task(s, "SO_YT", "2026-10-05", "2026-11-30", **d4).accept("2026-10-06")
    t[28].send(
        "task.progress_reported",
        "in_progress",
        at("2026-11-25"),
        due_on="2026-12-10",
        action="decide_extension",
    )
    t[28].complete(at("2026-12-09"))
    t[29] = Task(s, "SO_YT", "2026-10-15", "2026-10-20", **d4).complete(at("2026-10-20"))
    t[30] = Task(s, "SO_YT", "2026-10-05", "2026-12-01", **d4).complete(at("2026-11-28"))
    t[30].accept("2026-10-06")  # an old event arriving late changes nothing
    return t


def get(service: Any, path: str, role: str = "office", unit: str | None = "VP_UBND") -> Any:
    answer = service.client.get(path, headers=headers(role, unit))
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return answer.get_json()


def counts(row: dict[str, Any]) -> dict[str, int]:
    return {name: row[name] for name in COLUMNS}


def test_the_thirty_task_fixture_counts_per_unit_as_worked_out_by_hand(thirty: Any) -> None:
    service, _ = thirty
    stats = get(service, "/api/reporting/stats?period=2026-Q4")
    assert stats["from"] == "2026-10-01" and stats["to"] == "2026-12-31"
    by_unit = {row["unit"]: row for row in stats["units"]}
    # Tasks 9 and 19 were withdrawn, 10 was assigned in Q3; 11 and 12 count for their new unit.
    assert counts(by_unit["SO_TC"]) == figures(2, 2, 1, 1, 1, 1)  # 2,5 | 3,4 | 1 | 6 | 7 | 8
    assert counts(by_unit["SO_XD"]) == figures(4, 1, 0, 2, 0, 1)  # 11,13,15,18 | 17 | - | 14,20
    assert counts(by_unit["SO_YT"]) == figures(3, 1, 3, 2, 1, 1)  # 28,29,30 | 26 | 21,22,27
    assert by_unit["SO_TC"]["name"] == "Sở Tài chính"
    assert (
        by_unit["SO_TC"]["on_time_rate"],
        by_unit["SO_XD"]["on_time_rate"],
        by_unit["SO_YT"]["on_time_rate"],
    ) == (0.4, 0.5714, 0.5)
    assert counts(stats["totals"]) == figures(9, 4, 4, 5, 2, 3)
    assert stats["totals"]["total"] == 27 and stats["totals"]["on_time_rate"] == 0.5


def test_a_cut_off_in_the_past_sees_the_tasks_as_they_were_then(thirty: Any) -> None:
    service, _ = thirty
    totals = get(service, "/api/reporting/stats?from=2026-10-01&to=2026-11-15")["totals"]
    # Assigned by 15 Nov: all but 10 (Q3), 21 and 22 (December); 9 and 19 not yet withdrawn.
    # Done by then: 29 on time; 4 (late rework), 17, 26 late; no undated task finished yet.
    assert counts(totals) == figures(1, 3, 18, 0, 0, 5)
    assert totals["total"] == 27 and totals["on_time_rate"] == 0.25


def test_the_same_tasks_by_document_and_by_assigning_leader(thirty: Any) -> None:
    service, _ = thirty
    docs = get(service, "/api/reporting/stats?period=2026-Q4&by=document")
    by_doc = {row["key"]: row for row in docs["groups"]}
    assert by_doc[D1]["name"] == "1/QĐ-UBND"
    assert counts(by_doc[D1]) == figures(2, 2, 1, 1, 1, 1)
    assert counts(by_doc[D2]) == figures(4, 1, 0, 3, 0, 1)  # 12 stays with its document
    assert counts(by_doc[D3]) == figures(0, 0, 2, 1, 1, 1)
    assert counts(by_doc[D4]) == figures(3, 1, 1, 0, 0, 0)
    leaders = get(service, "/api/reporting/stats?period=2026-Q4&by=leader")
    by_leader = {row["key"]: row for row in leaders["groups"]}
    assert counts(by_leader["chu_tich"]) == figures(5, 3, 2, 1, 1, 1)  # D1 + D4
    assert by_leader["pho_chu_tich"]["total"] == 9 and by_leader["ubnd_tinh"]["total"] == 5
    assert by_leader["chu_tich"]["name"] == "Chủ tịch UBND tỉnh"
    only = get(service, "/api/reporting/stats?period=2026-Q4&assigned_by=ubnd_tinh")
    assert only["totals"]["total"] == 5


def test_a_period_by_month_counts_only_that_months_assignments(thirty: Any) -> None:
    service, _ = thirty
    november = get(service, "/api/reporting/stats?period=2026-11")
    assert (november["from"], november["to"]) == ("2026-11-01", "2026-11-30")
    assert november["totals"]["total"] == 1  # task 23, assigned 10 Nov
    year = get(service, "/api/reporting/stats?period=2026")
    assert year["totals"]["total"] == 28  # task 10 from Q3 joins
    assert get(service, "/api/reporting/stats?period=2026-H1")["totals"]["total"] == 0


def test_the_tasks_behind_a_number_are_listed_page_by_page(thirty: Any) -> None:
    service, t = thirty
    path = "/api/reporting/stats/tasks?period=2026-Q4&category=completed_late&limit=3"
    first = get(service, path)
    second = get(service, path + "&offset=3")
    assert first["total"] == 4 and len(first["items"]) == 3 and len(second["items"]) == 1
    ids = {item["task_id"] for item in first["items"] + second["items"]}
    assert ids == {t[3].id, t[4].id, t[17].id, t[26].id}
    assert first["items"][0]["category_label"] == "Hoàn thành quá hạn"
    mine = get(
        service, "/api/reporting/stats/tasks?period=2026-Q4&unit=SO_XD&category=in_progress_overdue"
    )
    assert {item["task_id"] for item in mine["items"]} == {t[14].id, t[20].id}
    everything = get(service, "/api/reporting/stats/tasks?period=2026-Q4&limit=500")
    assert everything["total"] == 27


def test_rework_on_an_overdue_task_is_late_but_rework_in_time_is_not_D5_2b(thirty: Any) -> None:
    service, t = thirty
    rows = get(service, "/api/reporting/stats/tasks?period=2026-Q4&unit=SO_TC&limit=500")
    category = {item["task_id"]: item["category"] for item in rows["items"]}
    assert category[t[4].id] == "completed_late"  # finished 13 Nov, due 10 Nov: late
    assert category[t[5].id] == "completed_on_time"  # sent back before its due date
    assert category[t[2].id] == "completed_on_time"  # 23:30 on the due date
    assert category[t[1].id] == "in_progress_on_time"  # due today


def test_late_overdue_and_twice_returned_tasks_must_be_explained_D17_4(thirty: Any) -> None:
    service, t = thirty
    listed = get(service, "/api/reporting/explanations?period=2026-Q4&limit=500")
    by_id = {item["task_id"]: item for item in listed["items"]}
    expected = {3, 4, 6, 12, 14, 15, 17, 20, 23, 26}
    assert set(by_id) == {t[n].id for n in expected} and listed["total"] == 10
    assert by_id[t[15].id]["reasons"] == ["Bị trả lại thực hiện lại 2 lần"]
    assert by_id[t[14].id]["reasons"] == [
        "Đang thực hiện quá hạn",
        "Bị trả lại thực hiện lại 2 lần",
    ]
    assert by_id[t[14].id]["rework_count"] == 2
    own = get(service, "/api/reporting/explanations?period=2026-Q4", "unit_head", "SO_TC")
    assert {item["lead_unit"] for item in own["items"]} == {"SO_TC"} and own["total"] == 3


def test_units_are_ranked_by_on_time_rate_D21(thirty: Any) -> None:
    service, _ = thirty
    ranking = get(service, "/api/reporting/rankings?period=2026-Q4")
    assert [(row["rank"], row["unit"]) for row in ranking["items"]] == [
        (1, "SO_XD"),
        (2, "SO_YT"),
        (3, "SO_TC"),
    ]
    assert "Tỷ lệ đúng hạn" in ranking["rule"]
    refused = service.client.get(
        "/api/reporting/rankings?period=2026-Q4", headers=headers("unit_head", "SO_TC")
    )
    assert refused.status_code == 403
