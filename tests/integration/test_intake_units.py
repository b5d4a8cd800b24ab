"""Unit management by the Office (docs/architecture.md, Units): add, rename, deactivate, and merge
into a successor."""

from __future__ import annotations

from typing import Any

import pytest

from tests.integration.intakekit import (
    OFFICE_ACTOR,
    audit_records,
    document,
    events,
    outbox_seq,
    post_document,
    released_document,
    task_body,
    task_row,
    token,
    unit_row,
)

OLD = "14758"  # Phường Hàm Rồng
SUCCESSOR = "14797"  # Phường Hạc Thành


def search_units(intake: Any, q: str) -> list[str]:
    answer = intake.test_client.get(f"/api/intake/units?q={q}&limit=500", headers=token())
    return [u["code"] for u in answer.get_json()["items"]]


def merge(intake: Any, code: str, successor: str, role: str = "office") -> Any:
    return intake.test_client.post(
        f"/api/intake/units/{code}/merge", json={"successor": successor}, headers=token(role)
    )


def test_the_office_adds_a_unit_and_publishes_it(intake: Any) -> None:
    before = outbox_seq(intake)
    body = {"code": "BQL_DA", "name": "Ban Quản lý dự án Đầu tư xây dựng", "kind": "other"}

    answer = intake.test_client.post("/api/intake/units", json=body, headers=token())

    assert answer.status_code == 201
    # A new unit stands alone and manages no sector until the Office says so (Đ7.2a, Đ8.2a).
    shown = {**body, "active": True, "successor": None, "parent": None, "sectors": []}
    assert answer.get_json() == shown
    (published,) = events(intake, before)
    assert published["type"] == "unit.updated" and published["subject"] == "BQL_DA"
    assert published["data"] == shown
    (record,) = audit_records(intake, "BQL_DA")
    assert (record["action"], record["actor_sub"]) == ("unit.created", OFFICE_ACTOR["sub"])
    assert search_units(intake, "quan ly du an dau tu") == ["BQL_DA"]
    again = intake.test_client.post("/api/intake/units", json=body, headers=token())
    assert again.status_code == 409


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"code": "so tai chinh", "name": "Sở", "kind": "department"}, "code"),
        ({"code": "SO_MOI", "name": "Sở Mới", "kind": "ministry"}, "kind"),
        ({"code": "SO_MOI", "kind": "department"}, "name"),
    ],
)
def test_a_new_unit_needs_a_code_a_name_and_a_known_kind(
    intake: Any, body: dict[str, Any], field: str
) -> None:
    answer = intake.test_client.post("/api/intake/units", json=body, headers=token())
    assert answer.status_code == 422 and field in answer.get_json()["errors"]


def test_renaming_a_unit_keeps_its_search_text_current(intake: Any) -> None:
    before = outbox_seq(intake)

    answer = intake.test_client.patch(
        "/api/intake/units/SO_KHCN",
        json={"name": "Sở Khoa học, Công nghệ và Đổi mới"},
        headers=token(),
    )

    assert answer.status_code == 200 and answer.get_json()["name"].endswith("Đổi mới")
    (published,) = events(intake, before)
    assert published["data"]["name"] == "Sở Khoa học, Công nghệ và Đổi mới"
    assert search_units(intake, "doi moi") == ["SO_KHCN"]
    (record,) = audit_records(intake, "SO_KHCN")
    assert record["changes"] == {
        "changes": {"name": ["Sở Khoa học và Công nghệ", "Sở Khoa học, Công nghệ và Đổi mới"]}
    }


def test_a_deactivated_unit_is_given_no_new_tasks(intake: Any) -> None:
    answer = intake.test_client.patch(
        "/api/intake/units/SO_XD", json={"active": False}, headers=token()
    )

    assert answer.status_code == 200 and answer.get_json()["active"] is False
    assert unit_row(intake, "SO_XD")["active"] is False
    (published,) = events(intake, event_type="unit.updated")[-1:]
    assert (published["subject"], published["data"]["active"]) == ("SO_XD", False)
    refused = intake.test_client.post(
        "/api/intake/documents",
        json=document(tasks=[task_body(lead_unit="SO_XD", coordinating_units=[])]),
        headers=token(),
    )
    assert refused.status_code == 422
    back = intake.test_client.patch(
        "/api/intake/units/SO_XD", json={"active": True}, headers=token()
    )
    assert back.status_code == 200 and unit_row(intake, "SO_XD")["active"] is True
    assert [r["action"] for r in audit_records(intake, "SO_XD")] == ["unit.updated"] * 2


