"""Official documents through reporting's API (docs/documents.md): a report rendered as DOCX
from its kind's template in force (and as PDF when LibreOffice is installed); the Office's
templates — uploaded (checked against the kind's sample; a broken one refused in Vietnamese with
the template in force kept), versioned, downloaded, reset to the shipped one."""

from __future__ import annotations

import base64
import io
from typing import Any

import pytest
from docx import Document
from sqlalchemy import select

from services.reporting.documents import pdf
from services.reporting.documents.registry import KINDS, shipped
from tests.conftest import skip_or_fail
from tests.integration.reportingkit import headers

API = "/api/reporting"


def _docx_of(answer: Any) -> list[str]:
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert answer.mimetype.endswith("wordprocessingml.document")
    return [p.text for p in Document(io.BytesIO(answer.data)).paragraphs]


def _template(title: str) -> bytes:
    """The shipped unit report's template with its type line changed to `title`."""
    document = Document(io.BytesIO(shipped("unit_report")))
    first = next(p for p in document.paragraphs if p.text == "BÁO CÁO")
    first.runs[0].text = title
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _upload(
    service: Any, kind: str, body: bytes, role: str = "office", name: str = "mau.docx"
) -> Any:
    return service.client.post(
        f"{API}/document-templates/{kind}",
        data={"file": (io.BytesIO(body), name)},
        content_type="multipart/form-data",
        headers=headers(role),
    )


def _render(
    service: Any, kind: str = "unit_report", fmt: str = "docx", role: str = "office"
) -> Any:
    body = {"data": KINDS[kind].sample}
    return service.client.post(f"{API}/documents/{kind}.{fmt}", json=body, headers=headers(role))


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_each_kind_renders_from_its_shipped_template_D18_1_D18_2_D15_3_D10_1d_D20_1(
    reporting: Any, kind: str
) -> None:
    paragraphs = _docx_of(_render(reporting, kind))
    assert paragraphs[0] == "BÁO CÁO" and paragraphs[1]


def test_a_unit_renders_its_own_report_as_a_document_D18_1(reporting: Any) -> None:
    answer = _render(reporting, role="unit_head")
    assert "Tình hình, kết quả" in _docx_of(answer)[1]
    assert "bao-cao-2026-Q4-SO_TC.docx" in answer.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "reporting",
    ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)],
    indirect=True,
)
def test_the_office_uploads_a_template_and_documents_follow_it_then_resets_it_D18_1(
    reporting: Any,
) -> None:
    answer = _upload(reporting, "unit_report", _template("BÁO CÁO (mẫu mới)"))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    found = answer.get_json()
    assert (found["version"], found["shipped"], found["current"]["name"]) == (1, False, "mau.docx")
    assert _docx_of(_render(reporting))[0] == "BÁO CÁO (mẫu mới)"
    download = reporting.client.get(f"{API}/document-templates/unit_report.docx", headers=headers())
    assert _docx_of(download)[0] == "BÁO CÁO (mẫu mới)"
    reset = reporting.client.post(f"{API}/document-templates/unit_report/reset", headers=headers())
    assert reset.status_code == 200 and reset.get_json()["shipped"] is True
    assert [v["version"] for v in reset.get_json()["versions"]] == [2, 1]  # both kept
    assert _docx_of(_render(reporting))[0] == "BÁO CÁO"
    with reporting.runtime.platform.database.read() as conn:
        audit = reporting.runtime.platform.audit_log.table
        actions = [row.action for row in conn.execute(select(audit.c.action))]
    assert actions[-2:] == ["document_template.uploaded", "document_template.reset"]


def test_a_broken_template_is_refused_in_vietnamese_and_the_old_one_kept_D18_1(
    reporting: Any,
) -> None:
    assert _upload(reporting, "unit_report", _template("BÁO CÁO (1)")).status_code == 201
    broken = _upload(reporting, "unit_report", _template("{% for x in %}"))
    assert broken.status_code == 422
    problem = broken.get_json()
    assert problem["detail"].startswith("Mẫu văn bản không dùng được")
    assert "Lỗi cú pháp" in problem["errors"]["file"][0]
    unknown = _upload(reporting, "unit_report", _template("{{ case.nothing.deeper }}"))
    assert unknown.status_code == 422  # a name the sample does not have
    pdf_file = _upload(reporting, "unit_report", b"%PDF-1.4 not a template", name="mau.pdf")
    assert pdf_file.status_code == 422
    assert pdf_file.get_json()["detail"] == "Mẫu văn bản phải là tệp Word (.docx)."
    listing = reporting.client.get(f"{API}/document-templates", headers=headers()).get_json()
    unit_report = next(item for item in listing["items"] if item["kind"] == "unit_report")
    assert unit_report["version"] == 1 and len(unit_report["versions"]) == 1
    assert _docx_of(_render(reporting))[0] == "BÁO CÁO (1)"
    assert {item["kind"] for item in listing["items"]} == set(KINDS)


def test_only_the_office_changes_templates(reporting: Any) -> None:
    assert _upload(reporting, "unit_report", _template("X"), role="unit_head").status_code == 403
    refused = reporting.client.post(
        f"{API}/document-templates/unit_report/reset", headers=headers("unit_head")
    )
    assert refused.status_code == 403
    listing = reporting.client.get(f"{API}/document-templates", headers=headers("unit_head"))
    assert listing.status_code == 403
    assert _upload(reporting, "no_such_kind", _template("X")).status_code == 404


def test_a_template_uploaded_as_json_base64_is_taken_too(reporting: Any) -> None:
    body = {"name": "mau.docx", "content_base64": base64.b64encode(_template("BÁO CÁO")).decode()}
    answer = reporting.client.post(
        f"{API}/document-templates/annual_report", json=body, headers=headers()
    )
    assert answer.status_code == 201, answer.get_data(as_text=True)


def test_a_report_as_pdf_D18_1(reporting: Any) -> None:
    if pdf.soffice() is None:
        skip_or_fail("LibreOffice is not installed (libreoffice-writer-nogui)")
    answer = _render(reporting, fmt="pdf")
    assert answer.status_code == 200 and answer.data.startswith(b"%PDF-")
    assert answer.mimetype == "application/pdf"


def test_a_pdf_without_libreoffice_answers_503_in_vietnamese_and_docx_still_works(
    reporting: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pdf, "soffice", lambda env=None: None)
    answer = _render(reporting, fmt="pdf")
    assert answer.status_code == 503
    assert "LibreOffice" in answer.get_json()["detail"]
    assert _docx_of(_render(reporting))[0] == "BÁO CÁO"


@pytest.mark.parametrize(
    "data", [{"case": "not a case"}, {"case": {"data": {"figures": [1]}}}, {"on": "hôm qua"}]
)
def test_data_of_the_wrong_shape_is_refused_not_a_crash(reporting: Any, data: Any) -> None:
    answer = reporting.client.post(
        f"{API}/documents/unit_report.docx", json={"data": data}, headers=headers()
    )
    assert answer.status_code == 422
    assert (
        answer.get_json()["detail"] == "Dữ liệu của văn bản không đúng dạng của loại văn bản này."
    )
