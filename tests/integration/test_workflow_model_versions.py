"""Deployed versions are kept: a version a process owner (or an operator) chose stays the one new
instances start on across restarts; bpmn/ holds the shipped defaults, deployed only when their
content is new and never taking over a version a person chose (docs/adding-a-process.md).

Each test runs on SQLite and on PostgreSQL (the `env` fixture, parametrized)."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from services.workflow import models, store
from services.workflow.app import MIGRATIONS, create_app, create_service
from services.workflow.config import BPMN_DIR
from services.workflow.consumer import create_consumer
from shared.audit import audit_table
from shared.clock import FixedClock
from shared.db import migrate
from tests.integration import workflowkit
from tests.integration.workflowkit import NOW, OFFICE, SECRET, auth, release

NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
OWNER = auth("process_owner", None)
LIFECYCLE = "task_lifecycle"


def settings(tmp_path: Path, namespace: str, database_url: str | None = None) -> dict[str, str]:
    """The service's settings, with a bpmn/ of its own that a test may edit."""
    bpmn = tmp_path / "bpmn"
    if not bpmn.exists():
        shutil.copytree(BPMN_DIR, bpmn)
    env = {
        "DATA_DIR": str(tmp_path),
        "JWT_SECRET": SECRET,
        "BUS_NAMESPACE": namespace,
        "BPMN_DIR": str(bpmn),
        "PATH": "/usr/bin:/bin",
    }
    if database_url:
        env["WORKFLOW_DATABASE_URL"] = database_url
    return env


def start(env: dict[str, str]) -> Any:
    """Start the service as a restart does: build it on the database and run `migrate()`."""
    service = create_service(env, clock=FixedClock(NOW))
    service.migrate()
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    return service


def first_start(env: dict[str, str]) -> Any:
    service = start(env)
    workflowkit.know_units(service)
    return service


def restart(service: Any, env: dict[str, str]) -> Any:
    service.runtime.platform.stop()
    return start(env)


def edited(xml: bytes, label: str) -> bytes:
    changed = xml.replace("Tiếp nhận".encode(), label.encode(), 1)
    assert changed != xml
    return changed


def deploy(service: Any, xml: bytes, process_id: str = LIFECYCLE) -> Any:
    return service.client.post(
        f"/api/workflow/process-models/{process_id}",
        data=xml,
        headers={**OWNER, "Content-Type": "application/xml"},
    )


def versions(service: Any, process_id: str = LIFECYCLE) -> list[dict[str, Any]]:
    answer = service.client.get("/api/workflow/process-models", headers=OWNER)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    return [m for m in answer.get_json()["items"] if m["process_id"] == process_id]


def active_version(service: Any, process_id: str = LIFECYCLE) -> int:
    (active,) = [m["version"] for m in versions(service, process_id) if m["active"]]
    return int(active)


def version_of_task(service: Any, task_id: str) -> int:
    with service.runtime.platform.database.read() as conn:
        found = conn.execute(
            text("SELECT process_version FROM task_instances WHERE task_id = :id"), {"id": task_id}
        )
        return int(found.scalar_one())


def audited(service: Any) -> list[tuple[str, str, str | None]]:
    table = audit_table(store.metadata)
    query = select(table.c.action, table.c.entity_id, table.c.actor_sub).order_by(table.c.seq)
    with service.runtime.platform.database.read() as conn:
        return [tuple(row) for row in conn.execute(query)]


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [NHIEMVU, "models", *args], env=env, capture_output=True, text=True, timeout=120
    )


# -- Scenarios, on either database ---------------------------------------------------------------
def an_api_deploy_survives_a_restart(env: dict[str, str]) -> None:
    service = first_start(env)
    before = release(service)
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    answer = deploy(service, edited(xml, "Tiếp nhận nhiệm vụ"))
    assert answer.status_code == 201, answer.get_data(as_text=True)
    assert answer.get_json() | {"deployed_at": None, "activated_at": None} == {
        "process_id": LIFECYCLE,
        "version": 2,
        "sha256": answer.get_json()["sha256"],
        "deployed_at": None,
        "deployed_by": "process_owner@None",
        "source": "api",
        "active": True,
        "activated_at": None,
        "activated_by": "process_owner@None",
    }

    service = restart(service, env)
    service = restart(service, env)

    listed = versions(service)
    assert [(m["version"], m["source"], m["active"]) for m in listed] == [
        (1, "file", False),
        (2, "api", True),
    ]
    after = release(service)
    assert (version_of_task(service, before), version_of_task(service, after)) == (1, 2)
    assert [m["running"] for m in versions(service)] == [1, 1]
    service.runtime.platform.stop()


