"""The Office's "Mẫu văn bản" page on the web (docs/documents.md), against a real embedded system:
each kind's template, an upload applied, a broken one refused in Vietnamese with the old one kept,
a reset; units have no such page. And the Working Group's monthly account (Đ10.1đ) downloaded as
an official document from its case page."""

from __future__ import annotations

import io
import re
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from docx import Document

from services.reporting.documents.registry import KINDS, shipped
from tests.integration.webkit import WebSystem, running_system, sign_in

OFFICE = ("office", "VP_UBND")


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("web-document-templates")))


def _template(kind: str, title: str) -> bytes:
    document = Document(io.BytesIO(shipped(kind)))
    first = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    first.runs[0].text = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(client: Any, token: str, kind: str, body: bytes) -> Any:
    return client.post(
        f"/document-templates/{kind}",
        data={"csrf_token": token, "file": (io.BytesIO(body), "mau-moi.docx")},
        content_type="multipart/form-data",
    )


def _paragraphs(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)[:2000]
    return [p.text for p in Document(io.BytesIO(answer.data)).paragraphs]


def test_the_office_replaces_a_template_on_the_web_and_resets_it_D18_2(web: WebSystem) -> None:
    client = web.app().test_client()
    token = sign_in(client, *OFFICE)
    page = client.get("/document-templates").get_data(as_text=True)
    for kind in KINDS.values():
        assert f'id="template-{kind.name}"' in page and kind.label in page
    assert "Mẫu gốc của hệ thống" in page
    assert 'href="/document-templates"' in client.get("/me").get_data(as_text=True)  # the menu

    applied = _upload(client, token, "office_report", _template("office_report", "BÁO CÁO MỚI"))
    assert applied.status_code == 303
    page = client.get("/document-templates").get_data(as_text=True)
    assert "Đã áp dụng mẫu mới (phiên bản 1)" in page and "Phiên bản 1: mau-moi.docx" in page
    current = client.get("/document-templates/office_report.docx")
    assert _paragraphs(current)[0] == "BÁO CÁO MỚI"

    broken = _upload(client, token, "office_report", _template("office_report", "{{ x.y.z }}"))
    assert broken.status_code == 422
    shown = broken.get_data(as_text=True)
    assert "Mẫu văn bản không dùng được" in shown and 'aria-invalid="true"' in shown
    assert "Phiên bản 1: mau-moi.docx" in shown  # the old one is still in force
    assert _paragraphs(client.get("/document-templates/office_report.docx"))[0] == "BÁO CÁO MỚI"

    reset = client.post("/document-templates/office_report/reset", data={"csrf_token": token})
    assert reset.status_code == 303
    assert "Đã dùng lại mẫu gốc" in client.get("/document-templates").get_data(as_text=True)
    assert _paragraphs(client.get("/document-templates/office_report.docx"))[0] == "BÁO CÁO"


def test_units_have_no_templates_page(web: WebSystem) -> None:
    client = web.app().test_client()
    token = sign_in(client, "unit_head", "SO_TC")
    assert client.get("/document-templates").status_code == 403
    refused = _upload(client, token, "unit_report", _template("unit_report", "X"))
    assert refused.status_code == 403
    assert 'href="/document-templates"' not in client.get("/me").get_data(as_text=True)


def test_the_working_groups_monthly_account_as_an_official_document_D10_1d(
    web: WebSystem,
) -> None:
    month = f"{date.today():%Y-%m}"
    opened = web.api("POST", "/api/workflow/monthly-accounts", *OFFICE, json={"month": month})
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["items"][0]["id"]
    client = web.app().test_client()
    sign_in(client, *OFFICE)
    page = client.get(f"/cases/monthly_account/{case_id}").get_data(as_text=True)
    url = f"/cases/monthly_account/{case_id}/document"
    assert f'href="{url}.docx"' in page and f'href="{url}.pdf"' in page
    paragraphs = _paragraphs(client.get(f"{url}.docx"))
    assert re.search(r"giao tháng \d+ năm \d{4}$", paragraphs[1])
    assert "I. SỐ LIỆU TRONG THÁNG" in paragraphs
    assert any(p.startswith("1. Đôn đốc:") for p in paragraphs)


def test_the_offices_inspection_report_as_an_official_document_D15_3(web: WebSystem) -> None:
    base = "/api/workflow/inspections"
    opened = web.api(
        "POST",
        base,
        *OFFICE,
        json={
            "form": "regular",
            "title": "Kiểm tra việc thực hiện nhiệm vụ tháng 11/2026",
            "units": ["SO_TC", "SO_XD"],
            "scope": ["implementation", "system_updates"],
            "period_from": "2026-11-01",
            "period_to": "2026-11-30",
        },
    )
    assert opened.status_code == 201, opened.text
    case_id = opened.json()["items"][0]["id"]

    def act(action: str, who: tuple[str, str], **body: Any) -> None:
        answer = web.api("POST", f"{base}/{case_id}/actions/{action}", *who, json=body)
        assert answer.status_code == 200, answer.text

    act("approve", ("office_lead", "VP_UBND"))
    client = web.app().test_client()
    sign_in(client, *OFFICE)
    url = f"/cases/inspection/{case_id}/document"
    assert f'href="{url}.docx"' not in client.get(f"/cases/inspection/{case_id}").get_data(
        as_text=True
    )  # no report yet, no document
    assert client.get(f"{url}.docx").status_code == 404
    act("finish", OFFICE)
    shortcoming = {
        "nature": "Chậm triển khai",
        "level": "Nghiêm trọng",
        "cause": "Chưa phân công cán bộ theo dõi",
        "responsibility": "Thủ trưởng đơn vị",
    }
    act(
        "submit_report",
        ("office_lead", "VP_UBND"),
        summary="Tổ công tác đã kiểm tra 2 đơn vị.",
        conclusions=[
            {
                "unit": "SO_TC",
                "assessment": "Triển khai kịp thời",
                "result": "done",
                "conclusion": "Hoàn thành nhiệm vụ được giao",
            },
            {
                "unit": "SO_XD",
                "assessment": "Cập nhật chậm",
                "result": "not_done",
                "conclusion": "Còn 2 nhiệm vụ chưa thực hiện",
                "recommendations": "Phân công cán bộ theo dõi",
                **shortcoming,
            },
        ],
    )
    page = client.get(f"/cases/inspection/{case_id}").get_data(as_text=True)
    assert f'href="{url}.docx"' in page and f'href="{url}.pdf"' in page
    download = client.get(f"{url}.docx")
    paragraphs = _paragraphs(download)
    document = Document(io.BytesIO(download.data))
    cells = "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    assert "VĂN PHÒNG UBND TỈNH THANH HÓA" in cells and "TỔ TRƯỞNG TỔ CÔNG TÁC" in cells
    assert "Kết quả kiểm tra: Kiểm tra việc thực hiện nhiệm vụ tháng 11/2026" in paragraphs
    assert "Chưa thực hiện nhiệm vụ được giao" in cells  # Đ15.3b, per unit
    assert "- Trách nhiệm: Thủ trưởng đơn vị" in paragraphs
    assert "c) Kiến nghị: Phân công cán bộ theo dõi" in paragraphs  # Đ15.3c
