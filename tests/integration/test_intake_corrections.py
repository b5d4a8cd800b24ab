"""The Office's corrections to tasks (Đ5.2a): add and amend; what stays in intake before release;
who may correct. Transfers, withdrawals and reading a task: test_intake_transfers.py."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.intakekit import (
    OFFICE_ACTOR,
    add_task,
    audit_records,
    events,
    outbox_seq,
    patch_task,
    post_document,
    released_document,
    task_body,
    task_command,
    task_row,
    token,
)


def test_a_task_added_to_a_released_document_is_released_at_once_D5_2a(intake: Any) -> None:
    document = released_document(intake)
    (release,) = events(intake, event_type="task.released")
    before = outbox_seq(intake)

    answer = add_task(intake, document["id"], content="Báo cáo kết quả rà soát", lead_unit="SO_TC")

    assert answer.status_code == 201
    task = answer.get_json()
    assert task["document_id"] == document["id"] and task["status"] == "active"
    assert task["document_number"] == "25/2026/CT-UBND" and task["lead_unit"] == "SO_TC"
    (released,) = events(intake, before)
    assert released["type"] == "task.released" and released["subject"] == task["id"]
    # The same payload as at release: the document's part is identical, the task's is its own.
    own = ("task_id", "content", "lead_unit", "coordinating_units")
    assert set(released["data"]) == set(release["data"])
    assert {k: v for k, v in released["data"].items() if k not in own} == {
        k: v for k, v in release["data"].items() if k not in own
    }
    assert released["data"]["content"] == "Báo cáo kết quả rà soát"
    (record,) = audit_records(intake, task["id"])
    assert record["action"] == "task.added" and record["actor_role"] == "office"
    assert record["changes"]["lead_unit"] == "SO_TC"
    listed = intake.test_client.get(f"/api/intake/documents/{document['id']}", headers=token())
    assert [t["id"] for t in listed.get_json()["tasks"]][-1] == task["id"]


def test_a_task_added_to_a_received_document_just_joins_it_D5_2a(intake: Any) -> None:
    document = post_document(intake)
    before = outbox_seq(intake)

    task = add_task(intake, document["id"], lead_unit="SO_TC").get_json()

    assert events(intake, before) == []
    assert [r["action"] for r in audit_records(intake, task["id"])] == ["task.added"]
    released = intake.test_client.post(
        f"/api/intake/documents/{document['id']}/release", headers=token()
    )
    assert released.status_code == 200
    task_ids = {e["data"]["task_id"] for e in events(intake, before, "task.released")}
    assert task_ids == {document["tasks"][0]["id"], task["id"]}


def test_tasks_for_several_units_lengthen_the_intake_deadline_D6_1c(intake: Any) -> None:
    # Issued Friday 27/11 with one task: one working day (Đ6.1b), Monday 30/11.
    document = post_document(intake, tasks=[task_body(coordinating_units=[])])
    assert document["intake_deadline"] == "2026-11-30"

    add_task(intake, document["id"], lead_unit="SO_TC", coordinating_units=[])

    reread = intake.test_client.get(f"/api/intake/documents/{document['id']}", headers=token())
    assert reread.get_json()["intake_deadline"] == "2026-12-01"
    (record,) = audit_records(intake, document["id"])[-1:]
    assert record["action"] == "document.amended"
    assert record["changes"] == {"intake_deadline": ["2026-11-30", "2026-12-01"]}


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"lead_unit": "SO_KHONG_CO"}, "lead_unit"),
        ({"coordinating_units": ["99999"]}, "coordinating_units"),
        ({"due_on": "2026-11-01"}, "due_on"),
        ({"due_on": None, "cadence": None}, "cadence"),
        ({"due_on": "2026-12-31", "cadence": "quarterly"}, "cadence"),
        ({"coordinating_units": ["SO_NNMT"]}, "coordinating_units"),
    ],
)
def test_an_added_task_is_validated_like_a_new_one_D6_2b(
    intake: Any, overrides: dict[str, Any], field: str
) -> None:
    document = released_document(intake)
    before = outbox_seq(intake)

    answer = add_task(intake, document["id"], **overrides)

    assert answer.status_code == 422
    assert field in answer.get_json()["errors"]
    assert events(intake, before) == []


def test_adding_a_task_to_an_unknown_document_is_a_404(intake: Any) -> None:
    assert add_task(intake, "khong-co").status_code == 404


def test_the_office_amends_a_released_task_and_publishes_the_changes_D5_2a(intake: Any) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    before = outbox_seq(intake)

    answer = patch_task(
        intake,
        task_id,
        {"content": "Kiểm tra toàn diện việc sử dụng đất", "coordinating_units": ["SO_TC"]},
    )

    assert answer.status_code == 200
    assert answer.get_json()["content"] == "Kiểm tra toàn diện việc sử dụng đất"
    row = task_row(intake, task_id)
    assert row["coordinating_units"] == ["SO_TC"] and row["updated_at"] is not None
    (amended,) = events(intake, before)
    assert amended["type"] == "task.amended" and amended["subject"] == task_id
    assert amended["data"] == {
        "task_id": task_id,
        "document_id": row["document_id"],
        "changes": {
            "content": ["Kiểm tra việc sử dụng đất", "Kiểm tra toàn diện việc sử dụng đất"],
            "coordinating_units": [["14812"], ["SO_TC"]],
        },
        "content": "Kiểm tra toàn diện việc sử dụng đất",
        "lead_unit": "SO_NNMT",
        "due_on": "2026-12-31",
        "cadence": None,
        "coordinating_units": ["SO_TC"],
        "amended_at": amended["time"],
        "actor": OFFICE_ACTOR,
        "sector": None,  # Đ8.2a: the task was given none
    }
    (record,) = audit_records(intake, task_id)
    assert record["action"] == "task.amended"
    assert record["changes"]["changes"] == amended["data"]["changes"]


def test_a_deadline_ends_an_undated_tasks_reporting_cadence_D6_2b(intake: Any) -> None:
    undated = task_body(due_on=None, cadence="quarterly")
    task_id = released_document(intake, tasks=[undated])["tasks"][0]["id"]
    before = outbox_seq(intake)

    answer = patch_task(intake, task_id, {"due_on": "2027-03-31"})

    assert answer.status_code == 200
    assert (answer.get_json()["due_on"], answer.get_json()["cadence"]) == ("2027-03-31", None)
    (amended,) = events(intake, before)
    assert amended["data"]["changes"] == {
        "due_on": [None, "2027-03-31"],
        "cadence": ["quarterly", None],
    }
    back = patch_task(intake, task_id, {"due_on": None})
    assert back.status_code == 422 and "cadence" in back.get_json()["errors"]
    early = patch_task(intake, task_id, {"due_on": "2026-11-01"})
    assert early.status_code == 422 and "due_on" in early.get_json()["errors"]


def test_the_lead_unit_changes_by_transfer_not_by_amendment_D5_2a(intake: Any) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    answer = patch_task(intake, task_id, {"lead_unit": "SO_TC"})
    assert answer.status_code == 422 and "lead_unit" in answer.get_json()["errors"]
    assert patch_task(intake, task_id, {}).status_code == 422
    assert patch_task(intake, task_id, {"coordinating_units": ["SO_NNMT"]}).status_code == 422
    assert patch_task(intake, task_id, {"coordinating_units": ["99999"]}).status_code == 422
    assert task_row(intake, task_id)["lead_unit"] == "SO_NNMT"


def test_an_amendment_that_changes_nothing_records_nothing(intake: Any) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    before = outbox_seq(intake)
    answer = patch_task(intake, task_id, {"content": "Kiểm tra việc sử dụng đất"})
    assert answer.status_code == 200
    assert events(intake, before) == [] and audit_records(intake, task_id) == []


def test_corrections_before_release_publish_nothing_and_release_what_remains_D5_2a(
    intake: Any,
) -> None:
    document = post_document(intake, tasks=[task_body(), task_body(lead_unit="SO_XD")])
    kept, dropped = (t["id"] for t in document["tasks"])
    before = outbox_seq(intake)

    assert patch_task(intake, kept, {"content": "Nội dung đã sửa"}).status_code == 200
    transfer = {"lead_unit": "SO_TC", "reason": "Đúng chức năng"}
    assert task_command(intake, kept, "transfer", transfer).status_code == 200
    assert task_command(intake, dropped, "withdraw", {"reason": "Nhập thừa"}).status_code == 200

    assert events(intake, before) == []
    assert [r["action"] for r in audit_records(intake, kept)] == [
        "task.amended",
        "task.transferred",
    ]
    assert [r["action"] for r in audit_records(intake, dropped)] == ["task.withdrawn"]
    intake.test_client.post(f"/api/intake/documents/{document['id']}/release", headers=token())
    (released,) = events(intake, before, "task.released")
    assert released["data"]["task_id"] == kept
    assert (released["data"]["content"], released["data"]["lead_unit"]) == (
        "Nội dung đã sửa",
        "SO_TC",
    )
    (document_released,) = events(intake, before, "document.released")
    assert document_released["data"]["task_ids"] == [kept]


@pytest.mark.parametrize("role", ["unit_officer", "unit_head", "leader", "qlvb", "inspector"])
def test_only_the_office_corrects_tasks_D5_2a(intake: Any, role: str) -> None:
    document = released_document(intake)
    task_id = document["tasks"][0]["id"]
    before = outbox_seq(intake)
    headers = token(role, "SO_NNMT")
    client = intake.test_client

    answers = [
        client.post(
            f"/api/intake/documents/{document['id']}/tasks", json=task_body(), headers=headers
        ),
        client.patch(f"/api/intake/tasks/{task_id}", json={"content": "x"}, headers=headers),
        client.post(
            f"/api/intake/tasks/{task_id}/transfer",
            json={"lead_unit": "SO_TC", "reason": "x"},
            headers=headers,
        ),
        client.post(f"/api/intake/tasks/{task_id}/withdraw", json={"reason": "x"}, headers=headers),
    ]

    assert [a.status_code for a in answers] == [403] * 4
    assert events(intake, before) == [] and audit_records(intake, task_id) == []
    assert task_row(intake, task_id)["lead_unit"] == "SO_NNMT"


def test_a_unit_reads_its_tasks_document_summary_and_signer(intake: Any) -> None:
    """The web's task page shows a unit the document that assigned its task; units cannot list
    documents, so intake's task read carries the document's summary and signer."""
    created = released_document(intake)
    task = created["tasks"][0]
    answer = intake.test_client.get(
        f"/api/intake/tasks/{task['id']}", headers=token("unit_officer", task["lead_unit"])
    )
    assert answer.status_code == 200, answer.get_json()
    document = answer.get_json()["document"]
    assert (document["summary"], document["signer"]) == (created["summary"], created["signer"])
    assert document["type_label"] and document["assigned_by_label"]
