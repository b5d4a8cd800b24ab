"""Intake's part of sectors and subordinate units (docs/architecture.md, Units): the Office
places a unit under another (Đ7.2a, Đ8.2c) and records the sectors a department manages (Đ8.2a),
announced in `unit.updated`; a task carries a sector from intake, which the Office changes later,
audited and announced; the units reaching a task through these relations read its document. On
SQLite and on PostgreSQL."""

from __future__ import annotations

import base64
from datetime import timedelta
from typing import Any

from services.intake.consumer import create_consumer
from tests.integration.intakekit import (
    ON_BOTH_DATABASES,
    audit_records,
    events,
    outbox_seq,
    patch_task,
    released_document,
    task_body,
    task_command,
    token,
)
from tests.integration.notifykit import NOW, task_event

COMMUNE = "14812"


def patch_unit(intake: Any, code: str, body: dict[str, Any], role: str = "office") -> Any:
    return intake.test_client.patch(f"/api/intake/units/{code}", json=body, headers=token(role))


def add_unit(intake: Any, code: str, **body: Any) -> Any:
    unit = {"code": code, "name": f"Chi cục {code}", "kind": "other", **body}
    return intake.test_client.post("/api/intake/units", json=unit, headers=token())


@ON_BOTH_DATABASES
def test_the_office_places_units_under_others_and_records_sectors_D7_2a_D8_2a(
    intake: Any,
) -> None:
    before = outbox_seq(intake)
    sectors = patch_unit(intake, "SO_NNMT", {"sectors": ["nong_nghiep", "tai_nguyen_moi_truong"]})
    added = add_unit(intake, "CC_KL", parent="SO_NNMT")
    office = add_unit(intake, "PHONG_KL", parent="CC_KL")

    assert sectors.status_code == 200, sectors.get_json()
    assert sectors.get_json()["sectors"] == ["nong_nghiep", "tai_nguyen_moi_truong"]
    assert added.status_code == 201 and added.get_json()["parent"] == "SO_NNMT"
    assert office.status_code == 201
    announced = {e["subject"]: e["data"] for e in events(intake, before, "unit.updated")}
    assert announced["SO_NNMT"]["sectors"] == ["nong_nghiep", "tai_nguyen_moi_truong"]
    assert (announced["CC_KL"]["parent"], announced["PHONG_KL"]["parent"]) == ("SO_NNMT", "CC_KL")
    (record,) = [r for r in audit_records(intake, "SO_NNMT") if r["action"] == "unit.updated"]
    assert record["changes"]["changes"]["sectors"] == [[], ["nong_nghiep", "tai_nguyen_moi_truong"]]

    # No cycle, no unknown parent, no unknown sector; only the Office.
    for body in ({"parent": "PHONG_KL"}, {"parent": "SO_NNMT"}, {"parent": "KHONG_CO"}):
        refused = patch_unit(intake, "SO_NNMT", body)
        assert refused.status_code == 422 and "parent" in refused.get_json()["errors"], body
    unknown = patch_unit(intake, "SO_NNMT", {"sectors": ["khong_co"]})
    assert unknown.status_code == 422 and "sectors" in unknown.get_json()["errors"]
    assert patch_unit(intake, "CC_KL", {"parent": None}, role="unit_head").status_code == 403
    moved = patch_unit(intake, "PHONG_KL", {"parent": None})
    assert moved.status_code == 200 and moved.get_json()["parent"] is None

    vocabulary = intake.test_client.get("/api/intake/vocabulary", headers=token()).get_json()
    assert vocabulary["sectors"]["nong_nghiep"].startswith("Nông nghiệp")


@ON_BOTH_DATABASES
def test_a_task_carries_its_sector_from_intake_and_the_office_changes_it_D8_2a(
    intake: Any,
) -> None:
    before = outbox_seq(intake)
    document = released_document(
        intake, tasks=[task_body(lead_unit=COMMUNE, coordinating_units=[], sector="nong_nghiep")]
    )
    task = document["tasks"][0]
    assert task["sector"] == "nong_nghiep"
    (released,) = events(intake, before, "task.released")
    assert released["data"]["sector"] == "nong_nghiep"

    changed = patch_task(intake, task["id"], {"sector": "tai_nguyen_moi_truong"})

    assert changed.status_code == 200, changed.get_json()
    (amended,) = events(intake, before, "task.amended")
    assert amended["data"]["sector"] == "tai_nguyen_moi_truong"
    assert amended["data"]["changes"] == {"sector": ["nong_nghiep", "tai_nguyen_moi_truong"]}
    assert any(r["action"] == "task.amended" for r in audit_records(intake, task["id"]))
    wrong = patch_task(intake, task["id"], {"sector": "khong_co"})
    assert wrong.status_code == 422

    # A task naming no sector takes the document's.
    both = released_document(
        intake,
        sector="y_te",
        tasks=[
            task_body(lead_unit=COMMUNE, coordinating_units=[]),
            task_body(lead_unit=COMMUNE, coordinating_units=[], sector="nong_nghiep"),
        ],
    )
    assert [t["sector"] for t in both["tasks"]] == ["y_te", "nong_nghiep"]


