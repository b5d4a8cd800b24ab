"""The Office's evaluation report on the web (Đ8.1a, Đ16.2, Đ18.2), against a real embedded
system: the Office opens the period's report, reads it assembled (figures by unit and by
assigning leader, overdue and undated tasks, units' reporting, the Office's figures), writes its
assessment and submits it; only the Office's leader approves or returns it; the Office publishes
it, the public page shows the approved text, and the DOCX is in the layout of Nghị định 30/2020."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.integration import reviewkit
from tests.integration.reviewkit import WEB_OFFICE as OFFICE
from tests.integration.webkit import WebSystem, csrf_of, running_system, sign_in
from tests.polling import wait_for

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
    shown = reviewkit.write_and_submit(office, url, token, SECTIONS, missing="quality")
    assert 'id="standing-summary"' in shown  # as kept with the report when it was submitted
    kept = web.api("GET", f"/api/workflow{url}", *OFFICE).json()["data"]
    assert kept["standing"]["totals"]["units"] > 0 and isinstance(kept["explained"], list)

    reviewkit.web_review(web, office, url, token, SECTIONS, "Bổ sung đánh giá chất lượng")
    _, public_path, shown_publicly = reviewkit.web_publish(
        web, office, url, token, "125/BC-VP", "evaluation"
    )
    assert SECTIONS["effectiveness"] in shown_publicly

    figures_page = office.get(public_path.replace("/cong-khai/bao-cao/", "/reports/"))
    assert 'id="evaluation"' in figures_page.get_data(as_text=True)

    # The official document: title, sections, figures, signature block.
    _, paragraphs, cells = reviewkit.official_document(office, url, "125/BC-VP", SECTIONS)
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in cells
    assert "BÁO CÁO" in paragraphs
    assert any(p.startswith("Đánh giá tình hình thực hiện nhiệm vụ") for p in paragraphs)
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
