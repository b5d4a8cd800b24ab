"""The intake service's HTTP API on SQLite (no other service running): what it lets in."""

from __future__ import annotations

import json
import logging
import uuid
from typing import Any

import pytest
from sqlalchemy import select

from shared.auth import Principal
from tests.integration.intakekit import ON_BOTH_DATABASES, document, post, task_body, token


def test_a_classified_document_is_refused_and_nothing_of_it_is_stored_D5_2d(
    intake: Any, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    marker = f"BIMAT{uuid.uuid4().hex[:10]}"
    body = document(
        secrecy="toi_mat",
        summary=f"Kế hoạch {marker}",
        tasks=[
            {
                "content": marker,
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": "2026-12-31",
                "cadence": None,
            }
        ],
    )
    answer = post(intake.test_client, body)

    assert answer.status_code == 422
    problem = answer.get_json()
    assert problem["article"] == "Đ5.2d" and "Điều 5" in problem["detail"]
    assert marker not in answer.get_data(as_text=True)
    intake.runtime.platform.database.dispose()
    for path in intake.data_dir.rglob("*"):
        if path.is_file():
            assert marker.encode() not in path.read_bytes(), path
    assert marker not in caplog.text
    with intake.runtime.platform.database.read() as conn:
        from services.intake.store import documents, refusals

        assert conn.execute(select(documents)).first() is None
        refusal = conn.execute(select(refusals)).mappings().one()
    assert refusal["source_id"] == body["source_id"] and "Đ5.2d" in refusal["reason"]


def test_a_document_posted_twice_creates_nothing_new(intake: Any) -> None:
    body = document()
    first = post(intake.test_client, body)
    again = post(intake.test_client, body)
    assert first.status_code == 201 and again.status_code == 200
    assert again.get_json()["id"] == first.get_json()["id"]
    assert [t["id"] for t in again.get_json()["tasks"]] == [
        t["id"] for t in first.get_json()["tasks"]
    ]


def test_the_same_source_id_with_other_content_is_a_conflict(intake: Any) -> None:
    body = document()
    assert post(intake.test_client, body).status_code == 201
    changed = dict(body, summary="Nội dung khác")
    assert post(intake.test_client, changed).status_code == 409


def test_an_unknown_unit_is_a_422_naming_the_field(intake: Any) -> None:
    body = document(
        tasks=[
            {
                "content": "x",
                "lead_unit": "SO_KHONG_CO",
                "coordinating_units": [],
                "due_on": "2026-12-31",
                "cadence": None,
            }
        ]
    )
    answer = post(intake.test_client, body)
    assert answer.status_code == 422
    assert "lead_unit" in answer.get_json()["errors"]["tasks"]["0"]


def test_a_due_date_before_the_issue_date_is_refused(intake: Any) -> None:
    body = document(
        tasks=[
            {
                "content": "x",
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": "2026-11-01",
                "cadence": None,
            }
        ]
    )
    answer = post(intake.test_client, body)
    assert answer.status_code == 422
    assert "due_on" in answer.get_json()["errors"]["tasks"]["0"]


def test_an_undated_task_needs_a_reporting_cadence_D6_2b(intake: Any) -> None:
    body = document(
        tasks=[
            {
                "content": "x",
                "lead_unit": "SO_TC",
                "coordinating_units": [],
                "due_on": None,
                "cadence": None,
            }
        ]
    )
    answer = post(intake.test_client, body)
    assert answer.status_code == 422
    assert "cadence" in json.dumps(answer.get_json()["errors"])


def test_a_wrong_number_is_a_422_naming_number(intake: Any) -> None:
    answer = post(intake.test_client, document(number="25/2026/qđ-UBND"))
    assert answer.status_code == 422
    assert "number" in answer.get_json()["errors"]


def test_a_document_from_the_document_system_lands_as_received(intake: Any) -> None:
    answer = post(intake.test_client, document(release=True), role="qlvb")
    assert answer.status_code == 201
    assert answer.get_json()["status"] == "received"
    assert answer.get_json()["intake_deadline"] == "2026-11-30"


@ON_BOTH_DATABASES
def test_received_and_released_in_one_request_the_answer_is_the_document_as_stored(
    intake: Any,
) -> None:
    answer = post(intake.test_client, document(release=True))
    assert answer.status_code == 201
    created = answer.get_json()
    assert created["status"] == "released" and created["released_at"]
    stored = intake.test_client.get(f"/api/intake/documents/{created['id']}", headers=token())
    assert stored.status_code == 200
    assert created == stored.get_json()


def test_releasing_publishes_its_tasks_and_flags_a_late_release_D6_1b(intake: Any) -> None:
    created = post(intake.test_client, document(), role="qlvb").get_json()
    assert (
        intake.test_client.post(
            f"/api/intake/documents/{created['id']}/release", headers=token("qlvb")
        ).status_code
        == 403
    )
    released = intake.test_client.post(
        f"/api/intake/documents/{created['id']}/release", headers=token("office")
    )
    assert released.status_code == 200
    assert released.get_json()["status"] == "released"
    # Issued Friday 27/11, ordinary: the deadline was Monday 30/11; released Tuesday 1/12 (Đ6.1b).
    assert released.get_json()["released_late"] is True
    with intake.runtime.platform.database.read() as conn:
        outbox = intake.runtime.platform.tables.outbox
        rows = conn.execute(select(outbox.c.event_type, outbox.c.body)).all()
    types = [row.event_type for row in rows]
    assert types.count("task.released") == 1 and "document.released" in types
    [body] = [json.loads(row.body) for row in rows if row.event_type == "document.released"]
    # The signer travels with the release: reporting tells the Vice-Chairmen apart by it.
    assert body["data"]["signer_name"] == "Đỗ Minh Tuấn"
    assert body["data"]["signer_position"] == "Chủ tịch"
    again = intake.test_client.post(
        f"/api/intake/documents/{created['id']}/release", headers=token("office")
    )
    assert again.status_code == 409


def test_units_list_the_office_departments_and_166_communes_and_wards(intake: Any) -> None:
    answer = intake.test_client.get(
        "/api/intake/units?limit=500", headers=token("unit_officer", "SO_TC")
    )
    units = answer.get_json()
    kinds = [u["kind"] for u in units["items"]]
    assert kinds.count("commune") + kinds.count("ward") == 166
    assert kinds.count("ward") == 19 and "office" in kinds
    found = intake.test_client.get("/api/intake/units?q=ham rong", headers=token("office"))
    assert [u["name"] for u in found.get_json()["items"]] == ["Phường Hàm Rồng"]


def test_search_ignores_diacritics(intake: Any) -> None:
    post(intake.test_client, document(summary="Về quản lý đất đai ở Thanh Hóa"))
    found = intake.test_client.get(
        "/api/intake/documents?q=quan ly dat dai", headers=token("office")
    )
    assert found.get_json()["total"] == 1


@pytest.mark.parametrize(
    "doc_type,number",
    [
        ("quyet_dinh", "1234/QĐ-UBND"),
        ("quyet_dinh", "45/2026/QĐ-UBND"),
        ("chi_thi", "25/2026/CT-UBND"),
        ("ke_hoach", "301/KH-UBND"),
        ("chuong_trinh", "12/CTr-UBND"),
        ("thong_bao", "88/TB-UBND"),
        ("cong_van", "5012/UBND-KTTC"),
        ("cong_dien", "7/CĐ-UBND"),
    ],
)
def test_every_kind_of_administrative_document_can_assign_tasks_D3_2(
    intake: Any, doc_type: str, number: str
) -> None:
    answer = post(intake.test_client, document(type=doc_type, number=number))
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["tasks"][0]["lead_unit"] == "SO_NNMT"


def test_a_task_is_either_dated_or_undated_with_a_cadence_D4(intake: Any) -> None:
    dated = {
        "content": "Có thời hạn",
        "lead_unit": "SO_TC",
        "coordinating_units": [],
        "due_on": "2026-12-31",
        "cadence": None,
    }
    undated = {
        "content": "Không thời hạn",
        "lead_unit": "SO_TC",
        "coordinating_units": [],
        "due_on": None,
        "cadence": "half_yearly",
    }
    answer = post(intake.test_client, document(tasks=[dated, undated]))
    assert answer.status_code == 201
    tasks = answer.get_json()["tasks"]
    assert (tasks[0]["due_on"], tasks[0]["cadence"]) == ("2026-12-31", None)
    assert (tasks[1]["due_on"], tasks[1]["cadence_label"]) == (None, "6 tháng")
    both = dict(dated, cadence="yearly")
    assert post(intake.test_client, document(tasks=[both])).status_code == 422


def test_only_the_office_releases_a_document_for_tracking_D5_1a(intake: Any) -> None:
    created = post(intake.test_client, document(), role="qlvb").get_json()
    assert created["status"] == "received"
    path = f"/api/intake/documents/{created['id']}/release"
    for role, unit in (("qlvb", None), ("unit_head", "SO_NNMT"), ("leader", None)):
        assert intake.test_client.post(path, headers=token(role, unit)).status_code == 403
    released = intake.test_client.post(path, headers=token("office"))
    assert released.status_code == 200 and released.get_json()["status"] == "released"


def test_a_document_list_gives_each_documents_task_count_with_or_without_its_tasks(
    intake: Any,
) -> None:
    post(intake.test_client, document(summary="Về hai nhiệm vụ"))
    full = intake.test_client.get("/api/intake/documents", headers=token("office")).get_json()
    [item] = full["items"]
    assert item["task_count"] == len(item["tasks"]) >= 1
    counted = intake.test_client.get(
        "/api/intake/documents?tasks=count", headers=token("office")
    ).get_json()
    [light] = counted["items"]
    assert "tasks" not in light and light["task_count"] == item["task_count"]
    refused = intake.test_client.get("/api/intake/documents?tasks=some", headers=token("office"))
    assert refused.status_code == 422


@ON_BOTH_DATABASES
def test_a_document_list_gives_each_task_its_coordinating_units_as_reading_it_alone(
    intake: Any,
) -> None:
    """A page of documents decodes each distinct list of coordinating units once (store.py,
    _decode_units); every task still has its own list, as reading its document gives it."""
    from services.intake import store

    shared = ["14812", "SO_XD"]
    tasks = [task_body(coordinating_units=units) for units in (shared, [], shared, ["SO_YT"])]
    created = [post(intake.test_client, document(tasks=tasks)).get_json()["id"] for _ in range(2)]
    with intake.runtime.platform.database.read() as conn:
        listed, total = store.list_documents(conn, status=None, q=None, limit=10, offset=0)
        alone = {d: store.document_by_id(conn, d) for d in created}
    assert total == 2
    for item in listed:
        # (the list leaves out the units tasks were handed on to, Đ8.2c, which it never showed)
        read_alone = [
            {k: v for k, v in t.items() if k != "handed_units"} for t in alone[item["id"]]["tasks"]
        ]
        assert item["tasks"] == read_alone
        assert [t["coordinating_units"] for t in item["tasks"]] == [shared, [], shared, ["SO_YT"]]
    lists = [t["coordinating_units"] for item in listed for t in item["tasks"]]
    assert len({id(units) for units in lists}) == len(lists)  # none shared between tasks


def test_the_vocabulary_gives_the_labels_of_the_codes_to_any_signed_in_client(
    intake: Any,
) -> None:
    assert intake.test_client.get("/api/intake/vocabulary").status_code == 401
    answer = intake.test_client.get("/api/intake/vocabulary", headers=token("unit_officer"))
    vocabulary = answer.get_json()
    assert vocabulary["document_types"]["chi_thi"] == "Chỉ thị"
    assert vocabulary["cadences"]["quarterly"] == "Hằng quý"


@ON_BOTH_DATABASES
@pytest.mark.parametrize("role", ["office", "qlvb"])
@pytest.mark.parametrize("release", [False, True])
def test_a_received_document_is_what_reading_it_back_gives(
    intake: Any, role: str, release: bool
) -> None:
    """receive_document answers (and releases) the document it wrote without reading it back
    (document_rows.inserted_document): every column, as document_by_id reads it."""
    from services.intake import handlers, schemas, store

    body = schemas.DocumentIn().load(
        document(
            release=release,
            sector="tai_chinh",
            tasks=[
                task_body(),
                task_body(
                    content="Báo cáo định kỳ", due_on=None, cadence="quarterly", sector="xay_dung"
                ),
                task_body(lead_unit="SO_TC", coordinating_units=[]),
            ],
        )
    )
    principal = Principal(sub=f"{role}-1", name=role, unit="VP_UBND", roles=frozenset([role]))
    platform = intake.runtime.platform
    with platform.unit_of_work() as uow:
        received = handlers.receive_document(uow, intake.runtime.calendar, principal, body)
    with platform.database.read() as conn:
        stored = store.document_by_id(conn, received.document["id"])
    assert received.created
    # The same keys in the same order, the same values of the same types (timestamps in UTC).
    assert repr(received.document) == repr(stored)


@ON_BOTH_DATABASES
def test_received_and_released_in_one_request_writes_what_two_requests_write(intake: Any) -> None:
    """The document written released at once (handlers.receive_document) leaves the same row,
    events and audit records, in the same order, as receiving it and then releasing it."""
    from tests.integration.intakekit import audit_records, events, outbox_seq

    def outcome(*, at_once: bool) -> tuple[Any, ...]:
        body = document(release=at_once)
        after = outbox_seq(intake)
        created = post(intake.test_client, body).get_json()
        if not at_once:
            answer = intake.test_client.post(
                f"/api/intake/documents/{created['id']}/release", headers=token()
            )
            assert answer.status_code == 200
            created = answer.get_json()
        stored = intake.test_client.get(f"/api/intake/documents/{created['id']}", headers=token())
        ids = {created["id"]: "D", body["source_id"]: "S"}
        ids.update({task["id"]: f"T{n}" for n, task in enumerate(created["tasks"])})

        def named(value: Any) -> Any:
            text = json.dumps(value, sort_keys=True)
            for raw, name in ids.items():
                text = text.replace(raw, name)
            return json.loads(text)

        sent = [(e["type"], e.get("subject"), e["data"]) for e in events(intake, after)]
        audits = [
            (r["action"], r["entity_type"], r["entity_id"], r["changes"])
            for r in audit_records(intake)
            if r["entity_id"] in ids
        ]
        answered = {k: v for k, v in created.items() if k != "files"}
        assert answered == {k: v for k, v in stored.get_json().items() if k != "files"}
        return named(answered), named(sent), named(audits)

    assert outcome(at_once=True) == outcome(at_once=False)