@ON_BOTH_DATABASES
def test_a_department_and_a_head_read_the_documents_of_tasks_they_reach_D8_2a_D7_2a(
    intake: Any,
) -> None:
    assert patch_unit(intake, "SO_NNMT", {"sectors": ["nong_nghiep"]}).status_code == 200
    assert add_unit(intake, "CC_KL", parent="SO_YT").status_code == 201
    in_sector = released_document(
        intake, tasks=[task_body(lead_unit=COMMUNE, coordinating_units=[], sector="nong_nghiep")]
    )
    other = released_document(
        intake, tasks=[task_body(lead_unit=COMMUNE, coordinating_units=[], sector="y_te")]
    )
    sub_unit = released_document(
        intake, tasks=[task_body(lead_unit="CC_KL", coordinating_units=[])]
    )

    def status(document: dict[str, Any], unit: str) -> int:
        path = f"/api/intake/documents/{document['id']}"
        return int(intake.test_client.get(path, headers=token("unit_head", unit)).status_code)

    assert status(in_sector, "SO_NNMT") == 200
    assert status(other, "SO_NNMT") == 403
    assert status(sub_unit, "SO_YT") == 200  # the head of the unit above (Đ7.2a)
    assert status(sub_unit, "SO_NNMT") == 403
    assert status(in_sector, "SO_YT") == 403


PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


@ON_BOTH_DATABASES
def test_a_unit_a_task_was_handed_on_to_reads_its_document_D5_2a_D8_2c(intake: Any) -> None:
    intake.consumer = create_consumer(intake)
    assert add_unit(intake, "XA_THON_1", parent=COMMUNE).status_code == 201
    handed_reader = token("unit_officer", "XA_THON_1")

    def released(content: str) -> tuple[dict[str, Any], str]:
        document = released_document(
            intake, tasks=[task_body(lead_unit=COMMUNE, coordinating_units=[], content=content)]
        )
        return document, document["tasks"][0]["id"]

    def handed_on(document: dict[str, Any], task_id: str, units: list[str], **data: Any) -> bytes:
        return task_event(
            data.pop("event_type", "task.handed_on"),
            "in_progress",
            task_id=task_id,
            document_id=document["id"],
            lead_unit=COMMUNE,
            coordinating_units=[],
            handed_units=units,
            **data,
        )

    def status(document: dict[str, Any], path: str = "") -> int:
        url = f"/api/intake/documents/{document['id']}{path}"
        return int(intake.test_client.get(url, headers=handed_reader).status_code)

    # Before the workflow's task.handed_on, the unit is a stranger to the document; after it, the
    # unit reads the document, its files and the task (Đ5.2a, Đ8.2c); once, however often it comes.
    document, task_id = released("Kiểm tra hiện trạng rừng")
    stored = intake.test_client.post(
        f"/api/intake/documents/{document['id']}/files",
        json={"name": "Chỉ thị.pdf", "content_base64": base64.b64encode(PDF).decode()},
        headers=token(),
    )
    assert stored.status_code == 201, stored.get_json()
    file_path = f"/files/{stored.get_json()['id']}"
    assert (status(document), status(document, file_path)) == (403, 403)
    event = handed_on(document, task_id, ["XA_THON_1"])
    assert intake.consumer.process(event, {}) == "applied"
    assert (status(document), status(document, file_path)) == (200, 200)
    task = intake.test_client.get(f"/api/intake/tasks/{task_id}", headers=handed_reader)
    assert task.status_code == 200, task.get_json()
    assert intake.consumer.process(event, {}) == "duplicate"
    assert status(document) == 200
    other_unit = token("unit_officer", "SO_YT")
    answer = intake.test_client.get(f"/api/intake/documents/{document['id']}", headers=other_unit)
    assert answer.status_code == 403

    # A transfer ends the old lead unit's hand-ons (its task.corrected names none); a hand-on
    # event from before it, arriving late, does not bring them back.
    moved, moved_id = released("Rà soát diện tích đất lúa")
    assert intake.consumer.process(handed_on(moved, moved_id, ["XA_THON_1"]), {}) == "applied"
    assert status(moved) == 200
    transfer = {"lead_unit": "SO_TC", "reason": "Đúng chức năng"}
    assert task_command(intake, moved_id, "transfer", transfer).status_code == 200
    later = (NOW + timedelta(minutes=5)).isoformat()
    corrected = handed_on(
        moved, moved_id, [], event_type="task.corrected", action="transfer", occurred_at=later
    )
    assert intake.consumer.process(corrected, {}) == "applied"
    assert status(moved) == 403
    late = handed_on(moved, moved_id, ["XA_THON_1"], occurred_at=NOW.isoformat())
    assert intake.consumer.process(late, {}) == "applied"
    assert status(moved) == 403

    # A withdrawn task opens its document to no one it was handed on to (Đ5.2a).
    withdrawn, withdrawn_id = released("Tổng hợp số liệu cháy rừng")
    assert intake.consumer.process(handed_on(withdrawn, withdrawn_id, ["XA_THON_1"]), {}) == (
        "applied"
    )
    assert status(withdrawn) == 200
    assert (
        task_command(intake, withdrawn_id, "withdraw", {"reason": "Nhập thừa"}).status_code == 200
    )
    assert status(withdrawn) == 403
