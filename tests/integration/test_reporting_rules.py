"""The counting rules of docs/counting.md, proved on 34 tasks whose figures are worked out by hand.

Period: Q4 2026 (2026-10-01 .. 2026-12-31); the clock says 2026-12-15 10:00, so the cut-off is
now and "today" is 2026-12-15. Three units (SO_TC, SO_XD, SO_YT) and five documents: D1, D4 and
D5 by the Chairman, D2 by a Vice-Chairman, D3 by the People's Committee. Tasks 31–34 (D5) are
judged by when their unit submitted the result, not when the Office confirmed it (Đ5.2b).
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from openpyxl import load_workbook

from tests.integration.countingkit import (
    D1,
    D2,
    D3,
    D4,
    D5,
    UNDATED_CONTENT,
    counts,
    figures,
)
from tests.integration.reportingkit import Task, get, headers


def test_the_thirty_task_fixture_counts_per_unit_as_worked_out_by_hand(thirty: Any) -> None:
    service, _ = thirty
    stats = get(service, "/api/reporting/stats?period=2026-Q4")
    assert stats["from"] == "2026-10-01" and stats["to"] == "2026-12-31"
    by_unit = {row["unit"]: row for row in stats["units"]}
    # Tasks 9 and 19 were withdrawn, 10 was assigned in Q3; 11 and 12 count for their new unit.
    # By the Office's confirmation, 31 would be late and 32 overdue: (2,4,1,1,1,1) for SO_TC,
    # (4,1,0,3,0,1) for SO_XD, totals (9,6,4,7,2,3) at 0.4091.
    assert counts(by_unit["SO_TC"]) == figures(3, 3, 1, 1, 1, 1)  # 2,5,31 | 3,4,34 | 1 | 6 | 7 | 8
    assert counts(by_unit["SO_XD"]) == figures(4, 1, 1, 2, 0, 1)  # 11,13,15,18 | 17 | 32 | 14,20
    assert counts(by_unit["SO_YT"]) == figures(
        3, 1, 3, 3, 1, 1
    )  # 28,29,30 | 26 | 21,22,27 | 12,23,33
    assert by_unit["SO_TC"]["name"] == "Sở Tài chính"
    assert (
        by_unit["SO_TC"]["on_time_rate"],
        by_unit["SO_XD"]["on_time_rate"],
        by_unit["SO_YT"]["on_time_rate"],
    ) == (0.4286, 0.5714, 0.4286)
    assert counts(stats["totals"]) == figures(10, 5, 5, 6, 2, 3)
    assert stats["totals"]["total"] == 31 and stats["totals"]["on_time_rate"] == 0.4762


def test_a_cut_off_in_the_past_sees_the_tasks_as_they_were_then(thirty: Any) -> None:
    service, _ = thirty
    totals = get(service, "/api/reporting/stats?from=2026-10-01&to=2026-11-15")["totals"]
    # Assigned by 15 Nov: all but 10 (Q3), 21 and 22 (December); 9 and 19 not yet withdrawn.
    # Done by then: 29 on time; 4 (late rework), 17, 26 late; no undated task finished yet;
    # 31–34 had not been submitted.
    assert counts(totals) == figures(1, 3, 22, 0, 0, 5)
    assert totals["total"] == 31 and totals["on_time_rate"] == 0.25


def test_the_same_tasks_by_document_and_by_assigning_leader(thirty: Any) -> None:
    service, _ = thirty
    docs = get(service, "/api/reporting/stats?period=2026-Q4&by=document")
    by_doc = {row["key"]: row for row in docs["groups"]}
    assert by_doc[D1]["name"] == "1/QĐ-UBND"
    assert counts(by_doc[D1]) == figures(2, 2, 1, 1, 1, 1)
    assert counts(by_doc[D2]) == figures(4, 1, 0, 3, 0, 1)  # 12 stays with its document
    assert counts(by_doc[D3]) == figures(0, 0, 2, 1, 1, 1)
    assert counts(by_doc[D4]) == figures(3, 1, 1, 0, 0, 0)
    assert counts(by_doc[D5]) == figures(1, 1, 1, 1, 0, 0)
    leaders = get(service, "/api/reporting/stats?period=2026-Q4&by=leader")
    by_leader = {row["key"]: row for row in leaders["groups"]}
    assert counts(by_leader["chu_tich"]) == figures(6, 4, 3, 2, 1, 1)  # D1 + D4 + D5
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
    assert year["totals"]["total"] == 32  # task 10 from Q3 joins
    assert get(service, "/api/reporting/stats?period=2026-H1")["totals"]["total"] == 0


def test_the_tasks_behind_a_number_are_listed_page_by_page(thirty: Any) -> None:
    service, t = thirty
    path = "/api/reporting/stats/tasks?period=2026-Q4&category=completed_late&limit=3"
    first = get(service, path)
    second = get(service, path + "&offset=3")
    assert first["total"] == 5 and len(first["items"]) == 3 and len(second["items"]) == 2
    ids = {item["task_id"] for item in first["items"] + second["items"]}
    assert ids == {t[3].id, t[4].id, t[17].id, t[26].id, t[34].id}
    assert first["items"][0]["category_label"] == "Hoàn thành quá hạn"
    mine = get(
        service, "/api/reporting/stats/tasks?period=2026-Q4&unit=SO_XD&category=in_progress_overdue"
    )
    assert {item["task_id"] for item in mine["items"]} == {t[14].id, t[20].id}
    everything = get(service, "/api/reporting/stats/tasks?period=2026-Q4&limit=500")
    assert everything["total"] == 31


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
    # Late: 3, 4, 17, 26, 34; overdue: 6, 12, 14, 20, 23, 33; without a due date and no result:
    # 8, 16, 25; sent back twice: 14, 15.
    expected = {3, 4, 6, 8, 12, 14, 15, 16, 17, 20, 23, 25, 26, 33, 34}
    assert set(by_id) == {t[n].id for n in expected} and listed["total"] == 15
    assert by_id[t[15].id]["reasons"] == ["Bị trả lại thực hiện lại 2 lần"]
    assert by_id[t[14].id]["reasons"] == [
        "Đang thực hiện quá hạn",
        "Bị trả lại thực hiện lại 2 lần",
    ]
    assert by_id[t[14].id]["rework_count"] == 2
    own = get(service, "/api/reporting/explanations?period=2026-Q4", "unit_head", "SO_TC")
    assert {item["lead_unit"] for item in own["items"]} == {"SO_TC"} and own["total"] == 5


def test_units_are_ranked_by_on_time_rate_D21(thirty: Any) -> None:
    service, _ = thirty
    ranking = get(service, "/api/reporting/rankings?period=2026-Q4")
    assert [(row["rank"], row["unit"]) for row in ranking["items"]] == [
        (1, "SO_XD"),
        (2, "SO_TC"),  # 0.4286 like SO_YT, as many on time, fewer still overdue (1 against 3)
        (3, "SO_YT"),
    ]
    assert "Tỷ lệ đúng hạn" in ranking["rule"]
    refused = service.client.get(
        "/api/reporting/rankings?period=2026-Q4", headers=headers("unit_head", "SO_TC")
    )
    assert refused.status_code == 403


def category_of(service: Any, task: Task, to: str = "2026-12-31") -> str:
    rows = get(service, f"/api/reporting/stats/tasks?from=2026-10-01&to={to}&limit=500")
    return {item["task_id"]: item["category"] for item in rows["items"]}[task.id]


def test_a_task_counts_as_completed_when_its_unit_submitted_the_result_D5_2b(thirty: Any) -> None:
    service, t = thirty
    rows = get(service, "/api/reporting/stats/tasks?period=2026-Q4&limit=500")
    by_id = {item["task_id"]: item for item in rows["items"]}
    # Submitted on the due date (20 Nov), confirmed on 23 Nov: on time, completed on the 20th.
    assert by_id[t[31].id]["category"] == "completed_on_time"
    assert by_id[t[31].id]["completed_on"] == "2026-11-20"
    # Submitted in time, sent back after the due date, confirmed later: late (Đ5.2b).
    assert by_id[t[34].id]["category"] == "completed_late"
    assert by_id[t[34].id]["completed_on"] == "2026-12-04"


def test_a_result_submitted_in_time_and_awaiting_the_office_is_not_overdue_D6_2a(
    thirty: Any,
) -> None:
    service, t = thirty
    assert category_of(service, t[32]) == "in_progress_on_time"  # due 10 Dec, submitted then
    assert category_of(service, t[33]) == "in_progress_overdue"  # due 1 Dec, submitted 3 Dec


def test_a_submission_after_the_cut_off_has_not_happened_at_that_cut_off_D5_2b(
    thirty: Any,
) -> None:
    service, t = thirty
    assert category_of(service, t[31], to="2026-11-19") == "in_progress_on_time"
    # Submitted on the 20th, confirmed on the 23rd: completed on time as of the 21st already.
    assert category_of(service, t[31], to="2026-11-21") == "completed_on_time"
    # 32 was submitted on its due date (10 Dec): on time at a cut-off on the 12th; at one on
    # the 9th it was in progress, still within its date.
    assert category_of(service, t[32], to="2026-12-12") == "in_progress_on_time"
    assert category_of(service, t[32], to="2026-12-09") == "in_progress_on_time"
    # 34 was resubmitted on 4 Dec after a late rework: overdue on the 3rd, late once done.
    assert category_of(service, t[34], to="2026-12-03") == "in_progress_overdue"


def test_the_explanation_list_shows_each_task_with_its_document_unit_and_reason_D17_4(
    thirty: Any,
) -> None:
    service, t = thirty
    listed = get(service, "/api/reporting/explanations?period=2026-Q4&limit=500")
    by_id = {item["task_id"]: item for item in listed["items"]}
    undated = by_id[t[8].id]
    assert undated["content"] == UNDATED_CONTENT
    assert (undated["document_number"], undated["document_issued_on"]) == (
        "1/QĐ-UBND",
        "2026-10-01",
    )
    assert undated["lead_unit_name"] == "Sở Tài chính"
    assert undated["reasons"] == ["Không có thời hạn, chưa có kết quả"]
    assert by_id[t[34].id]["reasons"] == ["Hoàn thành quá hạn"]
    assert by_id[t[33].id]["reasons"] == ["Đang thực hiện quá hạn"]
    assert t[31].id not in by_id and t[32].id not in by_id


def test_the_offices_confirmation_lag_by_month_and_the_results_waiting_D5_1b(
    thirty: Any,
) -> None:
    service, t = thirty
    lag = get(service, "/api/reporting/confirmation-lag?period=2026-Q4")
    # Working days from each submission to the Office's decision (worked out in the fixture):
    # November: 4 rework 3, 14 rework 2 and 0, 31 confirmed 1;
    # December: 5 rework 2 and confirmed 2, 15 rework 0 and 0, 34 rework 3 and confirmed 1.
    assert lag["months"] == [
        {
            "month": "2026-11",
            "decided": 4,
            "confirmed": 1,
            "rework": 3,
            "median_days": 1.5,
            "p90_days": 3,
        },
        {
            "month": "2026-12",
            "decided": 6,
            "confirmed": 2,
            "rework": 4,
            "median_days": 1.5,
            "p90_days": 3,
        },
    ]
    assert lag["totals"]["decided"] == 10 and lag["totals"]["median_days"] == 1.5
    assert lag["wait_days"] == 3
    # 32 has waited 3 working days (not more than 3); 33 since Thursday 3 Dec: 8.
    assert [(row["task_id"], row["waiting_days"]) for row in lag["waiting"]] == [(t[33].id, 8)]
    assert lag["waiting"][0]["lead_unit_name"] == "Sở Y tế"
    refused = service.client.get(
        "/api/reporting/confirmation-lag?period=2026-Q4", headers=headers("unit_head", "SO_TC")
    )
    assert refused.status_code == 403


def test_the_d18_report_keeps_the_explanations_and_the_offices_figures_D18(thirty: Any) -> None:
    service, t = thirty
    answer = service.client.post(
        "/api/reporting/reports", json={"period": "2026-Q4"}, headers=headers()
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)
    report = answer.get_json()
    assert len(report["explanations"]) == 15
    lag = report["office"]["confirmation_lag"]
    assert lag["totals"]["decided"] == 10 and lag["waiting"][0]["task_id"] == t[33].id
    assert [m["month"] for m in report["office"]["intake"]] == ["2026-10", "2026-11", "2026-12"]
    assert report["office"]["intake"][0]["released"] == 5  # the five documents of the fixture
    book = load_workbook(
        BytesIO(
            service.client.get(
                f"/api/reporting/reports/{report['id']}.xlsx", headers=headers()
            ).data
        )
    )
    assert book.sheetnames == ["Báo cáo", "Giải trình (Đ17.4)", "Văn phòng UBND tỉnh"]
    explained = book["Giải trình (Đ17.4)"]
    rows = [[cell.value for cell in row] for row in explained.iter_rows(min_row=4)]
    assert len(rows) == 15
    undated = next(row for row in rows if row[1] == UNDATED_CONTENT)
    assert undated[2:] == [
        "1/QĐ-UBND",
        "01/10/2026",
        "Sở Tài chính",
        "Không thời hạn",
        "Không có thời hạn, chưa có kết quả",
    ]
    office = [[cell.value for cell in row] for row in book["Văn phòng UBND tỉnh"].iter_rows()]
    assert ["Cả kỳ", 10, 3, 7, 1.5, 3] in office
    assert ["tháng 10 năm 2026", 5, 5, 0, 1, None] in office  # the Office's intake (Đ6.1)
    published = service.client.post(
        f"/api/reporting/reports/{report['id']}/publish", headers=headers("office_lead")
    )
    assert published.status_code == 200
    shown = service.client.get(f"/api/reporting/public/reports/{report['id']}").get_json()
    assert "explanations" not in shown and "office" not in shown
