"""A document's files and who reads them (Đ5.2a), and units' reports of a missing or wrong task,
through intake's HTTP API on SQLite (PostgreSQL for one journey)."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from pathlib import Path
from typing import Any

import pytest

from tests.integration.intakekit import (
    ON_BOTH_DATABASES,
    audit_records,
    events,
    outbox_seq,
    post_document,
    task_body,
    token,
)

SAMPLES = Path(__file__).parent.parent / "data" / "edxml"
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
LEAD = token("unit_officer", "SO_NNMT")
COORDINATING = token("unit_head", "14812")
OTHER_UNIT = token("unit_officer", "SO_TC")


def docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types><Override PartName="/word/document.xml" ContentType='
            '"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            "</Types>",
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def upload(intake: Any, document_id: str, data: bytes, name: str, headers: Any = None) -> Any:
    return intake.test_client.post(
        f"/api/intake/documents/{document_id}/files",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=headers or token("office"),
    )


def test_a_unit_reads_the_document_of_its_task_with_signer_dates_and_files_D5_2a(
    intake: Any,
) -> None:
    document = post_document(intake, release=True)
    uploaded = upload(intake, document["id"], PDF, "Chỉ thị 25.pdf")
    assert uploaded.status_code == 201, uploaded.get_json()
    file = uploaded.get_json()
    assert file["media_type"] == "application/pdf" and file["size"] == len(PDF)
    assert file["sha256"] == hashlib.sha256(PDF).hexdigest()
    for reader in (LEAD, COORDINATING, token("leader", None), token("office")):
        answer = intake.test_client.get(f"/api/intake/documents/{document['id']}", headers=reader)
        assert answer.status_code == 200, answer.get_json()
        body = answer.get_json()
        assert body["summary"] == "Về tăng cường quản lý đất đai"
        assert body["signer"] == {"name": "Đỗ Minh Tuấn", "position": "Chủ tịch"}
        assert body["issued_on"] == "2026-11-27" and body["tasks"][0]["due_on"] == "2026-12-31"
        assert [f["name"] for f in body["files"]] == ["Chỉ thị 25.pdf"]
    got = intake.test_client.get(file["url"], headers=LEAD)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Type"] == "application/pdf"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    disposition = got.headers["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=UTF-8''Ch%E1%BB%89%20th%E1%BB%8B%2025.pdf" in disposition
    assert [r["action"] for r in audit_records(intake, document["id"])][-1] == (
        "document.file_added"
    )


def test_another_unit_neither_reads_the_document_nor_downloads_its_files_D5_2a(
    intake: Any,
) -> None:
    document = post_document(intake, release=True)
    file = upload(intake, document["id"], PDF, "a.pdf").get_json()
    assert (
        intake.test_client.get(
            f"/api/intake/documents/{document['id']}", headers=OTHER_UNIT
        ).status_code
        == 403
    )
    assert intake.test_client.get(file["url"], headers=OTHER_UNIT).status_code == 403
    assert intake.test_client.get(file["url"], headers=token("inspector", None)).status_code == 403
    # A unit cannot add files to the document: the Office and the document system do.
    assert upload(intake, document["id"], PDF, "b.pdf", LEAD).status_code == 403


def test_a_unit_reads_its_document_once_released_and_its_task_carries_the_files_D5_2a(
    intake: Any,
) -> None:
    document = post_document(intake)  # received, not released yet
    upload(intake, document["id"], PDF, "a.pdf")
    path = f"/api/intake/documents/{document['id']}"
    assert intake.test_client.get(path, headers=LEAD).status_code == 403
    task_path = f"/api/intake/tasks/{document['tasks'][0]['id']}"
    assert "files" not in intake.test_client.get(task_path, headers=LEAD).get_json()["document"]
    released = intake.test_client.post(f"{path}/release", headers=token())
    assert released.status_code == 200
    assert intake.test_client.get(path, headers=LEAD).status_code == 200
    task = intake.test_client.get(task_path, headers=COORDINATING).get_json()
    assert [f["name"] for f in task["document"]["files"]] == ["a.pdf"]


def test_a_withdrawn_task_no_longer_opens_its_document_to_the_unit_D5_2a(intake: Any) -> None:
    document = post_document(
        intake,
        release=True,
        tasks=[task_body(), task_body(lead_unit="SO_TC", coordinating_units=[])],
    )
    task_id = document["tasks"][1]["id"]
    withdrawn = intake.test_client.post(
        f"/api/intake/tasks/{task_id}/withdraw", json={"reason": "Giao nhầm"}, headers=token()
    )
    assert withdrawn.status_code == 200, withdrawn.get_json()
    path = f"/api/intake/documents/{document['id']}"
    assert intake.test_client.get(path, headers=OTHER_UNIT).status_code == 403
    assert intake.test_client.get(path, headers=LEAD).status_code == 200


def test_files_are_typed_by_content_and_kept_once_per_content(intake: Any) -> None:
    document = post_document(intake)
    word = upload(intake, document["id"], docx(), "Kế hoạch.docx").get_json()
    assert word["media_type"].endswith("wordprocessingml.document")
    again = upload(intake, document["id"], PDF, "one.pdf").get_json()
    twice = upload(intake, document["id"], PDF, "two.pdf").get_json()
    assert again["sha256"] == twice["sha256"] and again["id"] != twice["id"]
    kept = [p for p in Path(intake.runtime.files.root).rglob("*") if p.is_file()]
    assert sorted(p.name for p in kept) == sorted({word["sha256"], again["sha256"]})
    # A PDF sent as JSON with base64 content, the other way an API client uploads.
    as_json = intake.test_client.post(
        f"/api/intake/documents/{document['id']}/files",
        json={"name": "ba.pdf", "content_base64": base64.b64encode(PDF).decode()},
        headers=token("qlvb", None),
    )
    assert as_json.status_code == 201 and as_json.get_json()["sha256"] == again["sha256"]


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"MZ\x90\x00 an executable", "bao-cao.pdf"),  # the name says PDF, the content does not
        (b"<html><script>alert(1)</script></html>", "trang.html"),
        (b"PK\x03\x04 not really a zip", "bang.xlsx"),
        (b"", "rong.pdf"),
    ],
)
def test_a_file_whose_content_is_not_an_accepted_type_is_refused_in_vietnamese(
    intake: Any, data: bytes, name: str
) -> None:
    document = post_document(intake)
    answer = upload(intake, document["id"], data, name)
    assert answer.status_code == 422
    problem = answer.get_json()
    assert answer.mimetype == "application/problem+json" and "file" in problem["errors"]
    assert not any(p.is_file() for p in Path(intake.runtime.files.root).rglob("*"))


def test_a_file_above_the_size_limit_is_refused_with_413(
    tmp_path: Path, bus_namespace: str
) -> None:
    from services.intake.app import create_app, create_service
    from tests.integration.intakekit import SECRET

    env = {
        "DATA_DIR": str(tmp_path),
        "BUS_NAMESPACE": bus_namespace,
        "JWT_SECRET": SECRET,
        "MAX_FILE_BYTES": "1000",
    }
    service = create_service(env)
    service.migrate()
    try:
        client = create_app(service).test_client()
        created = client.post(
            "/api/intake/documents",
            json={
                "number": "25/2026/CT-UBND",
                "type": "chi_thi",
                "assigned_by": "chu_tich",
                "signer": {"name": "Đỗ Minh Tuấn", "position": "Chủ tịch"},
                "issued_on": "2026-11-27",
                "summary": "Về đất đai",
                "tasks": [],
            },
            headers=token(),
        ).get_json()
        big = PDF + b"0" * 1000
        answer = client.post(
            f"/api/intake/documents/{created['id']}/files",
            data={"file": (io.BytesIO(big), "lon.pdf")},
            content_type="multipart/form-data",
            headers=token(),
        )
        assert answer.status_code == 413
        assert "1000 byte" in answer.get_json()["detail"]
        small = client.post(
            f"/api/intake/documents/{created['id']}/files",
            data={"file": (io.BytesIO(PDF), "nho.pdf")},
            content_type="multipart/form-data",
            headers=token(),
        )
        assert small.status_code == 201
    finally:
        service.runtime.platform.stop()


def test_an_edxml_message_keeps_its_encoded_attachments_as_the_document_files(
    intake: Any,
) -> None:
    xml = (SAMPLES / "qcvn102_nested_ke_hoach.xml").read_bytes()
    answer = intake.test_client.post(
        "/api/intake/documents", data=xml, content_type="application/xml", headers=token("qlvb")
    )
    assert answer.status_code == 201, answer.get_json()
    document = answer.get_json()
    assert [(f["name"], f["media_type"], f["origin"]) for f in document["files"]] == [
        ("180-KH-UBND.pdf", "application/pdf", "edxml")
    ]
    content = intake.test_client.get(document["files"][0]["url"], headers=token("office"))
    assert content.data.startswith(b"%PDF-1.4")
    # Sent again: the same document, its file not added twice.
    repeat = intake.test_client.post(
        "/api/intake/documents", data=xml, content_type="application/xml", headers=token("qlvb")
    )
    assert repeat.status_code == 200 and len(repeat.get_json()["files"]) == 1


def test_an_edxml_attachment_of_a_refused_type_refuses_the_message(intake: Any) -> None:
    xml = (SAMPLES / "qcvn102_nested_ke_hoach.xml").read_text(encoding="utf-8")
    bad = base64.b64encode(b"#!/bin/sh\nrm -rf /\n").decode()
    start = xml.index("<ContentTransferEncoded>") + len("<ContentTransferEncoded>")
    end = xml.index("</ContentTransferEncoded>")
    answer = intake.test_client.post(
        "/api/intake/documents",
        data=(xml[:start] + bad + xml[end:]).encode(),
        content_type="application/xml",
        headers=token("qlvb"),
    )
    assert answer.status_code == 422 and "attachments[0]" in answer.get_json()["errors"]
    listed = intake.test_client.get("/api/intake/documents", headers=token()).get_json()
    assert listed["total"] == 0


@ON_BOTH_DATABASES
def test_a_unit_reports_a_missing_task_and_the_office_closes_it_D5_2a(intake: Any) -> None:
    document = post_document(intake, release=True)
    path = f"/api/intake/documents/{document['id']}/task-reports"
    before = outbox_seq(intake)
    # SO_TC was given no task in this document: it tells the Office (giao thiếu).
    reported = intake.test_client.post(
        path,
        json={"problem": "missing", "reason": "Văn bản giao Sở Tài chính thẩm định kinh phí."},
        headers=OTHER_UNIT,
    )
    assert reported.status_code == 201, reported.get_json()
    report = reported.get_json()
    assert report["unit"] == "SO_TC" and report["status"] == "open"
    assert report["problem_label"] == "Giao thiếu nhiệm vụ"
    [told] = events(intake, before, "document.task_reported")
    assert told["subject"] == document["id"]
    assert told["data"]["unit"] == "SO_TC" and told["data"]["problem"] == "missing"
    assert told["data"]["document_number"] == document["number"]
    wrong = intake.test_client.post(
        path,
        json={
            "problem": "incorrect",
            "task_id": document["tasks"][0]["id"],
            "reason": "Đơn vị chủ trì phải là Sở Xây dựng.",
        },
        headers=LEAD,
    )
    assert wrong.status_code == 201
    queue = intake.test_client.get("/api/intake/task-reports?status=open", headers=token())
    # Oldest first; both were sent at the same instant of the fixed clock here.
    assert sorted(r["unit"] for r in queue.get_json()["items"]) == ["SO_NNMT", "SO_TC"]
    own = intake.test_client.get("/api/intake/task-reports", headers=OTHER_UNIT).get_json()
    assert [r["id"] for r in own["items"]] == [report["id"]]
    closed = intake.test_client.post(
        f"/api/intake/task-reports/{report['id']}/close",
        json={"note": "Đã bổ sung nhiệm vụ."},
        headers=token(),
    )
    assert closed.status_code == 200 and closed.get_json()["status"] == "closed"
    again = intake.test_client.post(
        f"/api/intake/task-reports/{report['id']}/close", headers=token()
    )
    assert again.status_code == 409
    queue = intake.test_client.get("/api/intake/task-reports?status=open", headers=token())
    assert [r["unit"] for r in queue.get_json()["items"]] == ["SO_NNMT"]


def test_a_task_report_needs_a_unit_a_reason_and_for_a_wrong_task_the_task_D5_2a(
    intake: Any,
) -> None:
    document = post_document(intake, release=True)
    path = f"/api/intake/documents/{document['id']}/task-reports"
    body = {"problem": "missing", "reason": "Thiếu nhiệm vụ"}
    assert intake.test_client.post(path, json=body, headers=token()).status_code == 403
    assert (
        intake.test_client.post(
            path, json={"problem": "incorrect", "reason": "Sai"}, headers=LEAD
        ).status_code
        == 422
    )
    assert (
        intake.test_client.post(
            path, json={"problem": "missing", "reason": ""}, headers=LEAD
        ).status_code
        == 422
    )
    assert (
        intake.test_client.post(
            "/api/intake/documents/nope/task-reports", json=body, headers=LEAD
        ).status_code
        == 404
    )
    assert (
        intake.test_client.post(
            "/api/intake/task-reports/x/close", json={}, headers=LEAD
        ).status_code
        == 403
    )


def test_a_file_larger_than_json_bodies_uploads_once_with_an_idempotency_key(
    intake: Any,
) -> None:
    document = post_document(intake)
    large = PDF + b"%" * (3 * 1024 * 1024)  # above MAX_BODY_BYTES, below MAX_FILE_BYTES
    boundary = "tep-lon-ranh-gioi"
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="lon.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n"
        ).encode()
        + large
        + f"\r\n--{boundary}--\r\n".encode()
    )

    def send() -> Any:  # the same bytes each time, as a client's retry sends them
        return intake.test_client.post(
            f"/api/intake/documents/{document['id']}/files",
            data=body,
            content_type=f"multipart/form-data; boundary={boundary}",
            headers={**token("office"), "Idempotency-Key": "tep-lon-1"},
        )

    first = send()
    assert first.status_code == 201, first.get_json()
    again = send()
    assert again.headers.get("Idempotent-Replayed") == "true"
    assert again.get_json()["id"] == first.get_json()["id"]
    assert first.get_json()["size"] == len(large)


def test_a_unit_given_no_task_reports_it_by_the_documents_number_D5_2a(intake: Any) -> None:
    document = post_document(intake, release=True, number="77/CT-UBND")
    post_document(intake, number="78/CT-UBND")  # received, not released: not found by number
    body = {"document_number": "77/CT-UBND", "reason": "Văn bản giao Sở Tài chính thẩm định"}
    answer = intake.test_client.post("/api/intake/task-reports", json=body, headers=OTHER_UNIT)
    assert answer.status_code == 201, answer.get_json()
    report = answer.get_json()
    assert (report["document_id"], report["problem"], report["unit"]) == (
        document["id"],
        "missing",
        "SO_TC",
    )
    unknown = {**body, "document_number": "78/CT-UBND"}
    refused = intake.test_client.post("/api/intake/task-reports", json=unknown, headers=LEAD)
    assert refused.status_code == 422 and "document_number" in refused.get_json()["errors"]
    office = intake.test_client.post("/api/intake/task-reports", json=body, headers=token())
    assert office.status_code == 403


@ON_BOTH_DATABASES
def test_the_office_s_intake_queues_are_its_two_lists_in_one_answer_D6_1_D5_2a(
    intake: Any,
) -> None:
    received = [post_document(intake) for _ in range(3)]
    released = post_document(intake, release=True)
    reported = intake.test_client.post(
        f"/api/intake/documents/{released['id']}/task-reports",
        json={"problem": "missing", "reason": "Văn bản giao Sở Tài chính thẩm định kinh phí."},
        headers=OTHER_UNIT,
    )
    assert reported.status_code == 201

    def get(path: str) -> Any:
        answer = intake.test_client.get(path, headers=token())
        assert answer.status_code == 200, answer.get_json()
        return answer.get_json()

    queues = get("/api/intake/queues?limit=2")

    documents = get("/api/intake/documents?status=received&tasks=count&limit=2")
    assert queues["documents"] == {"total": 3, "items": documents["items"]}
    assert {d["id"] for d in documents["items"]} <= {d["id"] for d in received}
    reports = get("/api/intake/task-reports?status=open&limit=2")
    assert queues["task_reports"] == {"total": 1, "items": reports["items"]}
    assert queues["task_reports"]["items"][0]["id"] == reported.get_json()["id"]
    # The Office's queues: a unit's staff and leaders read their own lists instead.
    for who in (OTHER_UNIT, token("leader", None)):
        assert intake.test_client.get("/api/intake/queues", headers=who).status_code == 403
