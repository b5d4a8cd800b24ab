"""Who reads and does what through sectors and subordinate units (docs/contracts.md, Roles and
scoping): a department reads and urges the tasks of communes and agencies in the sectors it
manages (Đ8.2a); a head reads the tasks and figures of the units under it, transitively (Đ7.2a,
Đ8.2c); a lead unit hands a task on to a unit under it and stays the lead, the unit reads it and
reports its progress but never submits the result (Đ8.2c). Writes stay with the lead unit.

The units' relations come as intake announces them (`unit.updated` with `parent` and
`sectors`), the tasks' sector with their release. On SQLite and on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from services.notify.domain import messages_for
from shared.events import parse_event
from tests.integration import workflowkit
from tests.integration.reportingkit import NOW, Task, headers
from tests.integration.reportingkit import unit as reporting_unit
from tests.integration.workflowkit import OFFICE, act, auth, outbox_types, release

UNITS = ("SO_NNMT", "CC_TC", "PHONG_CC", "XA_A", "XA_B")  # with SO_TC, SO_XD
ON_BOTH_DATABASES = workflowkit.on_both_databases(
    workflowkit.Setup(units=(*workflowkit.KNOWN_UNITS, *UNITS))
)

SECTOR_HEAD = auth("unit_head", "SO_NNMT")  # manages "nong_nghiep" (Đ8.2a)
PARENT_HEAD = auth("unit_head", "SO_TC")  # CC_TC under it, PHONG_CC under CC_TC (Đ7.2a)
SIBLING_HEAD = auth("unit_head", "SO_XD")  # no unit under it
SUB_OFFICER = auth("unit_officer", "CC_TC")
DEEP_OFFICER = auth("unit_officer", "PHONG_CC")
COMMUNE = auth("unit_officer", "XA_A")
TASKS = "/api/workflow/tasks"


def place(service: Any, code: str, kind: str, parent: str | None = None, sectors: tuple = ()):
    data = {
        "code": code,
        "name": code,
        "kind": kind,
        "active": True,
        "parent": parent,
        "sectors": list(sectors),
    }
    assert service.deliver("unit.updated", data, source="/intake") == "applied"


def directory(service: Any) -> None:
    place(service, "SO_NNMT", "department", sectors=("nong_nghiep", "tai_nguyen_moi_truong"))
    place(service, "SO_TC", "department", sectors=("tai_chinh",))
    place(service, "CC_TC", "other", parent="SO_TC")
    place(service, "PHONG_CC", "other", parent="CC_TC")
    place(service, "SO_XD", "department")
    place(service, "XA_A", "commune")
    place(service, "XA_B", "commune")


def accepted(service: Any, lead: str, **overrides: Any) -> str:
    task_id = release(service, lead_unit=lead, coordinating_units=[], **overrides)
    answer = act(service, task_id, "accept", auth("unit_officer", lead))
    assert answer.status_code == 200, answer.get_json()
    return task_id


def listed(service: Any, who: dict[str, str], **query: str) -> set[str]:
    answer = service.client.get(TASKS, headers=who, query_string={"limit": 500, **query})
    assert answer.status_code == 200, answer.get_json()
    return {item["id"] for item in answer.get_json()["items"]}


@ON_BOTH_DATABASES
def test_the_authorisation_matrix_of_sectors_and_subordinate_units_D8_2a_D7_2a_D8_2c(
    workflow: Any,
) -> None:
    directory(workflow)
    tasks = {
        "sector": accepted(workflow, "XA_A", sector="nong_nghiep"),
        "other_sector": accepted(workflow, "XA_B", sector="y_te"),
        "no_sector": accepted(workflow, "XA_B"),
        "sub": accepted(workflow, "CC_TC"),
        "deep": accepted(workflow, "PHONG_CC"),
        "handed": accepted(workflow, "SO_TC"),
    }
    handed = act(workflow, tasks["handed"], "hand_on", PARENT_HEAD, unit="CC_TC")
    assert handed.status_code == 200, handed.get_json()

    # (relation, who, method, task, action or None for a read, body, expected status)
    matrix: list[tuple[str, dict[str, str], str, str | None, dict[str, Any], int]] = [
        ("Đ8.2a department, task in its sector", SECTOR_HEAD, "sector", None, {}, 200),
        ("Đ8.2a department, other sector", SECTOR_HEAD, "other_sector", None, {}, 403),
        ("Đ8.2a department, no sector", SECTOR_HEAD, "no_sector", None, {}, 403),
        ("Đ8.2a department urges in its sector", SECTOR_HEAD, "sector", "urge_in_sector", {}, 200),
        ("Đ8.2a department, urge outside", SECTOR_HEAD, "other_sector", "urge_in_sector", {}, 403),
        ("Đ8.2a department, not the Office's urge", SECTOR_HEAD, "sector", "urge", {}, 403),
        ("Đ8.2a department, no result", SECTOR_HEAD, "sector", "submit_result", {}, 403),
        ("Đ8.2a department, no progress", SECTOR_HEAD, "sector", "report_progress", {}, 403),
        ("Đ8.2a commune, not a department", COMMUNE, "sector", "urge_in_sector", {}, 403),
        ("Đ7.2a head reads a sub-unit's task", PARENT_HEAD, "sub", None, {}, 200),
        ("Đ7.2a head reads transitively", PARENT_HEAD, "deep", None, {}, 200),
        ("Đ7.2a head, no result for a sub-unit", PARENT_HEAD, "sub", "submit_result", {}, 403),
        ("Đ7.2a head, no urge in a sub-unit", PARENT_HEAD, "sub", "urge_in_sector", {}, 403),
        ("Đ7.2a sibling reads nothing", SIBLING_HEAD, "sub", None, {}, 403),
        ("Đ7.2a sibling reads nothing", SIBLING_HEAD, "handed", None, {}, 403),
        ("Đ7.2a sub-unit does not read up", SUB_OFFICER, "sector", None, {}, 403),
        ("Đ7.2a office under a unit reads up nothing", DEEP_OFFICER, "sub", None, {}, 403),
        ("Đ8.2c handed-on unit reads", SUB_OFFICER, "handed", None, {}, 200),
        ("Đ8.2c handed-on unit reports", SUB_OFFICER, "handed", "report_handed_progress", {}, 200),
        ("Đ8.2c handed-on unit, no result", SUB_OFFICER, "handed", "submit_result", {}, 403),
        (
            "Đ8.2c handed-on unit, no lead progress",
            SUB_OFFICER,
            "handed",
            "report_progress",
            {},
            403,
        ),
        (
            "Đ8.2c handed-on unit, no hand-on",
            SUB_OFFICER,
            "handed",
            "hand_on",
            {"unit": "PHONG_CC"},
            403,
        ),
        ("Đ8.2c lead unit keeps its result", PARENT_HEAD, "handed", "submit_result", {}, 200),
        (
            "Đ8.2c a unit under no one hands on nothing",
            SIBLING_HEAD,
            "handed",
            "hand_on",
            {"unit": "CC_TC"},
            403,
        ),
        ("the Office reads all", OFFICE, "sector", None, {}, 200),
    ]
    wrong = []
    for relation, who, method_task, action, body, expected in matrix:
        task_id = tasks[method_task]
        if action is None:
            answer = workflow.client.get(f"{TASKS}/{task_id}", headers=who)
        else:
            answer = act(workflow, task_id, action, who, **body)
        if answer.status_code != expected:
            wrong.append((relation, action, answer.status_code, expected, answer.get_json()))
    assert wrong == []

    # Lists are scoped alike (Đ7.2a, Đ8.2a, Đ8.2c).
    assert listed(workflow, SECTOR_HEAD) == {tasks["sector"]}
    assert listed(workflow, SECTOR_HEAD, sector="nong_nghiep") == {tasks["sector"]}
    assert listed(workflow, PARENT_HEAD) == {tasks["sub"], tasks["deep"], tasks["handed"]}
    assert listed(workflow, SUB_OFFICER) == {tasks["sub"], tasks["deep"], tasks["handed"]}
    assert listed(workflow, SIBLING_HEAD) == set()
    assert listed(workflow, COMMUNE) == {tasks["sector"]}
    assert listed(workflow, OFFICE, sector="y_te") == {tasks["other_sector"]}

    # The dashboard: the head's own unit unless they name one under it (Đ7.2a).
    board = "/api/workflow/dashboard"
    own = workflow.client.get(board, headers=PARENT_HEAD)
    sub = workflow.client.get(board, headers=PARENT_HEAD, query_string={"unit": "CC_TC"})
    sibling = workflow.client.get(board, headers=SIBLING_HEAD, query_string={"unit": "CC_TC"})
    assert (own.status_code, sub.status_code, sibling.status_code) == (200, 200, 403)
    assert own.get_json()["unit"] == "SO_TC" and sub.get_json()["unit"] == "CC_TC"

    # A case naming a sub-unit is the head's to read too (Đ7.2a), not a sibling's.
    asked = workflow.client.post(
        "/api/workflow/info-requests",
        json={
            "subject": "topic",
            "topic": "Giải ngân vốn đầu tư công",
            "question": "Báo cáo tiến độ",
            "units": ["CC_TC"],
            "due_on": "2026-12-10",
        },
        headers=OFFICE,
    )
    assert asked.status_code == 201, asked.get_json()
    case_id = asked.get_json()["items"][0]["id"]
    case_path = f"/api/workflow/info-requests/{case_id}"
    assert workflow.client.get(case_path, headers=PARENT_HEAD).status_code == 200
    assert workflow.client.get(case_path, headers=SIBLING_HEAD).status_code == 403
    cases = workflow.client.get("/api/workflow/info-requests", headers=PARENT_HEAD).get_json()
    assert [item["id"] for item in cases["items"]] == [case_id]


@ON_BOTH_DATABASES
def test_a_department_urges_a_communes_task_in_its_sector_and_the_commune_is_told_D8_2a(
    workflow: Any,
) -> None:
    directory(workflow)
    task_id = accepted(workflow, "XA_A", sector="nong_nghiep")
    shown = workflow.client.get(f"{TASKS}/{task_id}", headers=SECTOR_HEAD).get_json()
    assert shown["actions"] == ["urge_in_sector"] and shown["sector"] == "nong_nghiep"

    urged = act(workflow, task_id, "urge_in_sector", SECTOR_HEAD, note="Đề nghị báo cáo sớm")

    assert urged.status_code == 200, urged.get_json()
    entry = urged.get_json()["history"][-1]
    assert (entry["action"], entry["actor"]["unit"], entry["note"]) == (
        "urge_in_sector",
        "SO_NNMT",
        "Đề nghị báo cáo sớm",
    )
    assert entry["status_from"] == entry["status_to"] == "in_progress"
    assert outbox_types(workflow)[-1] == "task.urged"
    data = last_event(workflow, "task.urged")
    assert (data["action"], data["sector"]) == ("urge_in_sector", "nong_nghiep")
    (message,) = messages_for("task.urged", data, lambda code: f"Đơn vị {code}")
    assert message.recipient.id == "XA_A"
    assert message.title.startswith("Đơn vị SO_NNMT đôn đốc")
    assert audited(workflow, task_id, "urge_in_sector")


@ON_BOTH_DATABASES
def test_a_lead_unit_hands_a_task_on_to_a_unit_under_it_and_stays_the_lead_D8_2c(
    workflow: Any,
) -> None:
    directory(workflow)
    task_id = accepted(workflow, "SO_TC")
    before = workflow.client.get(f"{TASKS}/{task_id}", headers=SUB_OFFICER)
    assert before.status_code == 403
    offered = workflow.client.get(f"{TASKS}/{task_id}", headers=PARENT_HEAD).get_json()
    assert "hand_on" in offered["actions"]

    # Only to a unit under the lead unit (transitively), once.
    for unit in ("SO_XD", "SO_TC", "KHONG_CO"):
        refused = act(workflow, task_id, "hand_on", PARENT_HEAD, unit=unit)
        assert refused.status_code == 422 and "unit" in refused.get_json()["errors"], unit
    handed = act(workflow, task_id, "hand_on", PARENT_HEAD, unit="PHONG_CC", note="Phòng làm")
    assert handed.status_code == 200, handed.get_json()
    again = act(workflow, task_id, "hand_on", PARENT_HEAD, unit="PHONG_CC")
    assert again.status_code == 422

    task = handed.get_json()
    assert (task["lead_unit"], task["handed_units"]) == ("SO_TC", ["PHONG_CC"])
    assert task["history"][-1]["action"] == "hand_on"
    data = last_event(workflow, "task.handed_on")
    (message,) = messages_for("task.handed_on", data, lambda code: code)
    assert message.recipient.id == "PHONG_CC" and "SO_TC" in message.body
    assert audited(workflow, task_id, "hand_on")

    # The unit reads it and reports to the lead unit; the result stays the lead unit's.
    shown = workflow.client.get(f"{TASKS}/{task_id}", headers=DEEP_OFFICER).get_json()
    assert shown["actions"] == ["report_handed_progress"]
    reported = act(workflow, task_id, "report_handed_progress", DEEP_OFFICER, note="Xong 50%")
    assert reported.status_code == 200, reported.get_json()
    assert last_event(workflow, "task.contribution_added")["action"] == "report_handed_progress"
    assert act(workflow, task_id, "submit_result", DEEP_OFFICER).status_code == 403
    done = act(workflow, task_id, "submit_result", PARENT_HEAD, note="Hoàn thành")
    assert done.status_code == 200 and done.get_json()["status"] == "submitted"


@ON_BOTH_DATABASES
def test_a_transfer_ends_the_hand_on_of_the_old_lead_unit_D8_2c(workflow: Any) -> None:
    directory(workflow)
    task_id = accepted(workflow, "SO_TC")
    assert act(workflow, task_id, "hand_on", PARENT_HEAD, unit="CC_TC").status_code == 200
    transfer = {
        "task_id": task_id,
        "document_id": "d" * 32,
        "from_unit": "SO_TC",
        "to_unit": "SO_XD",
        "reason": "Đúng chức năng",
        "transferred_at": workflow.clock.now().isoformat(),
        "actor": {"sub": "office@VP_UBND", "name": "Văn phòng", "unit": "VP_UBND"},
    }
    assert workflow.deliver("task.transferred", transfer, source="/intake") == "applied"

    assert workflow.client.get(f"{TASKS}/{task_id}", headers=SUB_OFFICER).status_code == 403
    assert workflow.client.get(f"{TASKS}/{task_id}", headers=PARENT_HEAD).status_code == 403
    assert task_id not in listed(workflow, SUB_OFFICER)
    shown = workflow.client.get(f"{TASKS}/{task_id}", headers=SIBLING_HEAD).get_json()
    assert (shown["lead_unit"], shown["handed_units"]) == ("SO_XD", [])


@pytest.mark.parametrize(
    "reporting", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
def test_a_head_reads_the_figures_of_the_units_under_it_and_a_sibling_does_not_D7_2a(
    reporting: Any,
) -> None:
    for code in ("SO_TC", "CC_TC", "SO_XD"):
        reporting_unit(reporting, code, code)
    sub_unit = {"code": "CC_TC", "name": "CC_TC", "kind": "other", "active": True}
    reporting.deliver("unit.updated", {**sub_unit, "parent": "SO_TC"}, NOW)
    Task(reporting, "CC_TC", "2026-11-02", "2026-11-20")
    query = "/api/reporting/stats?from=2026-11-01&to=2026-11-30&unit=CC_TC"

    parent = reporting.client.get(query, headers=headers("unit_head", "SO_TC"))
    sibling = reporting.client.get(query, headers=headers("unit_head", "SO_XD"))
    own = reporting.client.get(query, headers=headers("unit_officer", "CC_TC"))

    assert parent.status_code == 200, parent.get_json()
    assert [u["unit"] for u in parent.get_json()["units"]] == ["CC_TC"]
    assert parent.get_json()["totals"]["total"] == 1
    assert sibling.status_code == 403
    assert own.status_code == 200
    upward = query.replace("unit=CC_TC", "unit=SO_TC")
    assert reporting.client.get(upward, headers=headers("unit_officer", "CC_TC")).status_code == 403


@pytest.mark.parametrize(
    "reporting", ["sqlite", pytest.param("postgresql", marks=pytest.mark.services)], indirect=True
)
def test_a_department_reads_the_figures_and_task_list_of_its_sectors_only_D8_2a(
    reporting: Any,
) -> None:
    for code in ("XA_A", "XA_B", "SO_YT"):
        reporting_unit(reporting, code, code)
    department = {"code": "SO_NNMT", "name": "SO_NNMT", "kind": "department", "active": True}
    reporting.deliver("unit.updated", {**department, "sectors": ["nong_nghiep"]}, NOW)
    farming = Task(reporting, "XA_A", "2026-11-02", "2026-11-20").send(
        "task.accepted", "in_progress", NOW, sector="nong_nghiep"
    )
    Task(reporting, "XA_B", "2026-11-02", "2026-11-20").send(
        "task.accepted", "in_progress", NOW, sector="y_te"
    )
    period = "from=2026-11-01&to=2026-11-30"
    head = headers("unit_head", "SO_NNMT")

    mine = reporting.client.get(f"/api/reporting/stats?{period}&sector=nong_nghiep", headers=head)
    listed = reporting.client.get(
        f"/api/reporting/stats/tasks?{period}&sector=nong_nghiep", headers=head
    )
    other = reporting.client.get(f"/api/reporting/stats?{period}&sector=y_te", headers=head)
    commune = reporting.client.get(
        f"/api/reporting/stats?{period}&sector=y_te&unit=XA_B", headers=head
    )

    assert mine.status_code == 200, mine.get_json()
    assert [(u["unit"], u["total"]) for u in mine.get_json()["units"]] == [("XA_A", 1)]
    assert listed.status_code == 200, listed.get_json()
    assert [item["task_id"] for item in listed.get_json()["items"]] == [farming.id]
    # Another sector is not the department's: only its own unit's figures, none of them.
    assert other.status_code == 200 and other.get_json()["totals"]["total"] == 0
    assert commune.status_code == 403
    everything = reporting.client.get(f"/api/reporting/stats?{period}", headers=head).get_json()
    assert everything["totals"]["total"] == 0


def last_event(service: Any, event_type: str) -> dict[str, Any]:
    """The data of the newest event of this type in the outbox."""
    outbox = service.runtime.platform.tables.outbox
    with service.runtime.platform.database.read() as conn:
        body = conn.execute(
            select(outbox.c.body)
            .where(outbox.c.event_type == event_type)
            .order_by(outbox.c.seq.desc())
            .limit(1)
        ).scalar_one()
    return dict(parse_event(body).data)  # as a consumer reads it: dates are dates


def audited(service: Any, task_id: str, action: str) -> list[dict[str, Any]]:
    """The task's audit records of this action, after checking the chain is intact."""
    audit_log = service.runtime.platform.audit_log
    table = audit_log.table
    query = select(table).where(table.c.entity_id == task_id, table.c.action == f"task.{action}")
    with service.runtime.platform.database.read() as conn:
        assert audit_log.verify(conn) == []
        return [dict(row) for row in conn.execute(query).mappings()]
