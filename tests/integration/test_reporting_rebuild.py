"""`nhiemvu reporting rebuild`: the read model replayed from the event log equals the live one.

The 34-task fixture of countingkit (`thirty`) is fed through the consumer; its answers for a few
cut-offs and groupings are recorded, the read model is rebuilt from the log (through the
function, and once through the command on the same SQLite DATA_DIR), and compared.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import delete, func, select, update

from services.reporting import lookups, store
from services.reporting.rebuild import RebuildRefused, rebuild
from tests.integration.reportingkit import SECRET, Task, at, get, headers

NHIEMVU = str(Path(sys.executable).parent / "nhiemvu")
ANSWERS = (
    "/api/reporting/stats?period=2026-Q4",
    "/api/reporting/stats?from=2026-10-01&to=2026-11-15",
    "/api/reporting/stats?from=2026-10-01&to=2026-12-05&unit=SO_XD",
    "/api/reporting/stats?period=2026-Q4&by=document",
    "/api/reporting/stats?period=2026-Q4&by=leader",
    "/api/reporting/stats?period=2026",
    "/api/reporting/stats/tasks?period=2026-Q4&limit=500",
    "/api/reporting/explanations?period=2026-Q4&limit=500",
    "/api/reporting/rankings?period=2026-Q4",
    "/api/reporting/confirmation-lag?period=2026-Q4",
)


def answers(service: Any) -> dict[str, Any]:
    return {path: get(service, path) for path in ANSWERS}


def count(service: Any, table: Any) -> int:
    with service.runtime.platform.database.read() as conn:
        return conn.scalar(select(func.count()).select_from(table)) or 0


def spoil(service: Any) -> None:
    """Damage the read model the way a bug would, so that only a real rebuild restores it."""
    with service.runtime.platform.database.transaction() as conn:
        conn.execute(delete(store.units).where(store.units.c.code == "SO_TC"))
        conn.execute(update(store.task_facts).values(status="completed", late_rework=True))
        conn.execute(delete(store.submissions))


def test_every_applied_event_is_kept_in_the_event_log_with_its_inbox_entry(thirty: Any) -> None:
    service, _ = thirty
    inbox = service.runtime.platform.tables.inbox
    assert count(service, store.event_log) == count(service, inbox) > 30
    with service.runtime.platform.database.read() as conn:
        first = conn.execute(select(store.event_log).order_by(store.event_log.c.seq)).first()
    assert first.event_type == "unit.updated" and '"code":"SO_TC"' in first.body


def test_a_rebuild_from_the_event_log_gives_the_same_figures_as_the_live_model(
    thirty: Any,
) -> None:
    service, _ = thirty
    live = answers(service)
    spoil(service)
    assert answers(service) != live
    summary = rebuild(service.runtime.platform, batch_size=7)
    assert answers(service) == live
    assert (summary.tasks, summary.units, summary.documents) == (34, 3, 5)
    assert summary.events == count(service, store.event_log)
    assert summary.text().startswith(f"Đã dựng lại dữ liệu báo cáo từ {summary.events} sự kiện")


def test_the_rebuild_command_restores_the_figures_and_prints_a_vietnamese_summary(
    thirty: Any,
) -> None:
    service, _ = thirty
    live = answers(service)
    spoil(service)
    env = {"DATA_DIR": str(service.data_dir), "JWT_SECRET": SECRET, "PATH": "/usr/bin:/bin"}
    result = subprocess.run(
        [NHIEMVU, "reporting", "rebuild"], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "34 nhiệm vụ, 3 đơn vị, 5 văn bản" in result.stdout
    assert answers(service) == live


def test_an_older_event_logged_after_a_newer_one_is_replayed_to_the_live_figures(
    thirty: Any,
) -> None:
    service, _ = thirty
    late = Task(service, "SO_TC", "2026-10-05", "2026-11-10", document="1" * 32)
    late.send("task.result_submitted", "submitted", at("2026-11-09"))
    late.complete(at("2026-11-20"))
    # Arriving after the completion: a rework on the overdue task and an acceptance, both older.
    late.send("task.rework_requested", "rework", at("2026-11-12"), overdue=True)
    late.accept("2026-10-06")
    with service.runtime.platform.database.read() as conn:
        times = conn.scalars(
            select(store.event_log.c.event_time).order_by(store.event_log.c.seq.desc()).limit(3)
        ).all()
    assert times[0] < times[2] and times[1] < times[2]  # logged in arrival order, not by time
    live = answers(service)
    fact = get(service, "/api/reporting/stats/tasks?period=2026-Q4&unit=SO_TC&limit=500")
    assert {i["task_id"]: i["category"] for i in fact["items"]}[late.id] == "completed_late"
    spoil(service)
    rebuild(service.runtime.platform)
    assert answers(service) == live
    with service.runtime.platform.database.read() as conn:
        assert lookups.fact(conn, late.id)["rework_count"] == 1


def test_a_rebuild_leaves_the_reports_the_inbox_and_the_event_log_untouched(thirty: Any) -> None:
    service, _ = thirty
    made = service.client.post(
        "/api/reporting/reports", json={"period": "2026-Q4"}, headers=headers()
    )
    assert made.status_code == 201, made.get_data(as_text=True)
    kept = (store.reports, service.runtime.platform.tables.inbox, store.event_log)
    before = [count(service, table) for table in kept]
    rebuild(service.runtime.platform)
    assert [count(service, table) for table in kept] == before
    listed = get(service, "/api/reporting/reports")
    assert made.get_json()["id"] in {item["id"] for item in listed["items"]}


def test_a_rebuild_refuses_when_the_inbox_holds_events_missing_from_the_log(thirty: Any) -> None:
    service, _ = thirty
    live = answers(service)
    with service.runtime.platform.database.transaction() as conn:
        # As if the event had been consumed before migration 0003 created the log.
        oldest = select(func.min(store.event_log.c.seq)).scalar_subquery()
        conn.execute(delete(store.event_log).where(store.event_log.c.seq == oldest))
    with pytest.raises(RebuildRefused, match="không có trong nhật ký"):
        rebuild(service.runtime.platform)
    assert answers(service) == live  # nothing emptied
