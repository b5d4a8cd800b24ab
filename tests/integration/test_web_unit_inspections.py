"""Units' own inspections on the web (Đ10.2b, Đ15.1), against a real embedded system: the unit
head's form, the inspection's page with its end and report, the unit's list and the Office's."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from tests.integration.webkit import WebSystem, running_system, sign_in

HEAD = ("unit_head", "SO_TC")
OFFICER = ("unit_officer", "SO_TC")
OTHER = ("unit_head", "SO_XD")
OFFICE = ("office", "VP_UBND")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-unit-inspections")))


def _client(web: WebSystem, who: tuple[str, str]) -> tuple[Any, str]:
    client = web.app().test_client()
    return client, sign_in(client, *who)


def test_a_unit_head_opens_ends_and_reports_an_inspection_on_the_web_D10_2b_D15_1(
    web: WebSystem,
) -> None:
    client, token = _client(web, HEAD)
    listing = client.get("/unit-inspections").get_data(as_text=True)
    assert "Mở cuộc tự kiểm tra" in listing
    form = client.get("/unit-inspections/new")
    assert form.status_code == 200
    # Đ12.2: an ad-hoc inspection without its basis is refused, the form says why.
    refused = client.post(
        "/unit-inspections",
        data={
            "csrf_token": token,
            "form": "ad_hoc",
            "title": "Tự kiểm tra đột xuất",
            "scope": ["implementation"],
            "period_from": "2026-10-01",
            "period_to": "2026-11-30",
        },
    )
    assert refused.status_code == 422
    assert "Điều 12" in refused.get_data(as_text=True)
    opened = client.post(
        "/unit-inspections",
        data={
            "csrf_token": token,
            "form": "regular",
            "title": "Tự kiểm tra quý IV",
            "scope": ["implementation", "reporting"],
            "period_from": "2026-10-01",
            "period_to": "2026-11-30",
        },
    )
    assert opened.status_code == 303, opened.get_data(as_text=True)[:2000]
    page_url = opened.headers["Location"]
    case_id = re.search(r"/unit-inspections/([0-9a-f]{32})", page_url)
    assert case_id
    page = client.get(page_url).get_data(as_text=True)
    assert "Đơn vị đang tự kiểm tra" in page and 'id="finish-form"' in page
    ended = client.post(f"/unit-inspections/{case_id.group(1)}/finish", data={"csrf_token": token})
    assert ended.status_code == 303
    page = client.get(page_url).get_data(as_text=True)
    assert 'id="report-form"' in page and "Đã kết thúc kiểm tra" in page
    # A shortcoming without its nature, level, cause and responsibility is refused (Đ15.3b).
    short = client.post(
        f"/unit-inspections/{case_id.group(1)}/submit_report",
        data={
            "csrf_token": token,
            "summary": "Đã kiểm tra 12 nhiệm vụ",
            "SO_TC-result": "not_done",
            "SO_TC-assessment": "Chậm triển khai",
            "SO_TC-conclusion": "Chưa hoàn thành",
        },
    )
    assert short.status_code == 422
    assert "Điều 15" in short.get_data(as_text=True)
    sent = client.post(
        f"/unit-inspections/{case_id.group(1)}/submit_report",
        data={
            "csrf_token": token,
            "summary": "Đã kiểm tra 12 nhiệm vụ",
            "SO_TC-result": "done",
            "SO_TC-assessment": "Triển khai kịp thời",
            "SO_TC-conclusion": "Hoàn thành nhiệm vụ được giao",
        },
    )
    assert sent.status_code == 303
    reported = client.get(page_url).get_data(as_text=True)
    assert "Đã báo cáo kết quả kiểm tra" in reported
    # The report as an official document issued by the unit (Đ15.1, Đ15.3).
    document_url = f"/cases/unit_inspection/{case_id.group(1)}/document"
    assert f'href="{document_url}.docx"' in reported and f'href="{document_url}.pdf"' in reported
    download = client.get(f"{document_url}.docx")
    assert download.status_code == 200, download.get_data(as_text=True)[:2000]
    document = Document(io.BytesIO(download.data))
    paragraphs = [p.text for p in document.paragraphs]
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "SỞ TÀI CHÍNH" in cells and "THỦ TRƯỞNG CƠ QUAN" in cells and "Nơi nhận:" in cells
    assert "Kết quả kiểm tra: Tự kiểm tra quý IV" in paragraphs
    assert "b) Kết luận: Đã thực hiện đúng nhiệm vụ được giao. Hoàn thành nhiệm vụ được giao" in (
        paragraphs
    )

    office, _ = _client(web, OFFICE)
    office_list = office.get("/unit-inspections").get_data(as_text=True)
    assert "Tự kiểm tra quý IV" in office_list and "Mở cuộc tự kiểm tra" not in office_list
    assert office.get(page_url).status_code == 200
    case_page = office.get(f"/cases/unit_inspection/{case_id.group(1)}").get_data(as_text=True)
    assert f'href="{document_url}.docx"' in case_page

    other, _ = _client(web, OTHER)
    assert "Tự kiểm tra quý IV" not in other.get("/unit-inspections").get_data(as_text=True)
    assert other.get(page_url).status_code == 403


def test_an_officer_has_no_form_to_open_an_inspection_D10_2b(web: WebSystem) -> None:
    client, _ = _client(web, OFFICER)
    assert "Mở cuộc tự kiểm tra" not in client.get("/unit-inspections").get_data(as_text=True)
    assert client.get("/unit-inspections/new").status_code == 403