def a_changed_file_is_deployed_but_does_not_take_over_a_chosen_version(
    env: dict[str, str],
) -> None:
    bpmn = Path(env["BPMN_DIR"])
    shipped = (bpmn / f"{LIFECYCLE}.bpmn").read_bytes()
    service = first_start(env)
    assert deploy(service, edited(shipped, "Tiếp nhận nhiệm vụ")).status_code == 201

    (bpmn / f"{LIFECYCLE}.bpmn").write_bytes(edited(shipped, "Nhận việc"))
    service = restart(service, env)
    listed = versions(service)
    assert [(m["version"], m["source"], m["active"]) for m in listed] == [
        (1, "file", False),
        (2, "api", True),
        (3, "file", False),
    ]
    assert version_of_task(service, release(service)) == 2

    # The shipped file back as it was: its content was deployed before (v1), so nothing is.
    (bpmn / f"{LIFECYCLE}.bpmn").write_bytes(shipped)
    service = restart(service, env)
    assert [m["version"] for m in versions(service)] == [1, 2, 3]
    assert active_version(service) == 2
    service.runtime.platform.stop()


def a_changed_file_still_takes_over_a_version_the_start_up_chose(env: dict[str, str]) -> None:
    bpmn = Path(env["BPMN_DIR"])
    service = first_start(env)
    assert active_version(service, "feedback") == 1
    xml = (bpmn / "feedback.bpmn").read_bytes()
    (bpmn / "feedback.bpmn").write_bytes(xml + b"\n<!-- edited -->\n")

    service = restart(service, env)
    assert [(m["version"], m["active"]) for m in versions(service, "feedback")] == [
        (1, False),
        (2, True),
    ]
    assert active_version(service) == 1  # the unchanged file deployed nothing
    service.runtime.platform.stop()


