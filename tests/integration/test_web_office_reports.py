"""The Office's evaluation report on the web (Đ8.1a, Đ16.2, Đ18.2), against a real embedded
system: the Office opens the period's report, reads it assembled (figures by unit and by
assigning leader, overdue and undated tasks, units' reporting, the Office's figures), writes its
assessment and submits it; only the Office's leader approves or returns it; the Office publishes
it, the public page shows the approved text, and the DOCX is in the layout of Nghị định 30/2020."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from services.reporting.documents.pdf import soffice
from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
OFFICE_LEAD = ("office_lead", "VP_UBND")
SECTIONS = {
    "progress": "Tiến độ: phần lớn nhiệm vụ hoàn thành đúng hạn.",
    "quality": "Chất lượng: đạt yêu cầu chỉ đạo.",
    "effectiveness": "Hiệu quả: rõ rệt trong giải ngân đầu tư công.",
    "difficulties": "Một số đơn vị cập nhật chậm.",
    "proposals": "Đề nghị Chủ tịch UBND tỉnh nhắc nhở các đơn vị chậm.",
}


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-office-reports")))


@pytest.fixture(scope="module")
def period(web: WebSystem) -> str:
    """The upcoming Đ18 period (its reminder case, opened by the workflow's scheduler)."""

    def opened() -> list[dict[str, Any]]:
        answer = web.api("GET", "/api/workflow/periodic-reports", *OFFICE)
        return list(answer.json()["items"])

    cases = wait_for(opened, what="the period's reminder case")
    return str(max(cases, key=lambda c: c["data"]["units_due_on"])["data"]["period"])


def test_the_office_writes_submits_the_lead_approves_and_the_office_publishes_D16_2(
    web: WebSystem, period: str
) -> None:
    office = web.app().test_client()
    sign_in(office, *OFFICE)
    listing = office.get("/office-reports").get_data(as_text=True)
    assert "Lập báo cáo đánh giá" in listing and "trước ngày 25" in listing
    opened = office.post(
        "/office-reports/open", data={"csrf_token": csrf_of(listing), "period": period}
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    url = opened.headers["Location"]
    page = office.get(url).get_data(as_text=True)
    for heading in (
        "I. Kết quả thực hiện nhiệm vụ",
        "Theo người giao nhiệm vụ",
        "Nhiệm vụ quá hạn",
        "Nhiệm vụ không có thời hạn",
        "II. Tình hình báo cáo và giải trình của các đơn vị",
        "III. Công tác theo dõi, đôn đốc của Văn phòng",
    ):
        assert heading in page
    assert 'id="table-units"' in page and 'id="table-leaders"' in page
    assert 'id="standing-summary"' in page and 'id="table-intake"' in page
    queue = office.get("/office").get_data(as_text=True)  # the Office's work queue lists it
    assert f'href="{url}"' in queue
    again = office.post(
        "/office-reports/open", data={"csrf_token": csrf_of(page), "period": period}
    )
    assert again.headers["Location"] == url  # one report per period

    token = csrf_of(page)
    blank = office.post(url, data={"csrf_token": token, "action": "submit", "progress": "x"})
    assert blank.status_code == 422
    assert re.search(r'id="f-quality"[^>]*aria-invalid="true"', blank.get_data(as_text=True))
    saved = office.post(url, data={"csrf_token": token, "action": "save", **SECTIONS})
    assert saved.status_code == 303
    assert SECTIONS["quality"] in office.get(url).get_data(as_text=True)
    sent = office.post(url, data={"csrf_token": token, "action": "submit", **SECTIONS})
    assert sent.status_code == 303
    shown = office.get(url).get_data(as_text=True)
    assert "Đã trình, chờ lãnh đạo Văn phòng duyệt" in shown
    assert "<textarea" not in shown, re.findall(r"<textarea[^>]*>", shown)
    assert 'id="standing-summary"' in shown  # as kept with the report when it was submitted
    kept = web.api("GET", f"/api/workflow{url}", *OFFICE).json()["data"]
    assert kept["standing"]["totals"]["units"] > 0 and isinstance(kept["explained"], list)
    assert 'id="waiting-review"' in shown

    # The Office's staff cannot approve: the workflow refuses anyone but its leader.
    refused = office.post(f"{url}/review/approve", data={"csrf_token": token})
    assert refused.status_code == 403
    assert "Đã trình, chờ lãnh đạo" in office.get(url).get_data(as_text=True)

    lead = web.app().test_client()
    lead_token = sign_in(lead, *OFFICE_LEAD)
    review = lead.get(url).get_data(as_text=True)
    assert "Duyệt báo cáo" in review and "Trả lại để chỉnh sửa" in review
    blank_reason = lead.post(f"{url}/review/return", data={"csrf_token": lead_token})
    assert blank_reason.status_code == 422
    reason = "Bổ sung đánh giá chất lượng"
    returned = lead.post(f"{url}/review/return", data={"csrf_token": lead_token, "reason": reason})
    assert returned.status_code == 303
    back = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng trả lại để chỉnh sửa" in back and reason in back
    office.post(url, data={"csrf_token": token, "action": "submit", **SECTIONS})
    approved = lead.post(f"{url}/review/approve", data={"csrf_token": lead_token})
    assert approved.status_code == 303
    ready = office.get(url).get_data(as_text=True)
    assert "Lãnh đạo Văn phòng đã duyệt, chờ công bố" in ready
    assert "Công bố trên trang công khai" in ready

    published = office.post(f"{url}/publish", data={"csrf_token": token, "number": "125/BC-VP"})
    assert published.status_code == 303
    done = office.get(url).get_data(as_text=True)
    assert "Đã công bố" in done and 'id="report-number">125/BC-VP<' in done
    public_url = re.search(r'id="public-link" href="([^"]+)"|href="([^"]+)" id="public-link"', done)
    assert public_url
    public_path = public_url.group(1) or public_url.group(2)
    anyone = web.app().test_client()

    def public_page() -> str:
        answer = anyone.get(public_path)
        text = answer.get_data(as_text=True)
        return text if answer.status_code == 200 and 'id="evaluation"' in text else ""

    shown_publicly = wait_for(public_page, what="the published evaluation on the public page")
    assert SECTIONS["effectiveness"] in shown_publicly and "125/BC-VP" in shown_publicly

    figures_page = office.get(public_path.replace("/cong-khai/bao-cao/", "/reports/"))
    assert 'id="evaluation"' in figures_page.get_data(as_text=True)

    # The official document: title, sections, figures, signature block.
    download = office.get(f"{url}/document.docx")
    assert download.status_code == 200
    as_pdf = office.get(f"{url}/document.pdf")
    if soffice() is None:  # the DOCX still works; the PDF says why not
        assert as_pdf.status_code == 503 and "LibreOffice" in as_pdf.get_data(as_text=True)
    else:
        assert as_pdf.status_code == 200 and as_pdf.data.startswith(b"%PDF-")
    assert download.mimetype.endswith("wordprocessingml.document")
    document = Document(io.BytesIO(download.data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "VĂN PHÒNG UBND TỈNH THANH HÓA" in cells and "Số: 125/BC-VP" in cells
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells and "Nơi nhận:" in cells
    assert "CHÁNH VĂN PHÒNG" in cells and "Tổng cộng" in cells
    assert "BÁO CÁO" in paragraphs
    assert any(p.startswith("Đánh giá tình hình thực hiện nhiệm vụ") for p in paragraphs)
    for value in SECTIONS.values():
        assert value in paragraphs
    assert "IV. ĐÁNH GIÁ" in paragraphs and "VI. ĐỀ XUẤT, KIẾN NGHỊ" in paragraphs


def test_leaders_read_the_report_and_units_do_not_D16_2(web: WebSystem, period: str) -> None:
    leader = web.app().test_client()
    sign_in(leader, "leader", "VP_UBND")
    listing = leader.get("/office-reports")
    assert listing.status_code == 200
    assert "Lập báo cáo đánh giá" not in listing.get_data(as_text=True)
    unit = web.app().test_client()
    sign_in(unit, "unit_officer", "SO_TC")
    assert unit.get("/office-reports").status_code == 403
