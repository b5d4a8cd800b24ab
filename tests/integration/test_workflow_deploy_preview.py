"""The deploy preview: before deploying a changed task diagram, a process owner sees what it would
have changed for the tasks of a period: their histories are replayed on the version they run on
and on the candidate, and the notices (reminders, urgings…) and categories that differ are
counted; tasks meeting an action the candidate no longer offers diverge (docs/adding-a-process.md,
"Changing a process while it runs"). Nothing is deployed or written.

A few tasks are released and acted on over about three months, the clock moved as in
test_workflow_reminders (timers fire through the scheduler)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime
from typing import Any

import pytest
from sqlalchemy import func, select

from services.workflow import store
from services.workflow.config import BPMN_DIR
from services.workflow.instances.preview import last_quarter
from shared.clock import FixedClock
from tests.integration.timerkit import (
    DUE,
    LEAD,
    OFFICE,
    OWNER,
    act,
    amend,
    at,
    move_to,
    post,
    release,
)
from tests.integration.workflowkit import on_both_databases

LIFECYCLE = "task_lifecycle"
SHIPPED = (BPMN_DIR / f"{LIFECYCLE}.bpmn").read_bytes()
FROM, TO = date(2026, 12, 1), date(2027, 2, 28)
NOW_THEN = at(date(2027, 3, 2), 9)  # where the `quarter` leaves the clock


def changed(old: str, new: str, source: bytes = SHIPPED) -> bytes:
    result = source.replace(old.encode(), new.encode())
    assert result != source, old
    return result


def preview(workflow: Any, xml: bytes, who: Any = OWNER, **query: str) -> Any:
    args = {"from": FROM.isoformat(), "to": TO.isoformat(), **query}
    return workflow.client.post(
        f"/api/workflow/process-models/{LIFECYCLE}/preview",
        data=xml,
        query_string=args,
        headers={**who, "Content-Type": "application/bpmn+xml"},
    )


def counts(workflow: Any) -> tuple[int, int, int]:
    with workflow.runtime.platform.database.read() as conn:
        return (
            conn.execute(select(func.count()).select_from(store.process_models)).scalar_one(),
            conn.execute(select(func.count()).select_from(store.task_history)).scalar_one(),
            conn.execute(
                select(func.count()).select_from(workflow.runtime.platform.tables.outbox)
            ).scalar_one(),
        )


@pytest.fixture()
def quarter(workflow: Any) -> Iterator[dict[str, str]]:
    """Three tasks over a quarter: `late` (amended, overdue, urged, then submitted and confirmed),
    `extended` (an extension asked for and approved, submitted in time) and `returned` (returned
    by its unit, given again, accepted and finished)."""
    late = release(workflow, DUE)  # due 15 December
    extended = release(workflow, date(2026, 12, 24))
    returned = release(workflow, date(2027, 1, 29))
    move_to(workflow, at(date(2026, 12, 2), 9))
    act(workflow, late, "accept")
    act(workflow, extended, "accept")
    post(workflow, returned, "return", LEAD, reason="inaccurate", note="Sai đơn vị")
    move_to(workflow, at(date(2026, 12, 3), 10))
    post(workflow, returned, "resolve_return", OFFICE, note="Giữ nguyên")
    amend(workflow, late, DUE, date(2026, 12, 17))
    move_to(workflow, at(date(2026, 12, 4), 10))
    act(workflow, returned, "accept")
    post(workflow, extended, "request_extension", LEAD, new_due_on="2027-01-15", reason="Chờ số")
    move_to(workflow, at(date(2026, 12, 8), 10))
    post(workflow, extended, "decide_extension", OFFICE, approve=True)
    # `late` passes its due date and is urged every 5 working days until it submits.
    move_to(workflow, at(date(2027, 1, 8), 10))
    act(workflow, late, "submit_result")
    act(workflow, extended, "submit_result")
    move_to(workflow, at(date(2027, 1, 12), 10))
    post(workflow, late, "confirm", OFFICE)
    post(workflow, extended, "confirm", OFFICE)
    move_to(workflow, at(date(2027, 1, 20), 10))
    act(workflow, returned, "submit_result")
    move_to(workflow, NOW_THEN)
    yield {"late": late, "extended": extended, "returned": returned}


@on_both_databases()
def test_the_same_diagram_changes_nothing_and_its_replay_repeats_what_happened(
    workflow: Any, quarter: dict[str, str]
) -> None:
    before = counts(workflow)
    answer = preview(workflow, SHIPPED)
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["tasks"] == {
        "replayed": 3,
        "unchanged": 3,
        "changed": 0,
        "diverging": 0,
        "approximate": 0,
        "not_replayed": 0,
    }
    assert counts(workflow) == before


def notice(body: dict[str, Any], event_type: str) -> dict[str, Any]:
    [found] = [n for n in body["notices"] if n["type"] == event_type]
    return found


def test_reminding_5_working_days_before_instead_of_3_moves_the_due_soon_notices_D16_4(
    workflow: Any, quarter: dict[str, str]
) -> None:
    candidate = changed("due_soon_at(due_on, 3)", "due_soon_at(due_on, 5)")
    body = preview(workflow, candidate).get_json()

    # `late` is reminded on 10 December instead of 14 December (due 17 December, amended);
    # `extended` is now reminded on 8 January at 08:00, before it submitted at 10:00 (due 15
    # January); `returned` submitted on 20 January, before either reminder of its 29 January.
    assert body["tasks"] | {"changed": None} == {
        "replayed": 3,
        "unchanged": 1,
        "changed": None,
        "diverging": 0,
        "approximate": 0,
        "not_replayed": 0,
    }
    assert sorted(body["changed_sample"]) == sorted([quarter["late"], quarter["extended"]])
    assert notice(body, "task.due_soon") | {"label": None} == {
        "type": "task.due_soon",
        "label": None,
        "before": 1,
        "after": 2,
        "tasks_gaining": 2,
        "tasks_losing": 1,
    }
    assert notice(body, "task.urged")["tasks_gaining"] == 0
    assert body["categories"] == []


def test_urging_every_10_working_days_instead_of_5_halves_the_urgings_D16_4(
    workflow: Any, quarter: dict[str, str]
) -> None:
    candidate = changed(
        "next_urge_at(due_on, 5, last_urged_on)", "next_urge_at(due_on, 10, last_urged_on)"
    )
    body = preview(workflow, candidate).get_json()

    # `late`, due 17 December and submitted on 8 January, was urged on 24 and 31 December and
    # on 8 January (1 January is a holiday); every 10 working days, on 31 December only.
    urged = notice(body, "task.urged")
    assert (urged["before"], urged["after"]) == (3, 1)
    assert (urged["tasks_gaining"], urged["tasks_losing"]) == (0, 1)
    assert (body["tasks"]["changed"], body["changed_sample"]) == (1, [quarter["late"]])


def test_without_periodic_urging_no_task_is_urged_and_the_others_are_unchanged(
    workflow: Any, quarter: dict[str, str]
) -> None:
    candidate = re.sub(
        rb"next_urge_at\(due_on, 5, last_urged_on\)", b"next_urge_at(None, 5, None)", SHIPPED
    )
    body = preview(workflow, candidate).get_json()
    urged = notice(body, "task.urged")
    assert (urged["before"], urged["after"], urged["tasks_losing"]) == (3, 0, 1)
    assert body["tasks"]["unchanged"] == 2


def test_an_extension_that_no_longer_moves_the_due_date_turns_on_time_into_late_D5_2c(
    workflow: Any, quarter: dict[str, str]
) -> None:
    candidate = changed(
        "due_on = new_due_on if new_due_on else requested_due_on", "due_on = due_on"
    )
    body = preview(workflow, candidate).get_json()
    assert body["categories"] == [
        {
            "from": "completed_on_time",
            "from_label": "Hoàn thành đúng hạn",
            "to": "completed_late",
            "to_label": "Hoàn thành quá hạn",
            "tasks": 1,
        }
    ]
    assert quarter["extended"] in body["changed_sample"]


def test_a_task_that_took_an_action_the_candidate_no_longer_offers_diverges_there_D5_2a(
    workflow: Any, quarter: dict[str, str]
) -> None:
    actions = "accept,return,report_progress,request_extension,submit_result"
    candidate = changed(
        f'<spiffworkflow:property name="actions" value="{actions}" />',
        f'<spiffworkflow:property name="actions" value="{actions.replace("return,", "")}" />',
        changed(
            '<spiffworkflow:property name="when.return" value="status == &quot;assigned&quot;" />',
            "",
        ),
    )
    body = preview(workflow, candidate).get_json()
    assert body["tasks"] | {"unchanged": None} == {
        "replayed": 3,
        "unchanged": None,
        "changed": 0,
        "diverging": 1,
        "approximate": 0,
        "not_replayed": 0,
    }
    assert body["diverging"]["actions"] == [
        {"action": "return", "label": "Đề nghị điều chỉnh", "tasks": 1}
    ]
    [item] = body["diverging"]["items"]
    assert (item["task_id"], item["action"]) == (quarter["returned"], "return")
    assert datetime.fromisoformat(item["at"]) == at(date(2026, 12, 2), 9)
    assert (
        item["reason"] == "Không có thao tác này lúc đó; có: accept, assign_officer, urge, withdraw"
    )


def test_history_kept_before_payloads_is_replayed_from_its_notes_and_counted_apart(
    workflow: Any, quarter: dict[str, str]
) -> None:
    h = store.task_history
    with workflow.runtime.platform.database.transaction() as conn:
        conn.execute(h.update().where(h.c.task_id == quarter["extended"]).values(payload=None))
    body = preview(workflow, SHIPPED).get_json()
    # The decision and the date asked for are read from the notes: the replay still repeats
    # what happened, but it is said to be derived.
    assert body["tasks"]["unchanged"] == 3
    assert body["tasks"]["approximate"] == 1
    assert body["approximate"] == [
        {
            "reason": "no_payload",
            "label": "Lịch sử ghi trước khi lưu nội dung thao tác: dữ liệu suy ra từ ghi chú",
            "tasks": 1,
        }
    ]


def test_the_history_keeps_what_each_action_and_correction_gave_the_diagram(
    workflow: Any, quarter: dict[str, str]
) -> None:
    h = store.task_history
    query = select(h.c.action, h.c.payload).order_by(h.c.id)
    with workflow.runtime.platform.database.read() as conn:
        late = conn.execute(query.where(h.c.task_id == quarter["late"])).all()
        extended = conn.execute(query.where(h.c.task_id == quarter["extended"])).all()
    assert late[0] == (
        "assign",
        {
            "task_id": quarter["late"],
            "lead_unit": "SO_TC",
            "due_on": "2026-12-15",
            "cadence": None,
            "extension_pending": False,
        },
    )
    assert ("amend", {"due_on": "2026-12-17", "cadence": None, "lead_unit": "SO_TC"}) in late
    assert ("request_extension", {"new_due_on": "2027-01-15", "reason": "Chờ số"}) in extended
    assert ("decide_extension", {"approve": True, "new_due_on": None}) in extended


def test_a_refused_diagram_is_a_422_listing_its_problems_and_only_process_owners_preview(
    workflow: Any, quarter: dict[str, str]
) -> None:
    before = counts(workflow)
    broken = changed("due_soon_at(due_on, 3)", "due_soon_at(due_on, ")
    answer = preview(workflow, broken)
    assert answer.status_code == 422
    assert answer.get_json()["diagram_errors"]
    assert preview(workflow, SHIPPED, who=OFFICE).status_code == 403
    backwards = preview(workflow, SHIPPED, **{"from": "2027-02-01", "to": "2027-01-01"})
    assert backwards.status_code == 422
    assert backwards.get_json()["errors"] == {"from": ["`from` phải không sau `to`."]}
    assert counts(workflow) == before  # nothing deployed, recorded or sent


def test_the_default_period_is_the_last_full_quarter_D18_1() -> None:
    assert last_quarter(date(2027, 3, 2)) == last_quarter(date(2027, 1, 1))
    period = last_quarter(date(2027, 3, 2))
    assert (period.start, period.end) == (date(2026, 10, 1), date(2026, 12, 31))
    period = last_quarter(date(2026, 12, 31))
    assert (period.start, period.end) == (date(2026, 7, 1), date(2026, 9, 30))


def test_the_command_prints_the_preview_in_vietnamese(
    workflow: Any, quarter: dict[str, str], monkeypatch: Any, capsys: Any, tmp_path: Any
) -> None:
    from services.cli import main
    from services.workflow import model_commands
    from services.workflow.app import create_service
    from tests.integration.workflowkit import SECRET

    candidate = tmp_path / f"{LIFECYCLE}.bpmn"
    candidate.write_bytes(changed("due_soon_at(due_on, 3)", "due_soon_at(due_on, 5)"))
    env = {"DATA_DIR": str(workflow.data_dir), "JWT_SECRET": SECRET}
    # The command's service on the harness's database, at the harness's time (2 March 2027).
    monkeypatch.setattr(
        model_commands, "_service", lambda: create_service(env, clock=FixedClock(NOW_THEN))
    )
    code = main(["models", "preview", str(candidate), "--from", "2026-12-01", "--to", "2026-12-31"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert out.splitlines()[:3] == [
        "task_lifecycle: xem trước sơ đồ 01/12/2026 – 31/12/2026 (chưa triển khai, không ghi gì)",
        "Nhiệm vụ phát lại: 3; không đổi: 2; thay đổi: 1; lệch quy trình: 0",
        "Thông báo (trước → sau; số nhiệm vụ có thêm / mất):",
    ]
    assert "  Nhắc sắp đến hạn: 1 → 1; +1 / -1 nhiệm vụ" in out
    assert f"Nhiệm vụ thay đổi (tối đa 50): {quarter['late']}" in out
    assert main(["models", "preview", str(tmp_path / "none.bpmn")]) == 1
    assert "không đọc được" in capsys.readouterr().err


def test_a_task_whose_replay_does_not_repeat_its_recorded_notices_is_counted_apart(
    workflow: Any, quarter: dict[str, str]
) -> None:
    h = store.task_history
    with workflow.runtime.platform.database.transaction() as conn:
        conn.execute(
            h.update()
            .where(h.c.task_id == quarter["late"], h.c.action == "due_soon")
            .values(at=at(date(2026, 12, 11), 8))
        )
    body = preview(workflow, SHIPPED).get_json()
    assert body["tasks"]["approximate"] == 1
    assert [(r["reason"], r["tasks"]) for r in body["approximate"]] == [("differs", 1)]


def test_a_task_moved_to_another_version_is_replayed_on_it_and_counted_apart(
    workflow: Any, quarter: dict[str, str]
) -> None:
    relabelled = changed('name="Đơn vị thực hiện nhiệm vụ"', 'name="Đơn vị thực hiện"')
    headers = {**OWNER, "Content-Type": "application/bpmn+xml"}
    deployed = workflow.client.post(
        f"/api/workflow/process-models/{LIFECYCLE}", data=relabelled, headers=headers
    )
    assert deployed.status_code == 201
    moved = workflow.client.post(
        f"/api/workflow/process-models/{LIFECYCLE}/versions/2/migrate",
        json={"from_version": 1, "apply": True},
        headers=OWNER,
    ).get_json()
    assert moved["moved"] == 1  # `returned`, waiting for the Office's confirmation

    body = preview(workflow, SHIPPED).get_json()
    assert body["baseline_versions"] == [1, 2]
    assert body["tasks"]["unchanged"] == 3
    assert [(r["reason"], r["tasks"]) for r in body["approximate"]] == [("migrated", 1)]
