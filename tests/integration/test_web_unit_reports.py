"""Units' periodic reports on the web (Đ18.1, Đ17.4), against a real embedded system: a unit's
"Báo cáo định kỳ" list and form (figures prefilled from reporting, narrative sections, one
explanation per listed task), and the Office's list of a period's reports with accept and
return."""

from __future__ import annotations

import io
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from services.reporting.documents.pdf import soffice
from shared.calendar import TZ
from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
UNIT = ("unit_officer", "SO_TC")
OTHER = ("unit_officer", "SO_XD")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-reports")))


@pytest.fixture()
def client(web: WebSystem) -> Any:
    return web.app().test_client()


def _start(period: str) -> date:
    year, _, part = period.partition("-")
    month = 3 * int(part[1]) - 2 if part.startswith("Q") else 1
    return date(int(year), month, 1)


@pytest.fixture(scope="module")
def period(web: WebSystem) -> str:
    """The upcoming Đ18 period (its reminder case, opened by the workflow's scheduler), with
    the system's date inside it, and an undated task of SO_TC released in it: a task the
    unit's Đ17.4 list names."""

    def opened() -> list[dict[str, Any]]:
        answer = web.api("GET", "/api/workflow/periodic-reports", *OFFICE)
        return list(answer.json()["items"])

    cases = wait_for(opened, what="the period's reminder case")
    key = str(max(cases, key=lambda c: c["data"]["units_due_on"])["data"]["period"])
    now = datetime.fromisoformat(web.api("GET", "/api/admin/clock", *OFFICE).json()["now"])
    start = _start(key)
    if now.astimezone(TZ).date() < start:
        moved = {"now": datetime(start.year, start.month, 2, 9, 0, tzinfo=TZ).isoformat()}
        assert web.api("POST", "/api/admin/clock", *OFFICE, json=moved).status_code == 200
    body = {
        "source_id": f"web-report-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "chu_tich",
        "signer": {"name": "Nguyễn Văn A", "position": "Chủ tịch UBND tỉnh"},
        "issued_on": now.astimezone(TZ).date().isoformat(),
        "urgency": "thuong",
        "secrecy": None,
        "summary": "Về theo dõi giải ngân",
        "release": True,
        "tasks": [
            {
                "content": "Theo dõi giải ngân hằng tháng (báo cáo định kỳ)",
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": None,
                "cadence": "quarterly",
            }
        ],
    }
    answer = web.api("POST", "/api/intake/documents", *OFFICE, json=body)
    assert answer.status_code == 201, answer.text

    def listed() -> bool:
        path = f"/api/reporting/explanations?period={key}&unit=SO_TC&limit=500"
        items = web.api("GET", path, *UNIT).json()["items"]
        return any("giải ngân hằng tháng" in t["content"] for t in items)

    wait_for(listed, what="the undated task in the Đ17.4 list")
    return key


def test_a_unit_fills_its_report_with_prefilled_figures_and_explains_each_listed_task_D18_1(
    client: Any, web: WebSystem, period: str
) -> None:
    sign_in(client, *UNIT)
    listing = client.get("/unit-reports").get_data(as_text=True)
    assert "Báo cáo định kỳ" in listing and "Lập báo cáo" in listing
    opened = client.post(
        "/unit-reports/open", data={"csrf_token": csrf_of(listing), "period": period}
    )
    assert opened.status_code == 303
    url = opened.headers["Location"]
    form = client.get(url).get_data(as_text=True)
    stats = web.api("GET", f"/api/reporting/stats?period={period}&unit=SO_TC", *UNIT).json()
    total = stats["totals"]["total"]
    assert re.search(rf'id="figure-total">{total:,}<'.replace(",", "."), form)
    assert "Theo dõi giải ngân hằng tháng" in form
    assert "Điều 17 khoản 4" in form
    names = re.findall(r'name="(explanation-[0-9a-f]+)"', form)
    assert names, "one explanation field per listed task"

    # the same report opened again is the one already there
    again = client.post("/unit-reports/open", data={"csrf_token": csrf_of(form), "period": period})
    assert again.headers["Location"] == url

    token = csrf_of(form)
    sections = {"results": "Hoàn thành phần lớn nhiệm vụ", "difficulties": "", "proposals": ""}
    refused = client.post(url, data={"csrf_token": token, "action": "submit", **sections})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert 'role="alert"' in page and "Điều 17 khoản 4" in page
    assert re.search(rf'id="f-{names[0]}"[^>]*aria-invalid="true"', page)
    assert "Hoàn thành phần lớn nhiệm vụ" in page  # what was typed is kept

    explained = {name: "Đang chờ số liệu của Kho bạc" for name in names}
    saved = client.post(url, data={"csrf_token": token, "action": "save", **sections, **explained})
    assert saved.status_code == 303
    draft = client.get(url).get_data(as_text=True)
    assert "Đang chờ số liệu của Kho bạc" in draft and "Đơn vị đang lập báo cáo" in draft

    sent = client.post(url, data={"csrf_token": token, "action": "submit", **sections, **explained})
    assert sent.status_code == 303
    shown = client.get(url).get_data(as_text=True)
    assert "Đã gửi đúng hạn, chờ Văn phòng xem xét" in shown
    assert "<textarea" not in shown  # sent: read only
    assert 'value="submit"' not in shown

    # the report as an official document (Nghị định 30/2020's layout)
    assert f'href="{url}/document.docx"' in shown
    download = client.get(f"{url}/document.docx")
    assert download.status_code == 200
    as_pdf = client.get(f"{url}/document.pdf")
    if soffice() is None:  # the DOCX still works; the PDF says why not
        assert as_pdf.status_code == 503 and "LibreOffice" in as_pdf.get_data(as_text=True)
    else:
        assert as_pdf.status_code == 200 and as_pdf.data.startswith(b"%PDF-")
    assert download.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(download.data))
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    paragraphs = [p.text for p in document.paragraphs]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Nơi nhận:" in cells
    assert "THỦ TRƯỞNG CƠ QUAN" in cells and "Đang chờ số liệu của Kho bạc" in cells
    assert "BÁO CÁO" in paragraphs and "Hoàn thành phần lớn nhiệm vụ" in paragraphs


