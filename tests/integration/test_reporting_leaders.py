"""Figures by assigning leader: UBND tỉnh, the Chairman and each Vice-Chairman on his own row.

A Vice-Chairman is known by the signer that intake's document.released carries; a task whose
document has not been released to reporting yet, or whose release predates the signer, counts
under plain `pho_chu_tich`. Period Q4 2026, cut-off now (2026-12-15 10:00).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import pytest
from sqlalchemy import update

from services.reporting import store
from services.reporting.rebuild import rebuild
from tests.integration.countingkit import counts, figures
from tests.integration.reportingkit import Task, at, document, get, unit

B, C = "Trần Thị B", "Nguyễn Văn C"
CHAIRMAN = "Đỗ Minh Tuấn"
DB, DC, DCT, DUB, DOLD, DLATE = ("b" * 32, "c" * 32, "1" * 32, "2" * 32, "3" * 32, "4" * 32)
STATS = "/api/reporting/stats?period=2026-Q4&by=leader"


def on_time(t: Task) -> Task:
    return t.complete(at("2026-11-20"))


@pytest.fixture()
def leaders(reporting: Any) -> Iterator[Any]:
    s = reporting
    unit(s, "SO_TC", "Sở Tài chính")
    unit(s, "SO_XD", "Sở Xây dựng")
    released = at("2026-10-01")
    document(s, DB, "10/UBND-KT", "2026-10-01", released, signer=(B, "Phó Chủ tịch"))
    document(s, DC, "11/UBND-VX", "2026-10-01", released, signer=(C, "Phó Chủ tịch"))
    document(s, DCT, "12/CT-UBND", "2026-10-01", released, signer=(CHAIRMAN, "Chủ tịch"))
    document(s, DUB, "13/KH-UBND", "2026-10-01", released, signer=(CHAIRMAN, "Chủ tịch"))
    document(s, DOLD, "14/UBND-NC", "2026-10-01", released)  # an old-style release
    vice = {"assigned_by": "pho_chu_tich"}
    # Trần Thị B: completed on time, completed late, in progress overdue.
    on_time(Task(s, "SO_TC", "2026-10-05", "2026-11-30", document=DB, **vice))
    Task(s, "SO_XD", "2026-10-05", "2026-11-10", document=DB, **vice).complete(at("2026-11-20"))
    Task(s, "SO_TC", "2026-10-05", "2026-12-01", document=DB, **vice).accept("2026-10-06")
    # Nguyễn Văn C: in progress on time, undated in progress.
    Task(s, "SO_XD", "2026-10-05", "2026-12-31", document=DC, **vice).accept("2026-10-06")
    Task(s, "SO_XD", "2026-10-05", None, document=DC, **vice)
    # The Chairman and the People's Committee, both signed by the Chairman.
    on_time(Task(s, "SO_TC", "2026-10-05", "2026-11-30", document=DCT))
    Task(s, "SO_TC", "2026-10-05", "2026-12-01", document=DUB, assigned_by="ubnd_tinh")
    # A Vice-Chairman's task from an old release, and one whose release has not arrived.
    on_time(Task(s, "SO_XD", "2026-10-05", "2026-11-30", document=DOLD, **vice))
    Task(s, "SO_TC", "2026-10-05", "2026-12-31", document=DLATE, **vice)
    yield s


def groups(service: Any) -> dict[str, dict[str, Any]]:
    return {row["key"]: row for row in get(service, STATS)["groups"]}


def drill(service: Any, query: str) -> list[dict[str, Any]]:
    path = f"/api/reporting/stats/tasks?period=2026-Q4&limit=500&{query}"
    return get(service, path)["items"]


def test_each_vice_chairman_has_his_own_row_with_his_counts_and_his_name(leaders: Any) -> None:
    rows = groups(leaders)
    b, c = rows[f"pho_chu_tich:{B}"], rows[f"pho_chu_tich:{C}"]
    assert counts(b) == figures(1, 1, 0, 1, 0, 0) and b["total"] == 3
    assert counts(c) == figures(0, 0, 1, 0, 0, 1) and c["total"] == 2
    assert b["name"] == "Phó Chủ tịch UBND tỉnh Trần Thị B"
    assert c["name"] == "Phó Chủ tịch UBND tỉnh Nguyễn Văn C"
    assert (b["leader"], b["signer_name"]) == ("pho_chu_tich", B)
    assert b["on_time_rate"] == 0.3333  # 1 on time of 3 due (the overdue one counts)


def test_the_chairman_and_the_peoples_committee_are_not_split_by_their_signer(
    leaders: Any,
) -> None:
    answer = get(leaders, STATS)
    assert [row["key"] for row in answer["groups"]] == [
        "chu_tich",
        "pho_chu_tich",
        f"pho_chu_tich:{C}",
        f"pho_chu_tich:{B}",
        "ubnd_tinh",
    ]
    rows = groups(leaders)
    assert rows["chu_tich"]["name"] == "Chủ tịch UBND tỉnh"
    assert rows["ubnd_tinh"]["name"] == "UBND tỉnh"
    assert rows["chu_tich"]["signer_name"] is None and rows["ubnd_tinh"]["signer_name"] is None
    assert counts(rows["chu_tich"]) == figures(1, 0, 0, 0, 0, 0)
    assert counts(rows["ubnd_tinh"]) == figures(0, 0, 0, 1, 0, 0)
    assert answer["totals"]["total"] == 9


def test_a_task_from_an_old_release_or_one_not_yet_arrived_counts_under_plain_pho_chu_tich(
    leaders: Any,
) -> None:
    plain = groups(leaders)["pho_chu_tich"]
    assert plain["name"] == "Phó Chủ tịch UBND tỉnh" and plain["signer_name"] is None
    assert counts(plain) == figures(1, 0, 1, 0, 0, 0)
    document(leaders, DLATE, "15/UBND-KT", "2026-10-01", at("2026-10-02"), signer=(C, "PCT"))
    rows = groups(leaders)
    assert counts(rows["pho_chu_tich"]) == figures(1, 0, 0, 0, 0, 0)
    assert rows[f"pho_chu_tich:{C}"]["total"] == 3


def test_the_drill_down_by_signer_lists_only_that_vice_chairmans_tasks(leaders: Any) -> None:
    items = drill(leaders, f"assigned_by=pho_chu_tich&signer={quote(B)}")
    assert len(items) == 3 and {i["document_id"] for i in items} == {DB}
    assert {i["signer_name"] for i in items} == {B}
    late = drill(leaders, f"assigned_by=pho_chu_tich&signer={quote(B)}&category=completed_late")
    assert [i["lead_unit"] for i in late] == ["SO_XD"]
    assert drill(leaders, f"assigned_by=pho_chu_tich&signer={quote('Không Ai')}") == []
    assert len(drill(leaders, "assigned_by=pho_chu_tich")) == 7  # every Vice-Chairman's


def test_the_signer_filter_also_narrows_the_figures_by_unit(leaders: Any) -> None:
    answer = get(leaders, f"/api/reporting/stats?period=2026-Q4&signer={quote(B)}")
    by_unit = {row["unit"]: row["total"] for row in answer["units"]}
    assert by_unit == {"SO_TC": 2, "SO_XD": 1}


def test_a_rebuild_from_the_event_log_keeps_the_vice_chairmen_apart(leaders: Any) -> None:
    live = get(leaders, STATS)
    drilled = drill(leaders, f"assigned_by=pho_chu_tich&signer={quote(C)}")
    with leaders.runtime.platform.database.transaction() as conn:
        conn.execute(update(store.document_intake).values(signer_name=None))
    assert f"pho_chu_tich:{B}" not in groups(leaders)
    rebuild(leaders.runtime.platform, batch_size=4)
    assert get(leaders, STATS) == live
    assert drill(leaders, f"assigned_by=pho_chu_tich&signer={quote(C)}") == drilled
