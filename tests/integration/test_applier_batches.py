"""Batches: many events in one transaction, a bad one replayed alone, a lost database costing
no retry (shared.applier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from shared.applier import Delivery, InfrastructureError, _runs, batched
from shared.clock import SystemClock
from shared.db import make_engine
from shared.events import Event, encode, parse_event
from tests.integration.buskit import TinyService, unit_event


class RecordingSettler:
    def __init__(self) -> None:
        self.retried: list[tuple[str, int]] = []
        self.dead: list[str] = []

    def retry(self, body: bytes, headers: Any, delay: int) -> None:
        self.retried.append((body.decode(), delay))

    def dead_letter(self, body: bytes, headers: Any, reason: str) -> None:
        self.dead.append(reason)


@pytest.fixture()
def tiny(tmp_path: Path, bus_namespace: str) -> Any:
    service = TinyService(
        {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace, "BUS_RETRY_DELAYS": "1"}
    )
    service.settler = RecordingSettler()
    service.consumer.applier.settler = service.settler
    yield service
    service.platform.stop()


def deliveries(*codes: str) -> list[Delivery]:
    return [Delivery(encode(unit_event(code)).encode(), {}) for code in codes]


def count_commits(service: TinyService) -> list[int]:
    commits = [0]
    sa_event.listen(
        service.platform.database.engine,
        "commit",
        lambda _conn: commits.__setitem__(0, commits[0] + 1),
    )
    return commits


def test_a_batch_of_events_is_applied_in_one_transaction(tiny: Any) -> None:
    commits = count_commits(tiny)
    codes = [f"don-vi-{n}" for n in range(50)]
    outcomes = tiny.consumer.applier.apply_batch(deliveries(*codes))
    assert outcomes == ["applied"] * 50
    assert commits[0] == 1
    assert all(tiny.applied_count(code) == 1 for code in codes)


def test_a_batch_repeated_applies_nothing_twice(tiny: Any) -> None:
    batch = deliveries("a", "b", "c")
    tiny.consumer.applier.apply_batch(batch)
    assert tiny.consumer.applier.apply_batch(batch) == ["duplicate"] * 3
    assert [tiny.applied_count(code) for code in "abc"] == [1, 1, 1]


def test_one_failing_event_is_retried_alone_and_the_others_are_applied_once(tiny: Any) -> None:
    tiny.fail_times["hong"] = 1_000
    outcomes = tiny.consumer.applier.apply_batch(deliveries("a", "hong", "b"))
    assert outcomes == ["applied", "retried", "applied"]
    assert [tiny.applied_count(code) for code in ("a", "hong", "b")] == [1, 0, 1]
    assert len(tiny.settler.retried) == 1 and '"hong"' in tiny.settler.retried[0][0]


def test_a_malformed_message_in_a_batch_is_dead_lettered_and_the_rest_applied(tiny: Any) -> None:
    batch = [*deliveries("a"), Delivery(b"{not json", {}), *deliveries("b")]
    assert tiny.consumer.applier.apply_batch(batch) == ["applied", "dead", "applied"]
    assert tiny.settler.dead and tiny.settler.dead[0].startswith("malformed")


def test_a_lost_database_uses_up_no_retry_and_asks_for_redelivery(tiny: Any) -> None:
    # Nothing listens on port 1: every connection attempt fails as with a database that is down.
    tiny.platform.database.engine = make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none")
    with pytest.raises(InfrastructureError):
        tiny.consumer.applier.apply_batch(deliveries("a", "b"))
    with pytest.raises(InfrastructureError):
        tiny.consumer.applier.apply_one(deliveries("c")[0].body, {})
    assert tiny.settler.retried == [] and tiny.settler.dead == []


@pytest.fixture()
def batched_tiny(tmp_path: Path, bus_namespace: str) -> Any:
    """The tiny service with its handler batched: it records each run it is given."""
    runs: list[list[str]] = []
    holder: dict[str, TinyService] = {}

    def apply_many(uow: Any, events: list[Any]) -> None:
        runs.append([event.data["code"] for event in events])
        for event in events:
            holder["service"].handle(uow, event)

    service = TinyService(
        {"DATA_DIR": str(tmp_path), "BUS_NAMESPACE": bus_namespace, "BUS_RETRY_DELAYS": "1"},
        handlers={"unit.updated": batched(apply_many)},
    )
    holder["service"] = service
    service.settler = RecordingSettler()
    service.consumer.applier.settler = service.settler
    service.runs = runs
    yield service
    service.platform.stop()


def test_a_batched_handler_gets_the_batch_as_one_run_in_one_transaction(batched_tiny: Any) -> None:
    commits = count_commits(batched_tiny)
    codes = [f"don-vi-{n}" for n in range(20)]
    batch = deliveries(*codes)
    assert batched_tiny.consumer.applier.apply_batch(batch) == ["applied"] * 20
    assert batched_tiny.runs == [codes]
    assert commits[0] == 1
    assert all(batched_tiny.applied_count(code) == 1 for code in codes)
    # Delivered again: the inbox stops every one of them, the handler sees nothing.
    assert batched_tiny.consumer.applier.apply_batch(batch) == ["duplicate"] * 20
    assert batched_tiny.runs == [codes]


def test_a_failing_event_in_a_batched_run_is_retried_alone(batched_tiny: Any) -> None:
    batched_tiny.fail_times["hong"] = 1_000
    outcomes = batched_tiny.consumer.applier.apply_batch(deliveries("a", "hong", "b"))
    assert outcomes == ["applied", "retried", "applied"]
    # The run rolled back, then each event was applied alone (a run of one).
    assert batched_tiny.runs == [["a", "hong", "b"], ["a"], ["hong"], ["b"]]
    assert [batched_tiny.applied_count(code) for code in ("a", "hong", "b")] == [1, 0, 1]
    assert len(batched_tiny.settler.retried) == 1


def test_runs_split_where_the_handler_changes(tiny: Any) -> None:
    plain = tiny.handle
    many = batched(lambda uow, events: None)
    handlers = {"unit.updated": many, "task.assigned": plain, "task.accepted": many}
    events = [
        parse_event(encode(unit_event("a"))),
        parse_event(encode(unit_event("b"))),
        *(
            Event("x", t, "/t", SystemClock().now(), None, None, {}, {})
            for t in ("task.assigned", "task.assigned", "task.accepted", "unit.updated")
        ),
    ]
    assert [len(run) for run in _runs(events, handlers)] == [2, 1, 1, 2]
