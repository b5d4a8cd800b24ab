"""The Office transfers and withdraws tasks (Đ5.2a); who may read a task."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.intakekit import (
    OFFICE_ACTOR,
    audit_records,
    events,
    outbox_seq,
    patch_task,
    released_document,
    task_command,
    task_row,
    token,
)


def test_the_office_transfers_a_task_keeping_its_id_D5_2a(intake: Any) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    before = outbox_seq(intake)

    answer = task_command(
        intake, task_id, "transfer", {"lead_unit": "SO_TC", "reason": "Không thuộc chức năng"}
    )

    assert answer.status_code == 200
    assert (answer.get_json()["id"], answer.get_json()["lead_unit"]) == (task_id, "SO_TC")
    assert task_row(intake, task_id)["lead_unit"] == "SO_TC"
    (transferred,) = events(intake, before)
    assert transferred["type"] == "task.transferred" and transferred["subject"] == task_id
    assert transferred["data"] == {
        "task_id": task_id,
        "document_id": answer.get_json()["document_id"],
        "from_unit": "SO_NNMT",
        "to_unit": "SO_TC",
        "reason": "Không thuộc chức năng",
        "transferred_at": transferred["time"],
        "actor": OFFICE_ACTOR,
    }
    (record,) = audit_records(intake, task_id)
    assert record["action"] == "task.transferred"
    assert record["changes"] == {
        "lead_unit": ["SO_NNMT", "SO_TC"],
        "reason": "Không thuộc chức năng",
    }


def test_a_transfer_goes_to_another_active_unit_not_already_coordinating_D5_2a(
    intake: Any,
) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    intake.test_client.patch("/api/intake/units/SO_XD", json={"active": False}, headers=token())
    before = outbox_seq(intake)

    def transfer(unit: str) -> Any:
        return task_command(intake, task_id, "transfer", {"lead_unit": unit, "reason": "Chuyển"})

    assert transfer("SO_NNMT").status_code == 409
    for unit in ("SO_KHONG_CO", "SO_XD", "14812"):
        answer = transfer(unit)
        assert answer.status_code == 422 and "lead_unit" in answer.get_json()["errors"], unit
    missing_reason = task_command(intake, task_id, "transfer", {"lead_unit": "SO_TC"})
    assert missing_reason.status_code == 422 and "reason" in missing_reason.get_json()["errors"]
    unknown = task_command(intake, "khong-co", "transfer", {"lead_unit": "SO_TC", "reason": "x"})
    assert unknown.status_code == 404
    assert events(intake, before) == []


def test_the_office_withdraws_a_task_which_then_cannot_be_corrected_D5_2a(intake: Any) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    before = outbox_seq(intake)

    answer = task_command(intake, task_id, "withdraw", {"reason": "Giao trùng nhiệm vụ"})

    assert answer.status_code == 200
    assert (answer.get_json()["status"], answer.get_json()["status_label"]) == (
        "withdrawn",
        "Đã thu hồi",
    )
    assert task_row(intake, task_id)["status"] == "withdrawn"
    (withdrawn,) = events(intake, before)
    assert withdrawn["type"] == "task.withdrawn_by_office"
    assert withdrawn["data"] == {
        "task_id": task_id,
        "document_id": answer.get_json()["document_id"],
        "reason": "Giao trùng nhiệm vụ",
        "withdrawn_at": withdrawn["time"],
        "actor": OFFICE_ACTOR,
    }
    (record,) = audit_records(intake, task_id)
    assert record["action"] == "task.withdrawn"
    assert record["changes"] == {"status": ["active", "withdrawn"], "reason": "Giao trùng nhiệm vụ"}
    assert patch_task(intake, task_id, {"content": "Khác"}).status_code == 409
    assert (
        task_command(intake, task_id, "transfer", {"lead_unit": "SO_TC", "reason": "x"}).status_code
        == 409
    )
    assert task_command(intake, task_id, "withdraw", {"reason": "Lần nữa"}).status_code == 409
    assert len(events(intake, before)) == 1


@pytest.mark.parametrize(
    ("role", "unit", "status"),
    [
        ("office", "VP_UBND", 200),
        ("leader", None, 200),
        ("qlvb", None, 200),
        ("unit_officer", "SO_NNMT", 200),  # lead unit
        ("unit_head", "14812", 200),  # coordinating unit
        ("unit_officer", "SO_TC", 403),
        ("inspector", "SO_NNMT", 403),
    ],
)
def test_a_task_is_read_by_the_office_and_its_own_units_only(
    intake: Any, role: str, unit: str | None, status: int
) -> None:
    task_id = released_document(intake)["tasks"][0]["id"]
    answer = intake.test_client.get(f"/api/intake/tasks/{task_id}", headers=token(role, unit))
    assert answer.status_code == status
    if status == 200:
        task = answer.get_json()
        assert (task["document_number"], task["status"], task["document_status"]) == (
            "25/2026/CT-UBND",
            "active",
            "released",
        )


def test_an_unknown_task_is_a_404(intake: Any) -> None:
    assert intake.test_client.get("/api/intake/tasks/khong-co", headers=token()).status_code == 404


def test_the_openapi_document_describes_the_corrections(intake: Any) -> None:
    paths = intake.test_client.get("/api/intake/openapi.json").get_json()["paths"]
    assert {"get", "patch"} <= set(paths["/api/intake/tasks/{task_id}"])
    assert "409" in paths["/api/intake/tasks/{task_id}"]["patch"]["responses"]
    for path in ("transfer", "withdraw"):
        assert "requestBody" in paths[f"/api/intake/tasks/{{task_id}}/{path}"]["post"]
    assert "post" in paths["/api/intake/documents/{document_id}/tasks"]
