"""The Office's annual report on this regulation on the web (Đ20.1), against a real embedded
system: the Office opens the year's report by the date it sets, reads it assembled (tasks by
unit and by assigning leader, its own figures, inspections and their conclusions, feedback),
writes its sections and submits them; only the Office's leader approves or returns it; the
Office publishes it, the public page shows the approved text, and its DOCX and PDF (reporting's
`annual_report` document) are in the layout of Nghị định 30/2020."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from shared.calendar import TZ
from tests.integration import reviewkit
from tests.integration.reviewkit import WEB_OFFICE as OFFICE
from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in

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

    reviewkit.write_and_submit(office, url, token, SECTIONS, missing="training")
    reviewkit.web_review(web, office, url, token, SECTIONS, "Bổ sung số lớp tập huấn")
    done, _, shown_publicly = reviewkit.web_publish(web, office, url, token, "15/BC-VP", "annual")
    assert SECTIONS["training"] in shown_publicly
    assert 'id="annual-inspections"' in shown_publicly

    # The official document (reporting's annual_report kind): DOCX and PDF.
    assert 'href="' + url + '/document.docx"' in done and 'href="' + url + '/document.pdf"' in done
    download, paragraphs, cells = reviewkit.official_document(office, url, "15/BC-VP", SECTIONS)
    assert "bao-cao-thuc-hien-quy-che-" + str(year) in download.headers["Content-Disposition"]
    approved = datetime.now(TZ).date()  # the day its leader approved it, above
    assert f"Thanh Hóa, ngày {approved:%d} tháng {approved:%m} năm {approved:%Y}" in cells
    assert any(p.startswith("Kết quả triển khai thực hiện Quy chế") for p in paragraphs)
    assert any(p.endswith(f"giao năm {year}") for p in paragraphs)
    assert "II. CÔNG TÁC KIỂM TRA (Điều 10 đến Điều 15)" in paragraphs
    assert "III. TIẾP NHẬN, XỬ LÝ PHẢN HỒI (Điều 16 khoản 6, Điều 17)" in paragraphs
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
