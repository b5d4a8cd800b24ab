"""The workflow's consumer starts a run of `task.released` at once (shared.applier.batched,
kinds/task.py `on_tasks_released`): what a batch writes equals what the same releases write one
at a time — instances, units, history, the outbox's events, the audit trail with each event's
correlation id — and a release delivered again, in the batch or after it, starts nothing twice."""

from __future__ import annotations

import json
import uuid
from typing import Any

from sqlalchemy import select

from services.workflow import store
from shared.applier import Delivery
from shared.events import encode, make_event
from tests.integration.workflowkit import NOW, on_both_databases

pytestmark = on_both_databases()

# Releases that differ in what a start reads: units, sector, cadence, due dates (one today,
# whose reminders are due at once, so the start announces them too).
VARIANTS: list[dict[str, Any]] = [
    {"lead_unit": "SO_TC", "coordinating_units": ["SO_XD"], "due_on": "2026-12-20"},
    {"lead_unit": "SO_XD", "coordinating_units": [], "due_on": "2026-12-01"},
    {"lead_unit": "SO_YT", "coordinating_units": ["SO_TC", "SO_KH"], "sector": "y_te"},
    {"lead_unit": "SO_KH", "coordinating_units": [], "due_on": None, "cadence": "quarterly"},
    {"lead_unit": "SO_TP", "coordinating_units": ["SO_YT"], "due_on": "2027-03-31"},
]


def releases(prefix: str, count: int) -> list[tuple[str, bytes]]:
    """`count` releases whose task ids begin with `prefix`, each under its own correlation id;
    (task id, body)."""
    out = []
    for index in range(count):
        task_id = f"{prefix}-{index:04d}"
        data = {
            "task_id": task_id,
            "document_id": f"{index // 3:032d}",
            "document_number": f"{index}/UBND-KTTC",
            "document_type": "cong_van",
            "assigned_by": "chu_tich",
            "issued_on": "2026-11-30",
            "content": f"Rà soát vốn {index}",
            "due_on": "2026-12-20",
            "cadence": None,
            "released_at": NOW.isoformat(),
            **VARIANTS[index % len(VARIANTS)],
        }
        envelope = make_event(
            "task.released",
            data,
            source="/test",
            time=NOW,
            correlation_id=f"{prefix}-corr-{index}",
        )
        out.append((task_id, encode(envelope).encode()))
    return out


def written(service: Any, prefix: str) -> dict[str, list[Any]]:
    """What releases of `prefix` wrote, with the prefix, generated keys and Spiff's random ids
    left out, in the order written."""

    def plain(value: Any) -> Any:
        text = json.dumps(value, default=str, sort_keys=True)
        return json.loads(text.replace(prefix, "*"))

    tasks, history, units = store.task_instances, store.task_history, store.task_units
    platform = service.runtime.platform
    outbox, audit = platform.tables.outbox, platform.audit_log.table
    with platform.database.read() as conn:
        instances = [
            {k: v for k, v in row.items() if k != "state"}
            for row in conn.execute(
                select(tasks).where(tasks.c.task_id.startswith(prefix)).order_by(tasks.c.task_id)
            ).mappings()
        ]
        entries = [
            {k: v for k, v in row.items() if k != "id"}
            for row in conn.execute(
                select(history).where(history.c.task_id.startswith(prefix)).order_by(history.c.id)
            ).mappings()
        ]
        involved = sorted(
            (
                dict(row)
                for row in conn.execute(
                    select(units).where(units.c.task_id.startswith(prefix))
                ).mappings()
            ),
            key=repr,
        )
        events = []
        for row in conn.execute(select(outbox.c.body).order_by(outbox.c.seq)):
            body = json.loads(row.body)
            if str(body.get("subject", "")).startswith(prefix):
                events.append(
                    {k: body.get(k) for k in ("type", "subject", "correlationid", "data", "time")}
                )
        trail = [
            {k: row[k] for k in ("action", "entity_type", "entity_id", "changes", "correlation_id")}
            for row in conn.execute(
                select(audit).where(audit.c.entity_id.startswith(prefix)).order_by(audit.c.seq)
            ).mappings()
        ]
    return plain(
        {
            "instances": instances,
            "history": entries,
            "units": involved,
            "events": events,
            "audit": trail,
        }
    )


def test_a_batch_of_releases_writes_what_one_release_at_a_time_writes(workflow: Any) -> None:
    applier = workflow.consumer.applier
    for _task_id, body in releases("one-by-one", 12):
        assert applier.apply_one(body, {}) == "applied"
    batch = [Delivery(body, {}) for _task_id, body in releases("together", 12)]
    assert applier.apply_batch(batch) == ["applied"] * 12

    one_by_one, together = written(workflow, "one-by-one"), written(workflow, "together")
    assert len(one_by_one["instances"]) == 12
    assert len(one_by_one["events"]) > 12  # task.assigned, and the reminders due at once
    assert {e["correlationid"] for e in one_by_one["events"]} == {f"*-corr-{i}" for i in range(12)}
    assert together == one_by_one
    with workflow.runtime.platform.database.read() as conn:
        assert workflow.runtime.platform.audit_log.verify(conn) == []


def test_a_release_delivered_again_starts_nothing_twice(workflow: Any) -> None:
    applier = workflow.consumer.applier
    first = releases("redelivered", 6)
    assert applier.apply_batch([Delivery(b, {}) for _t, b in first[:4]]) == ["applied"] * 4
    # The same deliveries again with two new ones: the inbox skips the four.
    again = [Delivery(b, {}) for _t, b in first]
    assert applier.apply_batch(again) == ["duplicate"] * 4 + ["applied"] * 2
    # A release of a task already started, under another event id, in a batch: the batch is
    # applied again one by one; the others start, the repeated one does not.
    task_id, body = first[0]
    envelope = json.loads(body)
    envelope["id"] = str(uuid.uuid4())
    repeated = json.dumps(envelope).encode()
    fresh = releases("beside", 2)
    outcomes = applier.apply_batch(
        [Delivery(fresh[0][1], {}), Delivery(repeated, {}), Delivery(fresh[1][1], {})]
    )
    assert outcomes[0] == outcomes[2] == "applied"
    assert outcomes[1] in {"retried", "dead"}
    counts = written(workflow, "redelivered")
    assert len(counts["instances"]) == 6
    assert [e["type"] for e in counts["events"]].count("task.assigned") == 6
    starts = [h for h in counts["history"] if h["action"] == "assign"]
    assert [h["task_id"] for h in starts].count(task_id.replace("redelivered", "*")) == 1
    assert len(written(workflow, "beside")["instances"]) == 2