def the_operators_activation_switches_new_instances(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    service = first_start(env)
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    assert deploy(service, edited(xml, "Tiếp nhận nhiệm vụ")).status_code == 201
    on_v2 = release(service)

    switched = cli(env, "activate", LIFECYCLE, "1")
    assert switched.returncode == 0, switched.stderr
    assert switched.stdout == (
        f"{LIFECYCLE}: các phiên mới dùng phiên bản 1; các phiên đang chạy giữ phiên bản của mình\n"
    )
    # Another process sees the activation once its short cache has expired (NEWEST_TTL_SECONDS).
    monkeypatch.setattr(models, "NEWEST_TTL_SECONDS", 0.0)
    on_v1 = release(service)
    assert (version_of_task(service, on_v2), version_of_task(service, on_v1)) == (2, 1)
    (operator,) = [
        a[2] for a in audited(service) if a[:2] == ("process_model.activated", f"{LIFECYCLE}:1")
    ]
    assert operator is not None and operator.startswith("operator:")

    service = restart(service, env)
    assert active_version(service) == 1
    assert version_of_task(service, release(service)) == 1
    again = cli(env, "activate", LIFECYCLE, "1")
    assert again.returncode == 0 and "(đã như vậy)" in again.stdout
    missing = cli(env, "activate", LIFECYCLE, "9")
    assert missing.returncode == 1
    assert missing.stderr == f"{LIFECYCLE}: Không có phiên bản 9 của quy trình {LIFECYCLE}.\n"
    service.runtime.platform.stop()


def the_commands_list_and_deploy_versions(env: dict[str, str], tmp_path: Path) -> None:
    service = first_start(env)
    release(service)
    service.runtime.platform.stop()

    staged = tmp_path / "staged.bpmn"
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    staged.write_bytes(edited(xml, "Tiếp nhận nhiệm vụ"))
    deployed = cli(env, "deploy", str(staged), "--process", LIFECYCLE, "--no-activate")
    assert deployed.returncode == 0, deployed.stderr
    assert deployed.stdout == f"{LIFECYCLE}: đã triển khai phiên bản 2 (chưa hoạt động)\n"
    same = cli(env, "deploy", str(staged), "--process", LIFECYCLE)
    assert same.stdout == f"{LIFECYCLE}: sơ đồ này đã có: phiên bản 2 (đang hoạt động)\n"

    listed = cli(env, "list", "--process", LIFECYCLE)
    assert listed.returncode == 0, listed.stderr
    header, *lines = listed.stdout.splitlines()
    assert header.split("\t") == [
        "  quy trình",
        "phiên bản",
        "sha256",
        "triển khai lúc",
        "bởi",
        "nguồn",
        "đang chạy",
    ]
    rows = [line.split("\t") for line in lines]
    assert [(r[0], r[1], r[5], r[6]) for r in rows] == [
        (f"  {LIFECYCLE}", "v1", "file", "1"),
        (f"* {LIFECYCLE}", "v2", "cli", "0"),
    ]
    assert [len(r[2]) for r in rows] == [12, 12]
    assert rows[0][3] == "2026-12-01 09:00" and rows[0][4] == "bpmn/"
    assert rows[1][4].startswith("operator:")
    assert "* phiên bản các phiên mới dùng" in listed.stderr
    everything = cli(env, "list")
    assert {line.split("\t")[0].strip(" *") for line in everything.stdout.splitlines()[1:]} == {
        path.stem for path in Path(env["BPMN_DIR"]).glob("*.bpmn")
    }

    broken = tmp_path / "broken.bpmn"
    broken.write_bytes(b"<not-bpmn/>")
    refused = cli(env, "deploy", str(broken), "--process", LIFECYCLE)
    assert refused.returncode == 1
    assert refused.stderr.startswith(f"{LIFECYCLE}: Sơ đồ BPMN không hợp lệ (1 lỗi)")
    assert "\n  - " in refused.stderr
    assert cli(env, "list", "--process", "unknown").returncode == 1


def a_process_owner_activates_a_version_through_the_api(env: dict[str, str]) -> None:
    service = first_start(env)
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    assert deploy(service, edited(xml, "Tiếp nhận nhiệm vụ")).status_code == 201
    url = f"/api/workflow/process-models/{LIFECYCLE}/versions/1/activate"

    assert service.client.post(url, headers=OFFICE).status_code == 403
    answer = service.client.post(url, headers=OWNER)
    assert answer.status_code == 200, answer.get_data(as_text=True)
    assert (answer.get_json()["version"], answer.get_json()["active"]) == (1, True)
    assert answer.get_json()["activated_by"] == "process_owner@None"
    assert version_of_task(service, release(service)) == 1
    missing = f"/api/workflow/process-models/{LIFECYCLE}/versions/7/activate"
    assert service.client.post(missing, headers=OWNER).status_code == 404
    not_a_number = f"/api/workflow/process-models/{LIFECYCLE}/versions/v1/activate"
    assert service.client.post(not_a_number, headers=OWNER).status_code == 404

    # Deploying a diagram deployed before answers its version, made active again.
    again = deploy(service, edited(xml, "Tiếp nhận nhiệm vụ"))
    assert (again.status_code, again.get_json()["version"], again.get_json()["active"]) == (
        200,
        2,
        True,
    )
    assert [a[:2] for a in audited(service) if a[0].startswith("process_model.")] == [
        ("process_model.deployed", f"{LIFECYCLE}:2"),
        ("process_model.activated", f"{LIFECYCLE}:2"),
        ("process_model.activated", f"{LIFECYCLE}:1"),
        ("process_model.activated", f"{LIFECYCLE}:2"),
    ]
    service = restart(service, env)
    assert active_version(service) == 2
    service.runtime.platform.stop()


def an_existing_database_keeps_using_its_newest_version(env: dict[str, str]) -> None:
    """Migration 0009 on a database deployed before it: the newest version is the active one."""
    service = create_service(env, clock=FixedClock(NOW))
    engine = service.runtime.platform.database.engine
    migrate(engine, MIGRATIONS, "0008")
    insert = text(
        "INSERT INTO process_models (process_id, version, bpmn_xml, sha256, deployed_at, "
        "deployed_by) VALUES (:p, :v, :xml, :sha, :at, :by)"
    )
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    rows = [
        (1, xml, "bpmn/"),
        (2, edited(xml, "Tiếp nhận nhiệm vụ"), "process_owner@None"),
    ]
    with engine.begin() as conn:
        for version, diagram, by in rows:
            conn.execute(
                insert,
                {
                    "p": LIFECYCLE,
                    "v": version,
                    "xml": diagram,
                    "sha": hashlib.sha256(diagram).hexdigest(),
                    "at": NOW,
                    "by": by,
                },
            )
    service.runtime.platform.stop()

    service = first_start(env)
    assert [
        (m["version"], m["source"], m["active"], m["activated_by"]) for m in versions(service)
    ] == [
        (1, "file", False, None),
        (2, "api", True, "process_owner@None"),
    ]
    assert version_of_task(service, release(service)) == 2
    service.runtime.platform.stop()


# -- on both databases ---------------------------------------------------------------------------
@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.services)])
def env(
    request: pytest.FixtureRequest, tmp_path: Path, bus_namespace: str
) -> Iterator[dict[str, str]]:
    url = request.getfixturevalue("pg_database_url") if request.param == "postgresql" else None
    yield settings(tmp_path, bus_namespace, url)