def test_the_office_lists_a_period_s_reports_and_returns_then_accepts_one_D18_1(
    client: Any, web: WebSystem, period: str
) -> None:
    case_id = _submitted_report(web, period)
    sign_in(client, *OFFICE)
    page_url = f"/unit-reports/periods/{period}"

    def row_of(unit: str) -> str:
        page = client.get(page_url).get_data(as_text=True)
        found = re.search(rf'<tr id="unit-{unit}".*?</tr>', page, re.S)
        return found.group(0) if found else ""

    row = wait_for(lambda: "Đã gửi đúng hạn" in row_of("SO_XD") and row_of("SO_XD"))
    assert "Tiếp nhận" in row and "Trả lại" in row
    first = re.search(r'<tr id="unit-([A-Z_0-9]+)"', client.get(page_url).get_data(as_text=True))
    assert first and first.group(1) in ("SO_TC", "SO_XD")  # reports waiting for review first
    queue = client.get("/office").get_data(as_text=True)  # the Office's work queue lists it
    assert f'href="/unit-reports/{case_id}"' in queue
    assert "Chưa gửi, chưa đến hạn" in row_of("SO_YT") or "Không gửi báo cáo" in row_of("SO_YT")

    page = client.get(page_url).get_data(as_text=True)
    token = csrf_of(page)
    review = f"/unit-reports/{case_id}/review"
    blank = client.post(f"{review}/return", data={"csrf_token": token, "reason": " "})
    assert blank.status_code == 422
    reason = "Bổ sung kết quả giải ngân quý"
    returned = client.post(
        f"{review}/return", data={"csrf_token": token, "reason": reason, "back": period}
    )
    assert returned.status_code == 303 and returned.headers["Location"].endswith(page_url)
    assert "Văn phòng trả lại để chỉnh sửa" in row_of("SO_XD")

    unit = web.app().test_client()
    sign_in(unit, *OTHER)
    seen = unit.get(f"/unit-reports/{case_id}").get_data(as_text=True)
    assert reason in seen and 'value="submit"' in seen
    listing = unit.get("/unit-reports").get_data(as_text=True)
    assert "Văn phòng trả lại để chỉnh sửa" in listing

    resubmit = {"csrf_token": csrf_of(seen), "action": "submit", "results": "Đã bổ sung"}
    assert unit.post(f"/unit-reports/{case_id}", data=resubmit).status_code == 303
    accepted = client.post(f"{review}/accept", data={"csrf_token": token, "back": period})
    assert accepted.status_code == 303
    assert "Văn phòng đã tiếp nhận" in client.get(f"/unit-reports/{case_id}").get_data(as_text=True)

    def accepted_count() -> bool:
        page = client.get(page_url).get_data(as_text=True)
        return bool(re.search(r'id="count-accepted">[1-9]', page))

    wait_for(accepted_count, what="the accepted report counted")
    # the review is the Office's: a unit neither sees nor may post it
    refused = unit.post(f"{review}/accept", data={"csrf_token": csrf_of(seen)})
    assert refused.status_code == 403
    assert unit.get(page_url).status_code == 403


def _submitted_report(web: WebSystem, period: str) -> str:
    """SO_XD's report, opened and submitted through the API."""
    opened = web.api("POST", "/api/workflow/unit-reports", *OTHER, json={"period": period})
    assert opened.status_code == 201, opened.text
    case_id = str(opened.json()["items"][0]["id"])
    listed = web.api(
        "GET", f"/api/reporting/explanations?period={period}&unit=SO_XD&limit=500", *OTHER
    ).json()["items"]
    body = {
        "results": "Kết quả quý",
        "explanations": [{"task_id": t["task_id"], "text": "Giải trình"} for t in listed],
    }
    sent = web.api(
        "POST", f"/api/workflow/unit-reports/{case_id}/actions/submit", *OTHER, json=body
    )
    assert sent.status_code == 200, sent.text
    return case_id
