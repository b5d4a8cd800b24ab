"""The Office's annual report on this regulation on the web (Đ20.1), against a real embedded
system: the Office opens the year's report by the date it sets, reads it assembled (tasks by
unit and by assigning leader, its own figures, inspections and their conclusions, feedback),
writes its sections and submits them; only the Office's leader approves or returns it; the
Office publishes it, the public page shows the approved text, and its DOCX and PDF (reporting's
`annual_report` document) are in the layout of Nghị định 30/2020."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
from docx import Document

from services.reporting.documents.pdf import soffice
from shared.calendar import TZ
from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
OFFICE_LEAD = ("office_lead", "VP_UBND")
SECTIONS = {
    "assessment": "Các đơn vị cập nhật đầy đủ, tỷ lệ đúng hạn tăng so với năm trước.",
    "training": "Tổ chức 3 lớp tập huấn sử dụng Hệ thống cho 450 cán bộ.",
    "difficulties": "Một số xã chưa bố trí cán bộ theo dõi.",
    "proposals": "Đề nghị biểu dương 5 đơn vị thực hiện tốt Quy chế.",
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-annual-reports")))


def test_the_office_writes_the_annual_report_its_leader_approves_it_is_published_D20_1(
    web: WebSystem,
) -> None:
    year = datetime.now(TZ).year
    office = web.app().test_client()
    sign_in(office, *OFFICE)
    listing = office.get("/annual-reports").get_data(as_text=True)
    assert f"Lập báo cáo năm {year}" in listing and "Điều 20 khoản 1" in listing
    token = csrf_of(listing)
    no_date = office.post("/annual-reports/open", data={"csrf_token": token, "year": year})
    assert no_date.status_code == 303 and no_date.headers["Location"].endswith("/annual-reports")
    due = f"{year + 1}-01-15"
    opened = office.post(
        "/annual-reports/open", data={"csrf_token": token, "year": year, "due_on": due}
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    url = opened.headers["Location"]
    page = office.get(url).get_data(as_text=True)
    for heading in (
        "I. Kết quả thực hiện nhiệm vụ",
        "Theo người giao nhiệm vụ",
        "Công tác theo dõi, đôn đốc của Văn phòng",
        "II. Công tác kiểm tra",
        "III. Tiếp nhận, xử lý phản hồi",
        "Sơ đồ quy trình",
    ):
        assert heading in page
    assert 'id="table-units"' in page and 'id="inspections-summary"' in page
    assert "15/01/" in page
    queue = office.get("/office").get_data(as_text=True)  # the Office's work queue lists it
    assert f'href="{url}"' in queue
    again = office.post(
        "/annual-reports/open", data={"csrf_token": token, "year": year, "due_on": due}
    )
    assert again.headers["Location"] == url  # one report per year

    blank = office.post(url, data={"csrf_token": token, "action": "submit", "assessment": "x"})
    assert blank.status_code == 422
    assert re.search(r'id="f-training"[^>]*aria-invalid="true"', blank.get_data(as_text=True))
    assert (
        office.post(url, data={"csrf_token": token, "action": "save", **SECTIONS}).status_code
        == 303
    )
    assert SECTIONS["training"] in office.get(url).get_data(as_text=True)
    sent = office.post(url, data={"csrf_token": token, "action": "submit", **SECTIONS})
    assert sent.status_code == 303
    shown = office.get(url).get_data(as_text=True)
    assert "Đã trình, chờ lãnh đạo Văn phòng duyệt" in shown and "<textarea" not in shown

    # The Office's staff cannot approve: the workflow refuses anyone but its leader.
    assert office.post(f"{url}/review/approve", data={"csrf_token": token}).status_code == 403
    lead = web.app().test_client()
    lead_token = sign_in(lead, *OFFICE_LEAD)
    reason = "Bổ sung số lớp tập huấn"
    returned = lead.post(f"{url}/review/return", data={"csrf_token": lead_token, "reason": reason})
    assert returned.status_code == 303
    back = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng trả lại để chỉnh sửa" in back and reason in back
    office.post(url, data={"csrf_token": token, "action": "submit", **SECTIONS})
    assert lead.post(f"{url}/review/approve", data={"csrf_token": lead_token}).status_code == 303
    ready = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng đã duyệt, chờ công bố" in ready

    published = office.post(f"{url}/publish", data={"csrf_token": token, "number": "15/BC-VP"})
    assert published.status_code == 303
    done = office.get(url).get_data(as_text=True)
    assert "Đã công bố" in done and 'id="report-number">15/BC-VP<' in done
    found = re.search(r'id="public-link" href="([^"]+)"|href="([^"]+)" id="public-link"', done)
    assert found
    public_path = found.group(1) or found.group(2)
    anyone = web.app().test_client()

    def public_page() -> str:
        answer = anyone.get(public_path)
        text = answer.get_data(as_text=True)
        return text if answer.status_code == 200 and 'id="annual"' in text else ""

    shown_publicly = wait_for(public_page, what="the published annual report on the public page")
    assert SECTIONS["training"] in shown_publicly and "15/BC-VP" in shown_publicly
    assert 'id="annual-inspections"' in shown_publicly

    # The official document (reporting's annual_report kind): DOCX and PDF.
    assert 'href="' + url + '/document.docx"' in done and 'href="' + url + '/document.pdf"' in done
    download = office.get(f"{url}/document.docx")
    assert download.status_code == 200
    assert download.mimetype.endswith("wordprocessingml.document")
    assert "bao-cao-thuc-hien-quy-che-" + str(year) in download.headers["Content-Disposition"]
    as_pdf = office.get(f"{url}/document.pdf")
    if soffice() is None:  # the DOCX still works; the PDF says why not
        assert as_pdf.status_code == 503 and "LibreOffice" in as_pdf.get_data(as_text=True)
    else:
        assert as_pdf.status_code == 200 and as_pdf.data.startswith(b"%PDF-")
    document = Document(io.BytesIO(download.data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "VĂN PHÒNG UBND TỈNH THANH HÓA" in cells and "Số: 15/BC-VP" in cells
    assert "Nơi nhận:" in cells and "CHÁNH VĂN PHÒNG" in cells and "Tổng cộng" in cells
    approved = datetime.now(TZ).date()  # the day its leader approved it, above
    assert f"Thanh Hóa, ngày {approved:%d} tháng {approved:%m} năm {approved:%Y}" in cells
    assert any(p.startswith("Kết quả triển khai thực hiện Quy chế") for p in paragraphs)
    assert any(p.endswith(f"giao năm {year}") for p in paragraphs)
    assert "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)" in paragraphs
    assert "III. TIẾP NHẬN, XỬ LÝ PHẢN HỒI (Điều 16 khoản 6, Điều 17)" in paragraphs
    for value in SECTIONS.values():
        assert value in paragraphs
    assert office.get(f"{url}/document.xlsx").status_code == 404


def test_leaders_read_the_annual_reports_and_units_do_not_D20_1(web: WebSystem) -> None:
    leader = web.app().test_client()
    sign_in(leader, "leader", "VP_UBND")
    listing = leader.get("/annual-reports")
    assert listing.status_code == 200
    assert "Lập báo cáo năm" not in listing.get_data(as_text=True)
    unit = web.app().test_client()
    sign_in(unit, "unit_officer", "SO_TC")
    assert unit.get("/annual-reports").status_code == 403
