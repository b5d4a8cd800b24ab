"""The authorisation matrix (docs/contracts.md, Roles and scoping): every role relation against
every kind of request on a task and on its document, written as tables and checked cell by cell
through the workflow and intake APIs.

A row is who asks — the Office, its leader, a provincial leader, the lead unit's officer and head,
a coordinating unit, an unrelated unit, an inspector with no inspection running, a process owner,
the document system, another agency's system, and nobody. A column is one request on a task the
lead unit SO_TC leads and SO_XD coordinates. A cell is the status the API answers. Each write runs
on a task of its own, in the state that offers it, so that no cell depends on another; a refused
write must leave the task as it was. The table is compared whole, so a failure lists every cell
that moved.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tests.integration import intakekit, workflowkit
from tests.integration.workflowkit import LEAD, OFFICE, act, auth, release

TASKS = "/api/workflow/tasks"

WHO: dict[str, dict[str, str]] = {
    "office": OFFICE,
    "office_lead": auth("office_lead", "VP_UBND"),
    "leader": auth("leader", "UBND"),
    "lead_officer": LEAD,  # SO_TC leads
    "lead_head": auth("unit_head", "SO_TC"),
    "coordinating": auth("unit_officer", "SO_XD"),
    "other_unit": auth("unit_officer", "SO_YT"),
    "other_head": auth("unit_head", "SO_YT"),
    "inspector": auth("inspector", "VP_UBND"),
    "process_owner": auth("process_owner", "VP_UBND"),
    "qlvb": auth("qlvb", None),
    "agency": auth("agency", None),
    "nobody": {},
}

# What each relation may do (Đ5.2a, Đ6, Đ7.1, Đ8.1–8.2, Đ11; docs/contracts.md, Roles and
# scoping). Reads: the task, whether the task list shows it, its diagram. Writes: the lead unit's
# accept and result (Đ6.2), the coordinating unit's contribution (Đ8.2b), the Office's urging and
# withdrawal (Đ8.1), a file for the task (Đ6.2a).
COLUMNS = (
    "read",
    "listed",
    "diagram",
    "accept",
    "submit_result",
    "contribute",
    "urge",
    "withdraw",
    "upload",
)
EXPECTED: dict[str, tuple[int, ...]] = {
    #                read listed diag  accept result contr urge  withdr upload
    "office": (200, 200, 200, 403, 403, 403, 200, 200, 201),
    "office_lead": (200, 200, 200, 403, 403, 403, 200, 200, 201),
    "leader": (200, 200, 200, 403, 403, 403, 403, 403, 403),
    "lead_officer": (200, 200, 200, 200, 200, 403, 403, 403, 201),
    "lead_head": (200, 200, 200, 200, 200, 403, 403, 403, 201),
    "coordinating": (200, 200, 200, 403, 403, 200, 403, 403, 201),
    "other_unit": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "other_head": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "inspector": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "process_owner": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "qlvb": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "agency": (403, 404, 403, 403, 403, 403, 403, 403, 403),
    "nobody": (401, 401, 401, 401, 401, 401, 401, 401, 401),
}

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def accepted(service: Any) -> str:
    task_id = release(service)
    assert act(service, task_id, "accept", LEAD).status_code == 200
    return task_id


def status_of(service: Any, task_id: str) -> tuple[str, int]:
    task = service.client.get(f"{TASKS}/{task_id}", headers=OFFICE).get_json()
    return task["status"], len(task["history"])


def read(service: Any, who: dict[str, str], task_id: str) -> int:
    return int(service.client.get(f"{TASKS}/{task_id}", headers=who).status_code)


def listed(service: Any, who: dict[str, str], task_id: str) -> int:
    """200 when the list shows the task, 404 when it answers without it, else the refusal."""
    answer = service.client.get(TASKS, headers=who, query_string={"limit": 500})
    if answer.status_code != 200:
        return int(answer.status_code)
    return 200 if task_id in {item["id"] for item in answer.get_json()["items"]} else 404


def diagram(service: Any, who: dict[str, str], task_id: str) -> int:
    return int(service.client.get(f"{TASKS}/{task_id}/diagram", headers=who).status_code)


def upload(service: Any, who: dict[str, str], task_id: str) -> int:
    body = {"file": (io.BytesIO(PDF), "bao-cao.pdf")}
    answer = service.client.post(
        f"{TASKS}/{task_id}/files", headers=who, data=body, content_type="multipart/form-data"
    )
    return int(answer.status_code)


def writing(action: str, body: dict[str, Any], prepare: Callable[[Any], str]) -> Any:
    """A write on a fresh task: its status, and a refused write changes nothing."""

    def cell(service: Any, who: dict[str, str], _shared: str) -> int:
        task_id = prepare(service)
        before = status_of(service, task_id)
        code = int(act(service, task_id, action, who, **body).status_code)
        if code >= 400:
            assert status_of(service, task_id) == before, (action, who)
        return code

    return cell


CELLS: dict[str, Callable[[Any, dict[str, str], str], int]] = {
    "read": read,
    "listed": listed,
    "diagram": diagram,
    "accept": writing("accept", {}, release),
    "submit_result": writing("submit_result", {"note": "Đã hoàn thành rà soát"}, accepted),
    "contribute": writing("contribute", {"note": "Sở Xây dựng đã gửi số liệu"}, accepted),
    "urge": writing("urge", {"note": "Đề nghị khẩn trương"}, accepted),
    "withdraw": writing("withdraw", {"reason": "Văn bản đã được thay thế"}, release),
    "upload": upload,
}


@workflowkit.on_both_databases()
def test_who_may_read_and_act_on_a_task_D5_2a_D6_D8_1_D8_2b_D11(workflow: Any) -> None:
    shared = accepted(workflow)
    actual = {
        relation: tuple(CELLS[column](workflow, who, shared) for column in COLUMNS)
        for relation, who in WHO.items()
    }
    assert_table(COLUMNS, EXPECTED, actual)


def assert_table(
    columns: tuple[str, ...],
    expected: dict[str, tuple[int, ...]],
    actual: dict[str, tuple[int, ...]],
) -> None:
    assert set(actual) == set(expected)
    moved = {
        f"{relation}.{column}": (want, got)
        for relation in expected
        for column, want, got in zip(columns, expected[relation], actual[relation], strict=True)
        if want != got
    }
    assert moved == {}, "cells that differ (expected, answered): " + repr(moved)


# -- a task's document (Đ5.2a, Đ3.2) ------------------------------------------------------------
# The document a task of SO_NNMT (lead) and 14812 (coordinating) comes from. Reads: the document,
# one of its files, its status messages back to the document system; writes: a file for it, and a
# unit's report of a missing or wrong task on it (any unit's staff may report it to the Office,
# Đ5.2a; the Office corrects the document itself).
WHO_DOCUMENT: dict[str, dict[str, str]] = {
    "office": intakekit.token("office"),
    "office_lead": intakekit.token("office_lead"),
    "leader": intakekit.token("leader", None),
    "lead_officer": intakekit.token("unit_officer", "SO_NNMT"),
    "lead_head": intakekit.token("unit_head", "SO_NNMT"),
    "coordinating": intakekit.token("unit_officer", "14812"),
    "other_unit": intakekit.token("unit_officer", "SO_TC"),
    "inspector": intakekit.token("inspector", "VP_UBND"),
    "process_owner": intakekit.token("process_owner", "VP_UBND"),
    "qlvb": intakekit.token("qlvb", None),
    "agency": intakekit.token("agency", None),
    "nobody": {},
}
DOCUMENT_COLUMNS = ("read", "download", "status_messages", "upload", "report_missing_task")
DOCUMENT_EXPECTED: dict[str, tuple[int, ...]] = {
    #                read  file  status upload report
    "office": (200, 200, 200, 201, 403),
    "office_lead": (200, 200, 200, 201, 403),
    "leader": (200, 200, 200, 403, 403),
    "lead_officer": (200, 200, 403, 403, 201),
    "lead_head": (200, 200, 403, 403, 201),
    "coordinating": (200, 200, 403, 403, 201),
    "other_unit": (403, 403, 403, 403, 201),
    "inspector": (403, 403, 403, 403, 403),
    "process_owner": (403, 403, 403, 403, 403),
    "qlvb": (200, 200, 200, 201, 403),
    "agency": (403, 403, 403, 403, 403),
    "nobody": (401, 401, 401, 401, 401),
}


@intakekit.ON_BOTH_DATABASES
def test_who_may_read_a_task_s_document_and_its_files_D5_2a_D3_2(intake: Any) -> None:
    document = intakekit.released_document(intake)
    document_id = document["id"]
    path = f"/api/intake/documents/{document_id}"
    file_url = document_file(intake, document_id, intakekit.token("office"))
    client = intake.test_client

    def report(who: dict[str, str]) -> int:
        body = {"problem": "missing", "reason": "Văn bản giao cho Sở nhưng chưa có nhiệm vụ"}
        return int(client.post(f"{path}/task-reports", json=body, headers=who).status_code)

    cells: dict[str, Callable[[dict[str, str]], int]] = {
        "read": lambda who: int(client.get(path, headers=who).status_code),
        "download": lambda who: int(client.get(file_url, headers=who).status_code),
        "status_messages": lambda who: int(
            client.get(f"{path}/status-messages", headers=who).status_code
        ),
        "upload": lambda who: add_file(client, document_id, who),
        "report_missing_task": report,
    }
    actual = {
        relation: tuple(cells[column](who) for column in DOCUMENT_COLUMNS)
        for relation, who in WHO_DOCUMENT.items()
    }
    assert_table(DOCUMENT_COLUMNS, DOCUMENT_EXPECTED, actual)


def add_file(client: Any, document_id: str, who: dict[str, str]) -> int:
    answer = client.post(
        f"/api/intake/documents/{document_id}/files",
        data={"file": (io.BytesIO(PDF), "phu-luc.pdf")},
        content_type="multipart/form-data",
        headers=who,
    )
    return int(answer.status_code)


def document_file(intake: Any, document_id: str, who: dict[str, str]) -> str:
    answer = intake.test_client.post(
        f"/api/intake/documents/{document_id}/files",
        data={"file": (io.BytesIO(PDF), "chi-thi.pdf")},
        content_type="multipart/form-data",
        headers=who,
    )
    assert answer.status_code == 201, answer.get_json()
    return str(answer.get_json()["url"])


# -- cases and process models (Đ9, Đ11, Đ13; docs/adding-a-process.md, 2. Lanes and roles) --------
# An information request to SO_TC (Đ9.2): who reads it and who answers it; the process models:
# every signed-in caller lists them (the diagrams are the rules every task page shows), only a
# process owner checks a diagram before deploying it.
CASE_COLUMNS = ("read_request", "answer_request", "process_models", "validate_model")
CASE_EXPECTED: dict[str, tuple[int, ...]] = {
    #                read  answer models validate
    "office": (200, 403, 200, 403),
    "office_lead": (200, 403, 200, 403),
    "leader": (200, 403, 200, 403),
    "lead_officer": (200, 200, 200, 403),
    "lead_head": (200, 200, 200, 403),
    "coordinating": (403, 403, 200, 403),
    "other_unit": (403, 403, 200, 403),
    "other_head": (403, 403, 200, 403),
    "inspector": (200, 403, 200, 403),
    "process_owner": (403, 403, 200, 200),
    "qlvb": (403, 403, 200, 403),
    "agency": (403, 403, 200, 403),
    "nobody": (401, 401, 401, 401),
}


@workflowkit.on_both_databases()
def test_who_may_read_and_answer_a_case_and_manage_process_models_D9_2_D11(
    workflow: Any,
) -> None:
    client = workflow.client
    base = "/api/workflow/info-requests"
    bpmn = (Path(__file__).parents[2] / "bpmn" / "task_lifecycle.bpmn").read_bytes()

    def request_to_so_tc() -> str:
        body = {
            "subject": "topic",
            "topic": "Giải ngân vốn đầu tư công",
            "question": "Báo cáo tiến độ giải ngân",
            "units": ["SO_TC"],
            "due_on": "2026-12-10",
        }
        answer = client.post(base, json=body, headers=OFFICE)
        assert answer.status_code == 201, answer.get_json()
        return str(answer.get_json()["items"][0]["id"])

    shared = request_to_so_tc()

    def answer_request(who: dict[str, str]) -> int:
        case_id = request_to_so_tc()
        body = {"text": "Đã giải ngân 62% kế hoạch vốn"}
        return int(
            client.post(f"{base}/{case_id}/actions/answer", json=body, headers=who).status_code
        )

    def validate_model(who: dict[str, str]) -> int:
        answer = client.post(
            "/api/workflow/process-models/task_lifecycle/validate",
            data=bpmn,
            headers={**who, "Content-Type": "application/xml"},
        )
        return int(answer.status_code)

    cells: dict[str, Callable[[dict[str, str]], int]] = {
        "read_request": lambda who: int(client.get(f"{base}/{shared}", headers=who).status_code),
        "answer_request": answer_request,
        "process_models": lambda who: int(
            client.get("/api/workflow/process-models", headers=who).status_code
        ),
        "validate_model": validate_model,
    }
    actual = {
        relation: tuple(cells[column](who) for column in CASE_COLUMNS)
        for relation, who in WHO.items()
    }
    assert_table(CASE_COLUMNS, CASE_EXPECTED, actual)
