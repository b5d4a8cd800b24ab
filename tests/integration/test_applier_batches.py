"""Batches: many events in one transaction, a bad one replayed alone, a lost database costing
no retry (shared.applier)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event as sa_event

from shared.applier import Delivery, InfrastructureError
from shared.db import make_engine
from shared.events import encode
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
