"""The inbox on PostgreSQL (shared/applier.py `claim`: one fixed statement, the batch's ids as
arrays): a batch redelivered, whole or inside a larger one, applies nothing twice, and the
inbox rows are what a row at a time would have written."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from shared.applier import Delivery
from shared.events import encode
from tests.integration.buskit import TinyService, unit_event


@pytest.fixture()
def tiny(tmp_path: Path, bus_namespace: str, pg_database_url: str) -> Any:
    service = TinyService(
        {
            "DATA_DIR": str(tmp_path),
            "BUS_NAMESPACE": bus_namespace,
            "NOTIFY_DATABASE_URL": pg_database_url,
        }
    )
    yield service
    service.platform.stop()


def _deliveries(*codes: str) -> list[Delivery]:
    return [Delivery(encode(unit_event(code)).encode(), {}) for code in codes]


def test_a_redelivered_batch_applies_nothing_twice_on_postgresql(tiny: Any) -> None:
    assert tiny.platform.database.engine.dialect.name == "postgresql"
    first = _deliveries("a", "b", "c")
    applier = tiny.consumer.applier
    assert applier.apply_batch(first) == ["applied"] * 3
    assert applier.apply_batch(first) == ["duplicate"] * 3
    # Redelivered among new events, in a batch beyond psycopg's 50 cached parameters.
    more = _deliveries(*(f"don-vi-{n}" for n in range(40)))
    outcomes = applier.apply_batch([*more[:20], first[1], *more[20:], first[0]])
    assert outcomes == ["applied"] * 20 + ["duplicate"] + ["applied"] * 20 + ["duplicate"]
    assert [tiny.applied_count(code) for code in "abc"] == [1, 1, 1]
    assert all(tiny.applied_count(f"don-vi-{n}") == 1 for n in range(40))
    inbox = tiny.platform.tables.inbox
    with tiny.platform.database.engine.connect() as conn:
        rows = conn.execute(select(inbox)).all()
    assert len(rows) == 43
    assert {row.event_type for row in rows} == {"unit.updated"}
    assert all(row.processed_at.tzinfo is not None for row in rows)
    assert {row.processed_at.utcoffset() for row in rows} == {UTC.utcoffset(None)}
