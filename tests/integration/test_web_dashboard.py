"""The dashboard (`/dashboard`), the tasks behind its numbers (`/dashboard/tasks`), the periodic
reports (`/reports`, Đ18) and the Đ17.4 list (`/explanations`) against a real embedded system:
what each person may see (a unit's people their unit only; leaders and the Office all), the period
picker, the drill-down, generating, downloading and publishing a report."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from io import BytesIO
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from openpyxl import load_workbook

from tests.integration.webkit import WebSystem, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
LEADER = ("leader", "VP_UBND")
OFFICE_LEAD = ("office_lead", "VP_UBND")
HEAD_TC = ("unit_head", "SO_TC")
HEAD_XD = ("unit_head", "SO_XD")
DONE = f"Hoàn thành báo cáo quyết toán {uuid.uuid4().hex[:6]}"
OPEN_XD = f"Rà soát quy hoạch xây dựng {uuid.uuid4().hex[:6]}"
CHART_BLOCK = re.compile(
    r'<script type="application/json" id="chart-(\w+)-data">(.*?)</script>', re.S
)


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("dashboard")))


def call(web: WebSystem, method: str, path: str, who: tuple[str, str], body: Any = None) -> Any:
    answer = web.api(method, path, *who, json=body)
    assert answer.status_code < 300, answer.text
    return answer.json()


@pytest.fixture(scope="module")
def figures(web: WebSystem) -> dict[str, Any]:
    """This year: a task SO_TC finishes on time (a rate to rank), one SO_XD has not started."""
    today = str(call(web, "GET", "/api/admin/clock", OFFICE)["now"])[:10]
    ids, numbers = {}, []
    for content, unit in ((DONE, "SO_TC"), (OPEN_XD, "SO_XD")):
        body = {
            "source_id": f"dash-{uuid.uuid4().hex[:8]}",
            "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-TH",
            "type": "cong_van",
            "assigned_by": "chu_tich",
            "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
            "issued_on": today,
            "urgency": "thuong",
            "secrecy": None,
            "summary": "Về tổng hợp số liệu",
            "release": True,
            "tasks": [
                {
                    "content": content,
                    "lead_unit": unit,
                    "coordinating_units": [],
                    "due_on": f"{today[:4]}-12-31",
                    "cadence": None,
                }
            ],
        }
        made = call(web, "POST", "/api/intake/documents", OFFICE, body)
        ids[unit] = made["tasks"][0]["id"]
        numbers.append(body["number"])
    task = f"/api/workflow/tasks/{ids['SO_TC']}"
    wait_for(
        lambda: web.api("GET", task, *OFFICE).status_code == 200, what="the task in the workflow"
    )
    call(web, "POST", f"{task}/actions/accept", ("unit_officer", "SO_TC"))
    call(web, "POST", f"{task}/actions/submit_result", ("unit_officer", "SO_TC"), {"note": "Xong"})
    call(web, "POST", f"{task}/actions/confirm", OFFICE)
    year = today[:4]

    def counted() -> bool:
        stats = call(web, "GET", f"/api/reporting/stats?period={year}", OFFICE)
        units = {row["unit"]: row for row in stats["units"]}
        return units.get("SO_TC", {}).get("completed_on_time", 0) >= 1 and "SO_XD" in units

    wait_for(counted, what="both tasks in reporting's figures")
    return {"year": year, "today": today, "ids": ids, "numbers": numbers}


@pytest.fixture()
def client(web: WebSystem) -> Any:
    return web.app().test_client()


def text(answer: Any) -> str:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    return str(answer.get_data(as_text=True))


def charts(page: str) -> dict[str, Any]:
    return {name: json.loads(body) for name, body in CHART_BLOCK.findall(page)}


def test_an_anonymous_visitor_is_sent_to_sign_in(client: Any) -> None:
    for path in ("/dashboard", "/dashboard/tasks?period=2026", "/reports", "/explanations"):
        answer = client.get(path)
        assert answer.status_code == 302, path
        assert answer.headers["Location"].startswith("/login"), path


def test_the_office_sees_every_unit_ranked_with_the_written_rule_D21(
    client: Any, figures: dict[str, Any]
) -> None:
    sign_in(client, *OFFICE)
    page = text(client.get("/dashboard"))
    assert f"Bảng điều khiển: năm {figures['year']}" in page
    assert (
        "Quy tắc xếp hạng:" in page
        and "bằng nhau thì nhiều nhiệm vụ hoàn thành đúng hạn hơn" in page
    )
    assert "Sở Tài chính" in page and "Sở Xây dựng" in page
    drawn = charts(page)
    assert set(drawn) == {"ranking", "units", "trend", "leaders", "intake"}
    ranking = drawn["ranking"]
    names = ranking["option"]["yAxis"]["data"]
    assert names[0] == "1. Sở Tài chính"  # the only unit with a rate: 100 %
    assert ranking["option"]["series"][0]["data"][0] == 100.0
    assert ranking["links"][0][0].startswith("/dashboard/tasks?")
    # The stacked bars: one series per national category, each bar linked to its tasks.
    units = drawn["units"]
    assert [s["name"] for s in units["option"]["series"]][:2] == [
        "Hoàn thành đúng hạn",
        "Hoàn thành quá hạn",
    ]
    assert len(units["links"]) == 6
    # Leaders and the Office see the Office's own figures too.
    assert "Văn phòng: chuyển theo dõi văn bản đúng hạn" in page
    assert "Văn phòng: thời gian xác nhận kết quả" in page
    # No inline script (CSP): the charts are data blocks read by a file.
    assert "<script>" not in page and "js/charts.js" in page and "echarts.min.js" in page


def test_every_chart_has_a_table_with_the_same_numbers(
    client: Any, figures: dict[str, Any]
) -> None:
    sign_in(client, *OFFICE)
    page = text(client.get("/dashboard"))
    for name in ("ranking", "units", "trend", "leaders", "intake"):
        assert f'id="chart-{name}"' in page and f'id="table-{name}"' in page, name
        assert 'role="img"' in page
    leaders = charts(page)["leaders"]
    names = leaders["option"]["yAxis"]["data"]
    assert "Chủ tịch UBND tỉnh" in names
    # The Chairman's tasks, and each Vice-Chairman's by the document's signer.
    chairman = leaders["links"][2][names.index("Chủ tịch UBND tỉnh")]
    assert parse_qs(urlsplit(chairman).query)["assigned_by"] == ["chu_tich"]
    chairmans = text(client.get(chairman))
    assert DONE not in chairmans and "Đang thực hiện trong hạn · Chủ tịch UBND tỉnh" in chairmans
    assert OPEN_XD in text(client.get(chairman.replace("&category=in_progress_on_time", "")))
    vice = next(n for n in names if n.startswith("Phó Chủ tịch UBND tỉnh "))
    vice_link = leaders["links"][0][names.index(vice)] or leaders["links"][2][names.index(vice)]
    query = parse_qs(urlsplit(vice_link).query)
    assert query["assigned_by"] == ["pho_chu_tich"] and vice.endswith(query["signer"][0])
    assert 'media="print"' in page and "css/print.css" in page


def test_a_bar_leads_to_the_tasks_behind_it(client: Any, figures: dict[str, Any]) -> None:
    sign_in(client, *OFFICE)
    page = text(client.get("/dashboard"))
    units = charts(page)["units"]
    row = units["option"]["yAxis"]["data"].index("Sở Tài chính")
    link = units["links"][0][row]  # completed on time, Sở Tài chính
    query = parse_qs(urlsplit(link).query)
    assert query["unit"] == ["SO_TC"] and query["category"] == ["completed_on_time"]
    assert query["period"] == [figures["year"]]
    listed = text(client.get(link))
    assert DONE in listed and OPEN_XD not in listed
    assert "Hoàn thành đúng hạn · Sở Tài chính" in listed
    assert f"/tasks/{figures['ids']['SO_TC']}" in listed
    # The same link is in the table under the chart, for a keyboard or a screen reader.
    assert link.replace("&", "&amp;") in page


def test_the_period_picker_offers_months_quarters_halves_years_and_from_to(
    client: Any, figures: dict[str, Any]
) -> None:
    sign_in(client, *OFFICE)
    year = figures["year"]
    page = text(client.get("/dashboard"))
    for value in (year, f"{year}-H1", f"{year}-Q4", f"{year}-11", "custom"):
        assert f'value="{value}"' in page, value
    quarter = text(client.get(f"/dashboard?period={year}-Q4"))
    assert f"Bảng điều khiển: quý IV năm {year}" in quarter
    trend = charts(quarter)["trend"]
    assert trend["option"]["xAxis"]["data"][0] == f"10/{year}"
    day = figures["today"]
    custom = text(client.get(f"/dashboard?period=custom&from={year}-01-01&to={day}"))
    assert f"từ 01/01/{year} đến" in custom and "Sở Tài chính" in custom
    missing = text(client.get("/dashboard?period=custom&from=&to="))
    assert "cần cả ngày bắt đầu và ngày kết thúc" in missing
    too_long = text(client.get("/dashboard?period=custom&from=2000-01-01&to=2026-12-31"))
    assert "Kỳ không hợp lệ" in too_long and f"Bảng điều khiển: năm {year}" in too_long


def test_a_unit_head_sees_only_the_units_own_figures(client: Any, figures: dict[str, Any]) -> None:
    sign_in(client, *HEAD_XD)
    page = text(client.get("/dashboard"))
    assert "chỉ nhiệm vụ của đơn vị bạn" in page
    assert "Sở Xây dựng" in page and "Sở Tài chính" not in page
    assert "Quy tắc xếp hạng" not in page and "Văn phòng: chuyển theo dõi" not in page
    drawn = charts(page)
    assert drawn["units"]["option"]["yAxis"]["data"] == ["Sở Xây dựng"]
    assert "intake" not in drawn
    # Another unit's tasks, asked for by hand: the API refuses.
    other = client.get(f"/dashboard/tasks?period={figures['year']}&unit=SO_TC")
    assert other.status_code == 403
    assert "Bạn chỉ xem được số liệu của đơn vị mình." in other.get_data(as_text=True)
    mine = text(client.get(f"/dashboard/tasks?period={figures['year']}"))
    assert OPEN_XD in mine and DONE not in mine
    assert (
        client.get("/reports").status_code == 403
    )  # the Đ18 reports are leaders' and the Office's


def test_a_leader_lands_on_the_dashboard_and_sees_all_units(
    client: Any, figures: dict[str, Any]
) -> None:
    sign_in(client, *LEADER)
    assert client.get("/").headers["Location"].endswith("/dashboard")
    page = text(client.get("/dashboard"))
    assert "Sở Tài chính" in page and "Sở Xây dựng" in page and "Quy tắc xếp hạng" in page


def test_the_office_generates_downloads_and_publishes_a_report_D18_D16_2(
    client: Any, web: WebSystem, figures: dict[str, Any]
) -> None:
    token = sign_in(client, *OFFICE)
    year = figures["year"]
    listing = text(client.get("/reports"))
    assert "Lập báo cáo" in listing
    made = client.post("/reports", data={"csrf_token": token, "period": year})
    assert made.status_code == 302, made.get_data(as_text=True)[:1000]
    detail_path = made.headers["Location"]
    report_id = detail_path.rsplit("/", 1)[1]
    detail = text(client.get(detail_path))
    assert f"Báo cáo kết quả thực hiện nhiệm vụ năm {year}" in detail
    assert "Quy tắc xếp hạng:" in detail and "Sở Tài chính" in detail
    assert "Nhiệm vụ phải giải trình (Điều 17 khoản 4)" in detail
    # The Office's staff prepare the report; its leader publishes it.
    assert "Công bố kết quả (Điều 16 khoản 2)" not in detail
    assert "Lãnh đạo Văn phòng duyệt và công bố" in detail
    assert client.post(f"/reports/{report_id}/publish", data={"csrf_token": token}).status_code == (
        403
    )
    xlsx = client.get(f"/reports/{report_id}.xlsx")
    assert xlsx.status_code == 200 and xlsx.mimetype.endswith("spreadsheetml.sheet")
    assert "attachment" in xlsx.headers["Content-Disposition"]
    workbook = load_workbook(BytesIO(xlsx.data))
    assert workbook.sheetnames
    assert report_id in text(client.get("/reports"))
    token = sign_in(client, *OFFICE_LEAD)
    assert "Công bố kết quả (Điều 16 khoản 2)" in text(client.get(detail_path))
    published = client.post(f"/reports/{report_id}/publish", data={"csrf_token": token})
    assert published.status_code == 302
    after = text(client.get(detail_path))
    assert "Đã công bố" in after and f"/cong-khai/bao-cao/{report_id}" in after
    assert "Công bố kết quả (Điều 16 khoản 2)" not in after
    public = call(web, "GET", f"/api/reporting/public/reports/{report_id}", OFFICE)
    assert public["id"] == report_id


def test_a_custom_period_report_and_a_refused_one_D18(client: Any, figures: dict[str, Any]) -> None:
    token = sign_in(client, *OFFICE)
    year = figures["year"]
    made = client.post(
        "/reports",
        data={
            "csrf_token": token,
            "period": "custom",
            "from": f"{year}-01-01",
            "to": f"{year}-06-30",
        },
    )
    assert made.status_code == 302
    assert f"từ 01/01/{year} đến 30/06/{year}" in text(client.get(made.headers["Location"]))
    refused = client.post(
        "/reports",
        data={"csrf_token": token, "period": "custom", "from": "2000-01-01", "to": "2026-12-31"},
        follow_redirects=True,
    )
    assert "Không lập được báo cáo" in text(refused)


def test_a_leader_reads_reports_but_only_the_office_generates_and_publishes(
    client: Any, figures: dict[str, Any]
) -> None:
    token = sign_in(client, *LEADER)
    listing = text(client.get("/reports"))
    assert "Lập báo cáo" not in listing
    refused = client.post("/reports", data={"csrf_token": token, "period": figures["year"]})
    assert refused.status_code == 403
    link = re.search(r'href="(/reports/[0-9a-f]{32})"', listing)
    if link:  # a report another test made: readable, no publish button
        detail = text(client.get(link.group(1)))
        assert "Công bố kết quả (Điều 16 khoản 2)" not in detail
        published = client.post(f"{link.group(1)}/publish", data={"csrf_token": token})
        assert published.status_code == 403


def test_the_explanation_list_shows_each_task_with_its_reason_D17_4(
    client: Any, web: WebSystem, figures: dict[str, Any]
) -> None:
    undated = f"Báo cáo định kỳ không thời hạn {uuid.uuid4().hex[:6]}"
    body = {
        "source_id": f"dash-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-TH",
        "type": "cong_van",
        "assigned_by": "ubnd_tinh",
        "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": figures["today"],
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về báo cáo định kỳ",
        "release": True,
        "tasks": [
            {
                "content": undated,
                "lead_unit": "SO_XD",
                "coordinating_units": [],
                "due_on": None,
                "cadence": "quarterly",
            }
        ],
    }
    call(web, "POST", "/api/intake/documents", OFFICE, body)
    year = figures["year"]
    wait_for(
        lambda: any(
            row["content"] == undated
            for row in call(
                web, "GET", f"/api/reporting/explanations?period={year}&limit=500", OFFICE
            )["items"]
        ),
        what="the undated task on the Đ17.4 list",
    )
    sign_in(client, *HEAD_XD)
    mine = text(client.get(f"/explanations?period={year}"))
    assert undated in mine and "Không có thời hạn, chưa có kết quả" in mine
    sign_in(client, *HEAD_TC)
    assert undated not in text(client.get(f"/explanations?period={year}"))


def test_an_intake_figure_leads_to_the_documents_behind_it_D6_1(
    client: Any, figures: dict[str, Any]
) -> None:
    sign_in(client, *OFFICE)
    page = text(client.get("/dashboard"))
    intake = charts(page)["intake"]
    month = f"{figures['today'][5:7]}/{figures['year']}"
    column = intake["option"]["xAxis"]["data"].index(month)
    on_time = intake["links"][0][column]
    assert (
        "late=false" in on_time and f"period={figures['year']}-{figures['today'][5:7]}" in on_time
    )
    listed = text(client.get(on_time))
    assert all(number in listed for number in figures["numbers"])
    assert f"Văn bản chuyển theo dõi đúng hạn · tháng {figures['today'][5:7]}" in listed
    late = text(client.get(intake["links"][1][column]))
    assert not any(number in late for number in figures["numbers"])
    sign_in(client, *HEAD_XD)  # the Office's figures are leaders' and the Office's
    assert client.get(on_time).status_code == 403


def test_an_older_period_reached_by_a_link_is_kept_in_the_picker(client: Any) -> None:
    sign_in(client, *LEADER)
    page = text(client.get("/dashboard?period=2021-Q2"))
    assert "Bảng điều khiển: quý II năm 2021" in page
    assert '<option value="2021-Q2" selected>Quý II năm 2021</option>' in page
    assert "Không có nhiệm vụ nào được giao trong kỳ." in page
