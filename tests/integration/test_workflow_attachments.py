"""Files sent with a task's progress, results and contributions (Đ6.2a: results are reported with
their documents), through the workflow's HTTP API on SQLite (and once on PostgreSQL)."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from typing import Any

from tests.integration.workflowkit import (
    COORDINATOR,
    LEAD,
    OFFICE,
    STRANGER,
    act,
    auth,
    on_both_databases,
    release,
)

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(workflow: Any, task_id: str, who: dict[str, str], data: bytes, name: str) -> Any:
    return workflow.client.post(
        f"/api/workflow/tasks/{task_id}/files",
        data={"file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers=who,
    )


def history_entry(body: dict[str, Any], action: str) -> dict[str, Any]:
    return next(h for h in reversed(body["history"]) if h["action"] == action)


@on_both_databases()
def test_a_unit_submits_its_result_with_documents_that_its_readers_download_D6_2a(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    assert act(workflow, task_id, "accept", LEAD).status_code == 200
    report = upload(workflow, task_id, LEAD, PDF, "Báo cáo kết quả.pdf")
    assert report.status_code == 201, report.get_json()
    file = report.get_json()
    assert file["media_type"] == "application/pdf" and file["unit"] == "SO_TC"
    submitted = act(
        workflow, task_id, "submit_result", LEAD, note="Đã hoàn thành", attachments=[file["id"]]
    )
    assert submitted.status_code == 200, submitted.get_json()
    entry = history_entry(submitted.get_json(), "submit_result")
    assert [a["name"] for a in entry["attachments"]] == ["Báo cáo kết quả.pdf"]
    detail = workflow.client.get(f"/api/workflow/tasks/{task_id}", headers=OFFICE).get_json()
    assert history_entry(detail, "submit_result")["attachments"][0]["id"] == file["id"]
    assert history_entry(detail, "accept")["attachments"] == []
    for reader in (OFFICE, LEAD, COORDINATOR, auth("leader", None)):
        got = workflow.client.get(file["url"], headers=reader)
        assert got.status_code == 200 and got.data == PDF
        assert got.headers["Content-Disposition"].startswith("attachment;")
        assert got.headers["X-Content-Type-Options"] == "nosniff"
    # Another unit reads neither the task nor its files.
    assert workflow.client.get(file["url"], headers=STRANGER).status_code == 403


def test_progress_and_a_coordinating_units_contribution_carry_files_D6_2a(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    act(workflow, task_id, "accept", LEAD)
    picture = upload(workflow, task_id, LEAD, PNG, "hien-truong.png").get_json()
    progress = act(workflow, task_id, "report_progress", LEAD, attachments=[picture["id"]])
    assert progress.status_code == 200, progress.get_json()
    sent = history_entry(progress.get_json(), "report_progress")["attachments"]
    assert sent[0]["media_type"] == "image/png"
    part = workflow.client.post(
        f"/api/workflow/tasks/{task_id}/files",
        json={"name": "so-lieu.pdf", "content_base64": base64.b64encode(PDF).decode()},
        headers=COORDINATOR,
    ).get_json()
    contributed = act(
        workflow, task_id, "contribute", COORDINATOR, note="Số liệu", attachments=[part["id"]]
    )
    assert contributed.status_code == 200, contributed.get_json()
    assert history_entry(contributed.get_json(), "contribute")["attachments"][0]["unit"] == "SO_XD"


def test_an_action_names_only_its_units_files_not_sent_yet(workflow: Any) -> None:
    task_id = release(workflow)
    act(workflow, task_id, "accept", LEAD)
    mine = upload(workflow, task_id, LEAD, PDF, "a.pdf").get_json()
    theirs = upload(workflow, task_id, COORDINATOR, PDF, "b.pdf").get_json()
    # A file not sent yet is its unit's: the other unit of the task does not download it.
    assert workflow.client.get(theirs["url"], headers=LEAD).status_code == 403
    refused = act(workflow, task_id, "report_progress", LEAD, attachments=[theirs["id"], "nope"])
    assert refused.status_code == 422 and len(refused.get_json()["errors"]["attachments"]) == 2
    accepted = act(workflow, task_id, "report_progress", LEAD, attachments=[mine["id"]])
    assert accepted.status_code == 200
    again = act(workflow, task_id, "report_progress", LEAD, attachments=[mine["id"]])
    assert again.status_code == 422
    # An action that takes no files refuses them (its schema has no `attachments`).
    assert act(workflow, task_id, "urge", OFFICE, attachments=[mine["id"]]).status_code == 422
    # The stranger may neither upload nor send.
    assert upload(workflow, task_id, STRANGER, PDF, "c.pdf").status_code == 403


def test_task_files_are_typed_by_content_and_size_limited(workflow: Any) -> None:
    task_id = release(workflow)
    refused = upload(workflow, task_id, LEAD, b"<?php echo 1; ?>", "bao-cao.pdf")
    assert refused.status_code == 422
    assert "Chỉ nhận tệp" in refused.get_json()["errors"]["file"][0]
    workflow.runtime.files.max_bytes = 100
    big = upload(workflow, task_id, LEAD, PDF + b"0" * 100, "lon.pdf")
    assert big.status_code == 413 and big.get_json()["title"] == "Tệp quá lớn"
    assert not any(p.is_file() for p in Path(workflow.runtime.files.root).rglob("*"))


INFO = "/api/workflow/info-requests"


def test_a_unit_answers_an_information_request_with_a_file_D9_2(workflow: Any) -> None:
    opened = workflow.client.post(
        INFO,
        json={
            "subject": "topic",
            "topic": "Giải ngân vốn đầu tư công",
            "question": "Đề nghị báo cáo tỷ lệ giải ngân",
            "units": ["SO_TC"],
            "due_on": "2026-12-04",
        },
        headers=OFFICE,
    )
    case_id = opened.get_json()["items"][0]["id"]
    path = f"{INFO}/{case_id}/files"
    refused = workflow.client.post(
        path,
        data={"file": (io.BytesIO(PDF), "x.pdf")},
        content_type="multipart/form-data",
        headers=STRANGER,
    )
    assert refused.status_code == 403
    uploaded = workflow.client.post(
        path,
        data={"file": (io.BytesIO(PDF), "Báo cáo giải ngân.pdf")},
        content_type="multipart/form-data",
        headers=LEAD,
    )
    assert uploaded.status_code == 201, uploaded.get_json()
    file = uploaded.get_json()
    assert file["url"] == f"{path}/{file['id']}"
    answered = workflow.client.post(
        f"{INFO}/{case_id}/actions/answer",
        json={
            "text": "Đã giải ngân 61%",
            "attachments": [{"name": "Báo cáo giải ngân.pdf", "file_id": file["id"]}],
        },
        headers=LEAD,
    )
    assert answered.status_code == 200, answered.get_json()
    assert answered.get_json()["data"]["attachments"][0]["file_id"] == file["id"]
    got = workflow.client.get(file["url"], headers=OFFICE)
    assert got.status_code == 200 and got.data == PDF
    assert got.headers["Content-Disposition"].startswith("attachment;")
    assert workflow.client.get(file["url"], headers=STRANGER).status_code == 403


def test_an_answer_names_only_files_uploaded_to_its_case_D9_2(workflow: Any) -> None:
    def ask() -> str:
        opened = workflow.client.post(
            INFO,
            json={
                "subject": "topic",
                "topic": "Số liệu",
                "question": "Đề nghị báo cáo",
                "units": ["SO_TC"],
                "due_on": "2026-12-04",
            },
            headers=OFFICE,
        )
        return str(opened.get_json()["items"][0]["id"])

    first, second = ask(), ask()
    other = workflow.client.post(
        f"{INFO}/{first}/files",
        data={"file": (io.BytesIO(PDF), "a.pdf")},
        content_type="multipart/form-data",
        headers=LEAD,
    ).get_json()
    answer = workflow.client.post(
        f"{INFO}/{second}/actions/answer",
        json={"text": "x", "attachments": [{"name": "a.pdf", "file_id": other["id"]}]},
        headers=LEAD,
    )
    assert answer.status_code == 422 and "attachments" in answer.get_json()["errors"]
