"""Unit scoping is exact (docs/contracts.md, Roles and scoping): a unit reads the tasks and cases
it takes part in, through the `task_units` and `case_units` rows kept in step with every release,
transfer, amendment and change of a case's parties, never through a pattern on a JSON text (a unit
`SOZTC` once read SO_TC's work, `_` being a wildcard). Search takes `%` and `_` as letters. Every
unit a request names is a unit of the directory, and `*` never comes from a client. On SQLite and
on PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import event, select, text, update

from services.workflow import units
from services.workflow.case_store import case_people, case_units
from services.workflow.store import task_units
from shared.auth import UNIT_HEAD, Principal
from shared.db import migrate
from shared.scoping import UnitDirectory
from tests.integration import workflowkit
from tests.integration.workflowkit import LEAD, NOW, OFFICE, auth, release

ON_BOTH_DATABASES = workflowkit.on_both_databases(
    workflowkit.Setup(clock="adjustable", units=(*workflowkit.KNOWN_UNITS, "SOZTC"))
)

SOZTC = auth("unit_officer", "SOZTC")  # a unit the Office added, one letter from SO_TC
PLANNING = auth("unit_officer", "SO_KH")
HEALTH = auth("unit_officer", "SO_YT")
GROUP_LEADER = auth("office_lead", "VP_UBND")
ACTOR = {"sub": "office@VP_UBND", "name": "Văn phòng", "unit": "VP_UBND"}
TASKS = "/api/workflow/tasks"
INFO = "/api/workflow/info-requests"
INSPECTIONS = "/api/workflow/inspections"


def deliver(service: Any, event_type: str, **data: Any) -> None:
    assert service.deliver(event_type, data, when=NOW, source="/intake") == "applied"


def listed(service: Any, path: str, who: dict[str, str], **query: str) -> list[str]:
    answer = service.client.get(path, headers=who, query_string=query)
    assert answer.status_code == 200, answer.get_json()
    return sorted(item["id"] for item in answer.get_json()["items"])


def ask(service: Any, units: list[str], question: str = "Báo cáo tiến độ") -> Any:
    body = {
        "subject": "topic",
        "topic": "Giải ngân vốn đầu tư công",
        "question": question,
        "units": units,
        "due_on": "2026-12-10",
    }
    return service.client.post(INFO, json=body, headers=OFFICE)


@ON_BOTH_DATABASES
def test_units_one_letter_apart_see_none_of_each_others_tasks_or_cases(workflow: Any) -> None:
    led = release(workflow)  # SO_TC leads, SO_XD coordinates
    coordinated = release(workflow, lead_unit="SO_XD", coordinating_units=["SO_TC"])
    asked = ask(workflow, ["SO_TC"])
    assert asked.status_code == 201, asked.get_json()
    case_id = asked.get_json()["items"][0]["id"]

    # And the other way round: what names SOZTC is not SO_TC's.
    theirs = release(workflow, lead_unit="SO_XD", coordinating_units=["SOZTC"])
    their_case = ask(workflow, ["SOZTC"]).get_json()["items"][0]["id"]
    assert listed(workflow, TASKS, SOZTC) == [theirs]
    assert listed(workflow, INFO, SOZTC) == [their_case]
    assert workflow.client.get(f"{TASKS}/{theirs}", headers=LEAD).status_code == 403
    assert workflow.client.get(f"{INFO}/{their_case}", headers=LEAD).status_code == 403
    assert listed(workflow, TASKS, LEAD) == sorted([led, coordinated])
    assert workflow.client.get(f"{TASKS}/{led}", headers=SOZTC).status_code == 403
    assert listed(workflow, INFO, LEAD) == [case_id]
    assert workflow.client.get(f"{INFO}/{case_id}", headers=SOZTC).status_code == 403
    # The Office's filter is as exact.
    assert listed(workflow, TASKS, OFFICE, unit="SOZTC") == [theirs]
    assert listed(workflow, TASKS, OFFICE, unit="SO_TC") == sorted([led, coordinated])
    assert listed(workflow, TASKS, OFFICE, unit="SO%") == []
    assert listed(workflow, INFO, OFFICE, unit="SOZTC") == [their_case]
    assert listed(workflow, INFO, OFFICE, unit="SO_TC") == [case_id]
    board = workflow.client.get("/api/workflow/dashboard?unit=SO_TC", headers=OFFICE).get_json()
    assert board["totals"]["open_cases"] == {"info_request": 1}


@ON_BOTH_DATABASES
def test_transfers_amendments_and_invitations_change_who_reads_the_task_or_case(
    workflow: Any,
) -> None:
    task_id = release(workflow)
    deliver(
        workflow,
        "task.transferred",
        task_id=task_id,
        document_id="d" * 32,
        from_unit="SO_TC",
        to_unit="SO_KH",
        reason="Thuộc chức năng Sở Kế hoạch",
        transferred_at=NOW.isoformat(),
        actor=ACTOR,
    )
    assert listed(workflow, TASKS, LEAD) == []
    assert listed(workflow, TASKS, PLANNING) == [task_id]
    deliver(
        workflow,
        "task.amended",
        task_id=task_id,
        document_id="d" * 32,
        changes={"coordinating_units": [["SO_XD"], ["SO_YT"]]},
        content="Rà soát vốn",
        lead_unit="SO_KH",
        due_on="2026-12-20",
        cadence=None,
        coordinating_units=["SO_YT"],
        amended_at=NOW.isoformat(),
        actor=ACTOR,
    )
    assert listed(workflow, TASKS, HEALTH) == [task_id]
    assert listed(workflow, TASKS, auth("unit_officer", "SO_XD")) == []
    with workflow.runtime.platform.database.read() as conn:
        rows = conn.execute(select(task_units.c.unit, task_units.c.role)).all()
    assert sorted(tuple(r) for r in rows) == [("SO_KH", "lead"), ("SO_YT", "coordinating")]

    # A case whose diagram changes its parties: the unit invited to an inspection (Đ14.2).
    plan = {
        "form": "regular",
        "title": "Kiểm tra quý IV",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
    }
    inspection = workflow.client.post(INSPECTIONS, json=plan, headers=OFFICE).get_json()
    inspection_id = inspection["items"][0]["id"]
    action = f"{INSPECTIONS}/{inspection_id}/actions"
    assert (
        workflow.client.post(f"{action}/approve", json={}, headers=GROUP_LEADER).status_code == 200
    )
    assert listed(workflow, INSPECTIONS, HEALTH) == []
    invite = {"unit": "SO_YT", "reason": "Liên quan đến nội dung kiểm tra"}
    answer = workflow.client.post(f"{action}/invite_unit", json=invite, headers=GROUP_LEADER)
    assert answer.status_code == 200, answer.get_json()
    assert listed(workflow, INSPECTIONS, HEALTH) == [inspection_id]
    with workflow.runtime.platform.database.read() as conn:
        query = select(case_units.c.role, case_units.c.unit).where(
            case_units.c.case_id == inspection_id
        )
        named = sorted(tuple(r) for r in conn.execute(query))
    assert named == [("inspected", "SO_TC"), ("invited", "SO_YT")]


@ON_BOTH_DATABASES
def test_search_takes_percent_and_underscore_as_letters(workflow: Any) -> None:
    percent = release(workflow, content="Giảm 5% chi phí hành chính")
    release(workflow, content="Rà soát vốn đầu tư")
    assert listed(workflow, TASKS, OFFICE, q="%") == [percent]
    assert listed(workflow, TASKS, OFFICE, q="5%") == [percent]
    assert listed(workflow, TASKS, OFFICE, q="_") == []
    asked = ask(workflow, ["SO_TC"], question="Tỷ lệ giải ngân đạt bao nhiêu %?")
    ask(workflow, ["SO_TC"], question="Khó khăn vướng mắc")
    assert listed(workflow, INFO, OFFICE, q="%") == [asked.get_json()["items"][0]["id"]]
    assert listed(workflow, INFO, OFFICE, q="_") == []


@pytest.mark.parametrize("units", [["NOPE_UNIT"], ["SO_TC", "NOPE_UNIT"], ["*"]])
@ON_BOTH_DATABASES
def test_an_information_request_names_only_units_of_the_directory_D8_1d(
    workflow: Any, units: list[str]
) -> None:
    answer = ask(workflow, units)
    assert answer.status_code == 422
    assert "units" in answer.get_json()["errors"]
    assert listed(workflow, INFO, OFFICE) == []


@ON_BOTH_DATABASES
def test_an_inspection_names_only_units_of_the_directory_D12_D14_2(workflow: Any) -> None:
    plan = {
        "form": "regular",
        "title": "Kiểm tra quý IV",
        "units": ["NOPE_UNIT"],
        "scope": ["implementation"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
    }
    refused = workflow.client.post(INSPECTIONS, json=plan, headers=OFFICE)
    assert refused.status_code == 422 and "units" in refused.get_json()["errors"]
    opened = workflow.client.post(INSPECTIONS, json={**plan, "units": ["SO_TC"]}, headers=OFFICE)
    case_id = opened.get_json()["items"][0]["id"]
    action = f"{INSPECTIONS}/{case_id}/actions"
    back = workflow.client.post(f"{action}/return_plan", json={"reason": "x"}, headers=GROUP_LEADER)
    assert back.status_code == 200
    revise = {"units": ["SO_TC", "NOPE_UNIT"], "note": "Thêm đơn vị"}
    answer = workflow.client.post(f"{action}/revise", json=revise, headers=OFFICE)
    assert answer.status_code == 422 and "units" in answer.get_json()["errors"]
    revise = {"units": ["SO_TC", "SO_XD"], "note": "Thêm đơn vị"}
    assert workflow.client.post(f"{action}/revise", json=revise, headers=OFFICE).status_code == 200
    assert (
        workflow.client.post(f"{action}/approve", json={}, headers=GROUP_LEADER).status_code == 200
    )
    invite = {"unit": "NOPE_UNIT", "reason": "Liên quan"}
    answer = workflow.client.post(f"{action}/invite_unit", json=invite, headers=GROUP_LEADER)
    assert answer.status_code == 422 and "unit" in answer.get_json()["errors"]
    # A unit intake deactivated (merged into another) is no longer one a request may name.
    deliver(workflow, "unit.updated", code="SO_YT", name="Sở Y tế", kind="department", active=False)
    answer = ask(workflow, ["SO_YT"])
    assert answer.status_code == 422 and "SO_YT" in answer.get_json()["errors"]["units"][0]


@ON_BOTH_DATABASES
def test_the_migration_fills_the_participants_of_existing_tasks_and_cases(workflow: Any) -> None:
    release(workflow, coordinating_units=["SO_XD", "SO_YT"])
    release(workflow, lead_unit="SO_XD", coordinating_units=[])
    assert ask(workflow, ["SO_TC", "SO_KH"]).status_code == 201
    plan = {
        "form": "regular",
        "title": "Kiểm tra quý IV",
        "units": ["SO_TC"],
        "scope": ["implementation"],
        "period_from": "2026-11-01",
        "period_to": "2026-11-30",
        "inspectors": [{"sub": "inspector@VP_UBND", "name": "Mai"}],
    }
    assert workflow.client.post(INSPECTIONS, json=plan, headers=OFFICE).status_code == 201
    tables = (task_units, case_units, case_people)
    database = workflow.runtime.platform.database

    def rows() -> list[list[tuple[Any, ...]]]:
        with database.read() as conn:
            return [sorted(tuple(r) for r in conn.execute(select(t))) for t in tables]

    before = rows()
    assert [len(named) for named in before] == [4, 3, 1]
    # As a deployment at revision 0006 was, with the same tasks and cases: then upgraded.
    with database.transaction() as conn:
        # Nor the unit directory's version and its trigger (0015).
        if conn.dialect.name == "postgresql":
            conn.execute(text("DROP TRIGGER units_version_bump ON units"))
            conn.execute(text("DROP FUNCTION units_version_bump()"))
        else:
            for change in ("insert", "update", "delete"):
                conn.execute(text(f"DROP TRIGGER units_version_{change}"))
        conn.execute(text("DROP TABLE units_version"))
        for table in tables:
            table.drop(conn)
        # Nor had it the later revisions' indexes (0008, 0017).
        conn.execute(text("DROP INDEX ix_task_instances_created_at"))
        conn.execute(text("DROP INDEX ix_task_instances_status_created_at"))
        conn.execute(text("DROP INDEX ix_task_instances_extension_pending_created_at"))
        # But it had the index on the status alone (0001; 0018 dropped it).
        conn.execute(text("CREATE INDEX ix_task_instances_status ON task_instances (status)"))
        # Nor the active version of each process model (0009).
        conn.execute(text("DROP INDEX ux_process_models_active"))
        for column in ("activated_by", "activated_at", "active", "source"):
            conn.execute(text(f"ALTER TABLE process_models DROP COLUMN {column}"))
        # Nor the files sent with tasks' and cases' actions (0010).
        for files_table in ("task_files", "case_files"):
            conn.execute(text(f"DROP TABLE {files_table}"))
        # Nor what each task history entry gave the diagram (0011).
        conn.execute(text("ALTER TABLE task_history DROP COLUMN payload"))
        # Nor the Working Group's decisions and members (0012).
        for group_table in ("working_group_members", "working_group_decisions"):
            conn.execute(text(f"DROP TABLE {group_table}"))
        # Nor units' parents and sectors, tasks' sectors and hand-ons (0014).
        conn.execute(text("DROP INDEX ix_task_instances_sector"))
        for table_name, column in (
            ("units", "parent"),
            ("units", "sectors"),
            ("task_instances", "sector"),
            ("task_instances", "handed_units"),
        ):
            conn.execute(text(f"ALTER TABLE {table_name} DROP COLUMN {column}"))
        # Nor the officer responsible inside the lead unit (0013).
        for officer_column in ("officer_sub", "officer_name"):
            conn.execute(text(f"ALTER TABLE task_instances DROP COLUMN {officer_column}"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0006'"))
    migrate(database.engine, workflow.runtime.migrations)
    assert rows() == before


@ON_BOTH_DATABASES
def test_the_directory_a_process_keeps_follows_every_change_to_the_units(workflow: Any) -> None:
    """Callers are resolved from a copy of the directory kept by the process and checked against
    the version a trigger moves on (migration 0015): a `unit.updated` applied, or any write to
    the table, is seen by the next request; an unchanged directory costs one one-row read."""
    database = workflow.runtime.platform.database
    directory = UnitDirectory(database, units.units, units.units_version)
    head = Principal(sub="head@SO_TC", name="Sở", unit="SO_TC", roles=frozenset({UNIT_HEAD}))
    assert directory.resolve(head).subordinates == frozenset()
    statements: list[str] = []

    def seen(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(database.engine, "before_cursor_execute", seen)
    try:
        assert directory.resolve(head).subordinates == frozenset()
    finally:
        event.remove(database.engine, "before_cursor_execute", seen)
    reads = [statement for statement in statements if statement != "BEGIN"]  # SQLite's own
    assert len(reads) == 1 and "units_version" in reads[0]

    deliver(
        workflow,
        "unit.updated",
        code="SO_XD",
        name="Sở XD",
        kind="department",
        active=True,
        parent="SO_TC",
    )
    assert directory.resolve(head).subordinates == {"SO_XD"}
    deliver(
        workflow,
        "unit.updated",
        code="SO_TC",
        name="Sở TC",
        kind="department",
        active=True,
        sectors=["tc"],
    )
    assert directory.resolve(head).sectors == {"tc"}
    # A write that is not an event's (a repair by hand) moves the version too.
    with database.transaction() as conn:
        conn.execute(update(units.units).where(units.units.c.code == "SO_XD").values(parent=None))
    assert directory.resolve(head).subordinates == frozenset()