def test_merging_a_unit_moves_its_open_tasks_to_the_successor(intake: Any) -> None:
    led = task_body(lead_unit=OLD, coordinating_units=["SO_TC"])
    led_with_successor = task_body(lead_unit=OLD, coordinating_units=[SUCCESSOR, "SO_TC"])
    coordinated = task_body(lead_unit="SO_XD", coordinating_units=[OLD, "SO_TC"])
    coordinated_with_successor = task_body(lead_unit="SO_YT", coordinating_units=[OLD, SUCCESSOR])
    withdrawn = task_body(lead_unit=OLD, coordinating_units=[])
    released = released_document(
        intake, tasks=[led, led_with_successor, coordinated, coordinated_with_successor, withdrawn]
    )
    t_led, t_both, t_coord, t_coord_both, t_withdrawn = (t["id"] for t in released["tasks"])
    intake.test_client.post(
        f"/api/intake/tasks/{t_withdrawn}/withdraw", json={"reason": "Trùng"}, headers=token()
    )
    received = post_document(intake, tasks=[task_body(lead_unit=OLD, coordinating_units=[])])
    t_received = received["tasks"][0]["id"]
    before = outbox_seq(intake)

    answer = merge(intake, OLD, SUCCESSOR)

    assert answer.status_code == 200
    result = answer.get_json()
    assert result["unit"] == {
        "code": OLD,
        "name": "Phường Hàm Rồng",
        "kind": "ward",
        "active": False,
        "successor": SUCCESSOR,
        "parent": None,
        "sectors": [],
    }
    assert set(result["transferred_tasks"]) == {t_led, t_both, t_received}
    assert set(result["amended_tasks"]) == {t_both, t_coord, t_coord_both}
    # Rows: the merged unit is kept (history); open tasks follow; a withdrawn task stays as it was.
    assert (unit_row(intake, OLD)["active"], unit_row(intake, OLD)["successor"]) == (
        False,
        SUCCESSOR,
    )
    expected = {
        t_led: (SUCCESSOR, ["SO_TC"]),
        t_both: (SUCCESSOR, ["SO_TC"]),
        t_coord: ("SO_XD", [SUCCESSOR, "SO_TC"]),
        t_coord_both: ("SO_YT", [SUCCESSOR]),
        t_withdrawn: (OLD, []),
        t_received: (SUCCESSOR, []),
    }
    for task_id, (lead, coordinating) in expected.items():
        row = task_row(intake, task_id)
        assert (row["lead_unit"], row["coordinating_units"]) == (lead, coordinating), task_id
    # Events: one task.transferred per released task it led; the amendment comes first so that
    # the workflow never sees a lead unit that also coordinates; nothing for the received document.
    published = [(e["type"], e["subject"]) for e in events(intake, before)]
    assert published == [
        ("task.transferred", t_led),
        ("task.amended", t_both),
        ("task.transferred", t_both),
        ("task.amended", t_coord),
        ("task.amended", t_coord_both),
        ("unit.updated", OLD),
    ]
    transfer = events(intake, before, "task.transferred")[0]["data"]
    assert (transfer["from_unit"], transfer["to_unit"]) == (OLD, SUCCESSOR)
    assert transfer["reason"].startswith("Sáp nhập đơn vị Phường Hàm Rồng")
    amended = {e["subject"]: e["data"] for e in events(intake, before, "task.amended")}
    assert amended[t_coord]["changes"] == {
        "coordinating_units": [[OLD, "SO_TC"], [SUCCESSOR, "SO_TC"]]
    }
    assert amended[t_both]["changes"] == {"coordinating_units": [[SUCCESSOR, "SO_TC"], ["SO_TC"]]}
    assert events(intake, before, "unit.updated")[0]["data"]["successor"] == SUCCESSOR
    # Audit: the merge itself and every task it touched.
    (merged,) = audit_records(intake, OLD)
    assert merged["action"] == "unit.merged"
    assert merged["changes"]["successor"] == [None, SUCCESSOR]
    assert [r["action"] for r in audit_records(intake, t_both)] == [
        "task.amended",
        "task.transferred",
    ]
    assert [r["action"] for r in audit_records(intake, t_received)] == ["task.transferred"]


