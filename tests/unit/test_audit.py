from datetime import datetime

import pytest
from sqlalchemy import Engine, MetaData, create_engine, delete, select, update

from shared.audit import AuditLog, append_audit, verify_audit
from tests.unit.auditkit import ACTOR, T0, append_n, run_concurrently


@pytest.fixture
def engine(tmp_path):
    engine = create_engine(f"sqlite:///{tmp_path / 'audit.db'}")
    yield engine
    engine.dispose()


@pytest.fixture
def audit(engine: Engine) -> AuditLog:
    metadata = MetaData()
    log = AuditLog.define(metadata)
    metadata.create_all(engine)
    return log


def problems(engine: Engine, audit: AuditLog) -> list[str]:
    with engine.connect() as conn:
        return audit.verify(conn)


def test_an_untouched_chain_verifies_clean(engine, audit):
    append_n(engine, audit, 5)
    assert problems(engine, audit) == []


def test_an_empty_trail_verifies_clean(engine, audit):
    assert problems(engine, audit) == []


def test_records_are_numbered_from_one_and_linked_to_their_predecessor(engine, audit):
    append_n(engine, audit, 3)
    with engine.connect() as conn:
        rows = conn.execute(select(audit.table).order_by(audit.table.c.seq)).all()
        head = conn.execute(select(audit.head)).one()
    assert [r.seq for r in rows] == [1, 2, 3]
    assert rows[0].prev_hash == "0" * 64
    assert rows[1].prev_hash == rows[0].hash
    assert (head.seq, head.hash) == (3, rows[2].hash)
    assert rows[0].changes == '{"lần":0,"trạng_thái":["đang xử lý","hoàn thành"]}'


def test_the_module_functions_return_the_stored_hash(engine, audit):
    with engine.begin() as conn:
        digest = append_audit(
            conn,
            audit.table,
            audit.head,
            at=T0,
            actor=None,
            action="report.sent",
            entity_type="report",
            entity_id="r-1",
            changes={},
            correlation_id=None,
        )
        stored = conn.execute(select(audit.table.c.hash)).scalar_one()
        assert verify_audit(conn, audit.table, audit.head) == []
    assert digest == stored


def test_a_record_rolled_back_with_its_transaction_leaves_no_trace(engine, audit):
    append_n(engine, audit, 2)
    with pytest.raises(RuntimeError), engine.begin() as conn:
        audit.append(
            conn,
            at=T0,
            actor=ACTOR,
            action="x",
            entity_type="task",
            entity_id="lost",
            changes={},
            correlation_id=None,
        )
        raise RuntimeError("state change failed")
    append_n(engine, audit, 1, label="after")
    assert problems(engine, audit) == []


def test_a_naive_timestamp_is_refused(engine, audit):
    with pytest.raises(ValueError), engine.begin() as conn:
        audit.append(
            conn,
            at=datetime(2026, 3, 2),
            actor=None,
            action="x",
            entity_type="task",
            entity_id="1",
            changes={},
            correlation_id=None,
        )


def tamper(engine: Engine, statement) -> None:
    with engine.begin() as conn:
        conn.execute(statement)


def test_an_edited_changes_field_breaks_the_chain(engine, audit):
    append_n(engine, audit, 4)
    t = audit.table
    tamper(engine, update(t).where(t.c.seq == 2).values(changes='{"trạng_thái":"giả"}'))
    found = problems(engine, audit)
    assert len(found) == 1 and "số 2" in found[0]


def test_an_edited_hash_breaks_the_chain(engine, audit):
    append_n(engine, audit, 4)
    t = audit.table
    tamper(engine, update(t).where(t.c.seq == 3).values(hash="f" * 64))
    found = problems(engine, audit)
    assert any("số 3" in p for p in found)
    assert any("số 4" in p for p in found)


def test_a_deleted_middle_record_breaks_the_chain(engine, audit):
    append_n(engine, audit, 5)
    tamper(engine, delete(audit.table).where(audit.table.c.seq == 3))
    found = problems(engine, audit)
    assert any("Thiếu bản ghi nhật ký số 3" in p for p in found)
    assert any("Bản ghi số 4" in p for p in found)


def test_a_deleted_last_record_is_caught_by_the_head(engine, audit):
    append_n(engine, audit, 5)
    tamper(engine, delete(audit.table).where(audit.table.c.seq == 5))
    found = problems(engine, audit)
    assert len(found) == 1 and "số 4" in found[0] and "số 5" in found[0]


def test_a_deleted_head_row_is_reported(engine, audit):
    append_n(engine, audit, 2)
    tamper(engine, delete(audit.head))
    assert len(problems(engine, audit)) == 1


def test_concurrent_appends_from_four_threads_keep_an_intact_chain(engine, audit):
    run_concurrently(engine, audit, threads=4, each=25)
    with engine.connect() as conn:
        seqs = conn.execute(select(audit.table.c.seq).order_by(audit.table.c.seq)).scalars().all()
    assert seqs == list(range(1, 101))
    assert problems(engine, audit) == []


def test_records_appended_together_chain_in_order_after_earlier_ones(engine, audit):
    append_n(engine, audit, 2)
    entries = [
        {
            "at": T0,
            "actor": ACTOR,
            "action": "task.accept",
            "entity_type": "task",
            "entity_id": f"lo-{i}",
            "changes": {"lần": i},
            "correlation_id": None,
        }
        for i in range(3)
    ]
    with engine.begin() as conn:
        hashes = audit.append_many(conn, entries)
    with engine.connect() as conn:
        rows = conn.execute(select(audit.table).order_by(audit.table.c.seq)).all()
    assert [row.seq for row in rows] == [1, 2, 3, 4, 5]
    assert [row.entity_id for row in rows[2:]] == ["lo-0", "lo-1", "lo-2"]
    assert [row.hash for row in rows[2:]] == hashes
    assert rows[2].prev_hash == rows[1].hash and rows[3].prev_hash == rows[2].hash
    assert problems(engine, audit) == []
