"""Documents and files in the web application: a unit's task page shows its document's summary,
signer, dates and files (Đ5.2a); its progress and result forms send files (Đ6.2a); its document
page reports a missing or wrong task, which the Office's home lists and closes (Đ5.2a)."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.integration.webkit import WebSystem, running_system, sign_in
from tests.polling import wait_for

OFFICE = ("office", "VP_UBND")
UNIT_A = ("unit_officer", "SO_TC")
UNIT_B = ("unit_officer", "SO_XD")
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[WebSystem]:
    yield from running_system(Path(tmp_path_factory.mktemp("webfiles")))


def released(web: WebSystem, content: str) -> tuple[str, str]:
    """A released document with one task for SO_TC and a PDF: (document id, task id)."""
    body = {
        "source_id": f"web-files-{uuid.uuid4().hex[:8]}",
        "number": f"{uuid.uuid4().int % 9000 + 100}/UBND-KTTC",
        "type": "cong_van",
        "assigned_by": "pho_chu_tich",
        "signer": {"name": "Lê Văn C", "position": "Phó Chủ tịch UBND tỉnh"},
        "issued_on": "2026-12-01",
        "summary": "Về rà soát vốn đầu tư công",
        "release": True,
        "tasks": [
            {
                "content": content,
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": "2027-03-31",
                "cadence": None,
            }
        ],
    }
    document = web.api("POST", "/api/intake/documents", *OFFICE, json=body).json()
    uploaded = web.api(
        "POST",
        f"/api/intake/documents/{document['id']}/files",
        *OFFICE,
        files={"file": ("Công văn.pdf", PDF, "application/pdf")},
    )
    assert uploaded.status_code == 201, uploaded.text
    task_id = document["tasks"][0]["id"]
    wait_for(
        lambda: web.api("GET", f"/api/workflow/tasks/{task_id}", *OFFICE).status_code == 200,
        what=f"task {task_id} in the workflow",
    )
    return document["id"], task_id


def test_the_task_page_shows_the_document_and_its_files_to_the_unit_D5_2a(
    web: WebSystem,
) -> None:
    document_id, task_id = released(web, "Rà soát giải ngân (tệp)")
    client = web.app().test_client()
    sign_in(client, *UNIT_A)
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert "Về rà soát vốn đầu tư công" in page and "Lê Văn C" in page and "01/12/2026" in page
    link = f"/documents/{document_id}/files/"
    assert link in page and "Công văn.pdf" in page
    href = page[page.index(link) :].split('"', 1)[0]
    got = client.get(href)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    # Another unit neither reads the document's page nor downloads its file.
    other = web.app().test_client()
    sign_in(other, *UNIT_B)
    assert other.get(f"/documents/{document_id}").status_code == 403
    assert other.get(href).status_code == 403


def test_a_unit_submits_its_result_with_a_file_from_the_task_page_D6_2a(
    web: WebSystem,
) -> None:
    _document_id, task_id = released(web, "Báo cáo kết quả có tệp")
    client = web.app().test_client()
    token = sign_in(client, *UNIT_A)
    assert client.post(
        f"/tasks/{task_id}/actions/accept", data={"csrf_token": token}
    ).status_code == (303)
    form = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    assert 'hx-encoding="multipart/form-data"' in form and 'type="file"' in form
    refused = client.post(
        f"/tasks/{task_id}/actions/submit_result",
        data={
            "csrf_token": token,
            "note": "Đã xong",
            "file": (io.BytesIO(b"<script>alert(1)</script>"), "ket-qua.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert 'id="f-submit_result-file-error"' in refused.get_data(as_text=True)
    sent = client.post(
        f"/tasks/{task_id}/actions/submit_result",
        data={
            "csrf_token": token,
            "note": "Đã xong",
            "file": (io.BytesIO(PDF), "Kết quả.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    page = client.get(f"/tasks/{task_id}").get_data(as_text=True)
    link = f"/tasks/{task_id}/files/"
    assert "Kết quả.pdf" in page and link in page
    href = page[page.index(link) :].split('"', 1)[0]
    assert client.get(href).data == PDF
    office = web.app().test_client()
    sign_in(office, *OFFICE)
    assert office.get(href).status_code == 200
    stranger = web.app().test_client()
    sign_in(stranger, *UNIT_B)
    assert stranger.get(href).status_code == 403


def test_a_unit_reports_a_wrong_task_and_the_office_closes_it_from_its_home_D5_2a(
    web: WebSystem,
) -> None:
    document_id, task_id = released(web, "Nhiệm vụ giao chưa đúng")
    client = web.app().test_client()
    token = sign_in(client, *UNIT_A)
    page = client.get(f"/documents/{document_id}").get_data(as_text=True)
    assert 'name="problem"' in page and "Bổ sung nhiệm vụ bị giao thiếu" not in page
    missing = client.post(
        f"/documents/{document_id}/task-reports", data={"csrf_token": token, "problem": "missing"}
    )
    assert missing.status_code == 422
    sent = client.post(
        f"/documents/{document_id}/task-reports",
        data={
            "csrf_token": token,
            "problem": "incorrect",
            "task_id": task_id,
            "reason": "Nhiệm vụ thuộc Sở Xây dựng chủ trì",
        },
    )
    assert sent.status_code == 303, sent.get_data(as_text=True)[:3000]
    assert "Chờ Văn phòng xử lý" in client.get(f"/documents/{document_id}").get_data(as_text=True)
    office = web.app().test_client()
    office_token = sign_in(office, *OFFICE)
    home = office.get("/office").get_data(as_text=True)
    section = home[home.index('id="q-task-reports"') :]
    assert "Nhiệm vụ thuộc Sở Xây dựng chủ trì" in section
    report_id = section.split("/task-reports/", 1)[1].split("/close", 1)[0]
    closed = office.post(
        f"/task-reports/{report_id}/close", data={"csrf_token": office_token, "note": "Đã chuyển"}
    )
    assert closed.status_code == 303
    home = office.get("/office").get_data(as_text=True)
    assert "Nhiệm vụ thuộc Sở Xây dựng chủ trì" not in home


def test_the_office_adds_a_file_to_a_document_from_its_page(web: WebSystem) -> None:
    document_id, _task_id = released(web, "Văn bản thêm tệp")
    office = web.app().test_client()
    token = sign_in(office, *OFFICE)
    refused = office.post(
        f"/documents/{document_id}/files",
        data={"csrf_token": token, "file": (io.BytesIO(b"MZ\x90\x00"), "chuong-trinh.pdf")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422 and 'id="f-file-error"' in refused.get_data(as_text=True)
    added = office.post(
        f"/documents/{document_id}/files",
        data={"csrf_token": token, "file": (io.BytesIO(PDF), "Phụ lục.pdf")},
        content_type="multipart/form-data",
    )
    assert added.status_code == 303
    page = office.get(f"/documents/{document_id}").get_data(as_text=True)
    assert "Phụ lục.pdf" in page and "Công văn.pdf" in page
    unit = web.app().test_client()
    unit_token = sign_in(unit, *UNIT_A)
    answer = unit.post(
        f"/documents/{document_id}/files",
        data={"csrf_token": unit_token, "file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
    )
    assert answer.status_code == 403


def test_a_unit_given_no_task_reports_it_from_its_home_D5_2a(web: WebSystem) -> None:
    document_id, _task_id = released(web, "Nhiệm vụ giao thiếu đơn vị")
    number = web.api("GET", f"/api/intake/documents/{document_id}", *OFFICE).json()["number"]
    client = web.app().test_client()
    token = sign_in(client, *UNIT_B)  # SO_XD was given no task in this document
    assert 'id="u-report"' in client.get("/unit").get_data(as_text=True)
    sent = client.post(
        "/task-reports",
        data={"csrf_token": token, "document_number": number, "reason": "Cần giao Sở Xây dựng"},
    )
    assert sent.status_code == 303
    assert "Đã gửi báo cáo giao thiếu" in client.get("/unit").get_data(as_text=True)
    refused = client.post(
        "/task-reports",
        data={"csrf_token": token, "document_number": "0/KHONG-CO", "reason": "x"},
    )
    assert refused.status_code == 303
    assert "Không có văn bản đã chuyển theo dõi" in client.get("/unit").get_data(as_text=True)
    reports = web.api("GET", "/api/intake/task-reports?unit=SO_XD", *OFFICE).json()["items"]
    assert any(r["reason"] == "Cần giao Sở Xây dựng" for r in reports)