def test_a_version_deployed_through_the_api_is_still_active_after_restarts(
    env: dict[str, str],
) -> None:
    an_api_deploy_survives_a_restart(env)


def test_a_changed_file_in_bpmn_is_a_new_version_that_does_not_take_over_a_chosen_one(
    env: dict[str, str],
) -> None:
    a_changed_file_is_deployed_but_does_not_take_over_a_chosen_version(env)


def test_a_changed_file_in_bpmn_still_becomes_active_where_the_start_up_chose(
    env: dict[str, str],
) -> None:
    a_changed_file_still_takes_over_a_version_the_start_up_chose(env)


def test_nhiemvu_models_activate_switches_new_instances_and_running_ones_keep_theirs(
    env: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    the_operators_activation_switches_new_instances(env, monkeypatch)


def test_nhiemvu_models_list_and_deploy_print_versions_sources_and_running_counts(
    env: dict[str, str], tmp_path: Path
) -> None:
    the_commands_list_and_deploy_versions(env, tmp_path)


def test_a_process_owner_activates_a_version_through_the_api_and_it_is_audited(
    env: dict[str, str],
) -> None:
    a_process_owner_activates_a_version_through_the_api(env)


def test_migration_0009_makes_the_newest_version_of_an_existing_database_active(
    env: dict[str, str],
) -> None:
    an_existing_database_keeps_using_its_newest_version(env)


def test_a_fresh_database_activates_each_shipped_diagram(env: dict[str, str]) -> None:
    service = first_start(env)
    answer = service.client.get("/api/workflow/process-models", headers=OWNER).get_json()
    assert {(m["version"], m["source"], m["active"]) for m in answer["items"]} == {
        (1, "file", True)
    }
    assert {m["activated_by"] for m in answer["items"]} == {"bpmn/"}
    assert {m["running"] for m in answer["items"]} == {0}
    service.runtime.platform.stop()


def test_nhiemvu_models_migrate_previews_then_moves_the_running_tasks(env: dict[str, str]) -> None:
    service = first_start(env)
    task_id = release(service)
    xml = (Path(env["BPMN_DIR"]) / f"{LIFECYCLE}.bpmn").read_bytes()
    assert deploy(service, edited(xml, "Nhận nhiệm vụ")).status_code == 201

    preview = cli(env, "migrate", LIFECYCLE, "1", "2")
    assert preview.returncode == 0, preview.stderr
    assert preview.stdout == (
        f"task\t{task_id}\tassigned\tchuyển\n"
        f"{LIFECYCLE}: Sẽ chuyển (xem trước; thêm --apply để chuyển) 1 phiên từ phiên bản 1 "
        "sang 2; 0 phiên giữ nguyên\n"
    )
    assert version_of_task(service, task_id) == 1
    applied = cli(env, "migrate", LIFECYCLE, "1", "2", "--apply")
    assert applied.returncode == 0, applied.stderr
    assert applied.stdout.endswith("Đã chuyển 1 phiên từ phiên bản 1 sang 2; 0 phiên giữ nguyên\n")
    assert version_of_task(service, task_id) == 2
    assert ("process_model.instances_migrated", f"{LIFECYCLE}:2") in {
        a[:2] for a in audited(service)
    }
    service.runtime.platform.stop()