def test_a_merged_unit_keeps_its_row_and_cannot_come_back(intake: Any) -> None:
    assert merge(intake, OLD, SUCCESSOR).status_code == 200

    inactive = intake.test_client.get("/api/intake/units?active=false", headers=token())
    assert OLD in [u["code"] for u in inactive.get_json()["items"]]
    again = intake.test_client.patch(
        f"/api/intake/units/{OLD}", json={"active": True}, headers=token()
    )
    assert again.status_code == 409
    assert merge(intake, OLD, "14812").status_code == 409
    assert unit_row(intake, OLD)["successor"] == SUCCESSOR


def test_a_unit_merges_only_into_another_active_unit(intake: Any) -> None:
    intake.test_client.patch("/api/intake/units/14812", json={"active": False}, headers=token())
    before = outbox_seq(intake)

    for successor in (OLD, "14812", "KHONG_CO"):
        answer = merge(intake, OLD, successor)
        assert answer.status_code == 422 and "successor" in answer.get_json()["errors"], successor
    assert merge(intake, "KHONG_CO", SUCCESSOR).status_code == 404
    assert unit_row(intake, OLD)["active"] is True
    assert events(intake, before) == []


@pytest.mark.parametrize("role", ["unit_officer", "unit_head", "leader", "qlvb"])
def test_only_the_office_manages_units(intake: Any, role: str) -> None:
    headers = token(role, OLD)
    client = intake.test_client
    before = outbox_seq(intake)

    answers = [
        client.post(
            "/api/intake/units", json={"code": "X", "name": "X", "kind": "other"}, headers=headers
        ),
        client.patch(f"/api/intake/units/{OLD}", json={"name": "Đổi tên"}, headers=headers),
        merge(intake, OLD, SUCCESSOR, role),
    ]

    assert [a.status_code for a in answers] == [403] * 3
    assert events(intake, before) == [] and audit_records(intake) == []
    assert unit_row(intake, OLD)["active"] is True


@pytest.mark.services
def test_a_merge_on_postgresql_finds_coordinated_tasks_and_locks_what_it_changes(
    pg_intake: Any,
) -> None:
    # JSON membership and FOR UPDATE are spelled differently on PostgreSQL than on SQLite.
    released = released_document(
        pg_intake,
        tasks=[
            task_body(lead_unit=OLD, coordinating_units=["SO_TC"]),
            task_body(lead_unit="SO_XD", coordinating_units=["SO_TC", OLD]),
        ],
    )
    led, coordinated = (t["id"] for t in released["tasks"])
    before = outbox_seq(pg_intake)

    answer = merge(pg_intake, OLD, SUCCESSOR)

    assert answer.status_code == 200
    assert (answer.get_json()["transferred_tasks"], answer.get_json()["amended_tasks"]) == (
        [led],
        [coordinated],
    )
    assert task_row(pg_intake, coordinated)["coordinating_units"] == ["SO_TC", SUCCESSOR]
    assert [e["type"] for e in events(pg_intake, before)] == [
        "task.transferred",
        "task.amended",
        "unit.updated",
    ]
    transfer = {"lead_unit": "SO_NNMT", "reason": "Đúng chức năng"}
    moved = pg_intake.test_client.post(
        f"/api/intake/tasks/{led}/transfer", json=transfer, headers=token()
    )
    assert moved.status_code == 200 and task_row(pg_intake, led)["lead_unit"] == "SO_NNMT"
    assert [r["action"] for r in audit_records(pg_intake, led)] == ["task.transferred"] * 2
