"""The 34 tasks of the counting rules (docs/counting.md), fed through reporting's consumer, with
figures worked out by hand in test_reporting_rules: the `thirty` fixture, and readers of the
six counting columns.

Period: Q4 2026 (2026-10-01 .. 2026-12-31); the clock says 2026-12-15 10:00, so the cut-off is
now and "today" is 2026-12-15. Three units (SO_TC, SO_XD, SO_YT) and five documents: D1, D4 and
D5 by the Chairman, D2 by a Vice-Chairman, D3 by the People's Committee. Tasks 31–34 (D5) are
judged by when their unit submitted the result, not when the Office confirmed it (Đ5.2b).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.integration.reportingkit import Task, at, document, unit

D1, D2, D3, D4, D5 = ("1" * 32, "2" * 32, "3" * 32, "4" * 32, "5" * 32)
COLUMNS = (
    "completed_on_time",
    "completed_late",
    "in_progress_on_time",
    "in_progress_overdue",
    "undated_completed",
    "undated_in_progress",
)


UNDATED_CONTENT = "Theo dõi, đôn đốc giải quyết kiến nghị cử tri"


def figures(*counts: int) -> dict[str, int]:
    return dict(zip(COLUMNS, counts, strict=True))


@pytest.fixture()
def thirty(reporting: Any) -> Iterator[tuple[Any, dict[int, Task]]]:
    service = reporting
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
        (D5, "5/TB-UBND"),
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
    t[8].send("task.progress_reported", "in_progress", at("2026-11-02"), content=UNDATED_CONTENT)
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
    _submitted_before_confirmed(s, t)
    return t


def _submitted_before_confirmed(s: Any, t: dict[int, Task]) -> None:
    """Đ5.2b: the unit's submission, not the Office's confirmation, decides."""
    d5 = {"document": D5, "assigned_by": "chu_tich"}
    # Submitted on its due date, confirmed three days later (the event carries the submission).
    t[31] = Task(s, "SO_TC", "2026-10-05", "2026-11-20", **d5).accept("2026-10-06")
    submitted = at("2026-11-20", 16)
    t[31].send("task.result_submitted", "submitted", submitted)
    t[31].send(
        "task.completed", "completed", at("2026-11-23", 10), submitted_at=submitted.isoformat()
    )
    # Submitted on its due date and still waiting for the Office at the cut-off.
    t[32] = Task(s, "SO_XD", "2026-10-05", "2026-12-10", **d5).accept("2026-10-06")
    t[32].send("task.result_submitted", "submitted", at("2026-12-10", 15))
    # Submitted two days late, waiting: overdue all the same.
    t[33] = Task(s, "SO_YT", "2026-10-05", "2026-12-01", **d5).accept("2026-10-06")
    t[33].send("task.result_submitted", "submitted", at("2026-12-03"), overdue=True)
    # Submitted in time, sent back after the due date, resubmitted, confirmed: late (Đ5.2b).
    # Older events carry no submitted_at: the time of task.result_submitted is taken.
    t[34] = Task(s, "SO_TC", "2026-10-05", "2026-11-30", **d5).accept("2026-10-06")
    t[34].send("task.result_submitted", "submitted", at("2026-11-27"))
    t[34].send("task.rework_requested", "rework", at("2026-12-02"), overdue=True)
    t[34].send("task.result_submitted", "submitted", at("2026-12-04"), overdue=True)
    t[34].complete(at("2026-12-07"))


def counts(row: dict[str, Any]) -> dict[str, int]:
    return {name: row[name] for name in COLUMNS}
