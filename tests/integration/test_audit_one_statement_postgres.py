"""A lone audit record on PostgreSQL is written with the head's read in one statement, hashed by
the server over the same canonical JSON (shared/audit_postgres.py): the chain, the hashes
returned and the rows written with it are what the two-statement path writes."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import (
    Column,
    Integer,
    MetaData,
    String,
    Table,
    event,
    func,
    select,
)

from shared.audit import canonical_json, record_hash
from shared.audit_postgres import hash_prefix
from tests.integration import test_audit_postgres
from tests.unit.auditkit import ACTOR, T0

# The same database per test and audit log as the chain's own PostgreSQL tests.
pg_engine = test_audit_postgres.pg_engine
audit = test_audit_postgres.audit

TRICKY_CHANGES = [
    {"note": 'dấu "nháy" \\ gạch chéo', "status": ["assigned", "accepted"]},
    {"ký_tự": "\x01\x1f\x7f\u2028 tab\t dòng\nmới", "số": [1, -2, 3.5, 1e-05, 10**20]},
    {"rỗng": {}, "none": None, "đúng": True, "emoji": "😀", "ngày": "2026-12-01"},
]


def entry(i: int, changes: dict, actor: dict | None = ACTOR) -> dict:
    return {
        "at": T0 + timedelta(minutes=i, microseconds=i),
        "actor": actor,
        "action": "task.accept",
        "entity_type": "task",
        "entity_id": f"t-{i}",
        "changes": changes,
        "correlation_id": None if i % 2 else f"req-{i}",
    }


@pytest.mark.services
def test_a_lone_record_is_one_statement_and_hashes_as_python_does(pg_engine, audit):
    other = Table("other_rows", MetaData(), Column("n", Integer), Column("label", String))
    other.create(pg_engine)
    with pg_engine.begin() as conn:  # the first record creates the head (two statements and more)
        audit.append_many(conn, [entry(0, {"lần": 0})])
    sent: list[str] = []
    event.listen(pg_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    returned = []
    for i, changes in enumerate(TRICKY_CHANGES * 2, start=1):
        actor = None if i == 3 else ACTOR
        rows = [{"n": i * 10 + k, "label": "ô"} for k in range(i % 3)]
        with pg_engine.begin() as conn:
            also = [(other, rows)] if rows else []
            returned += audit.append_many(conn, [entry(i, changes, actor)], also)
    assert len(sent) == 2 * len(TRICKY_CHANGES)  # one statement per record, rows included
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        stored = conn.execute(select(audit.table).order_by(audit.table.c.seq)).mappings().all()
        assert [row["hash"] for row in stored[1:]] == returned
        assert all(record_hash(dict(row)) == row["hash"] for row in stored)
        assert [row["seq"] for row in stored] == list(range(1, 8))
        assert conn.execute(select(audit.head.c.seq, audit.head.c.hash)).one() == (
            7,
            returned[-1],
        )
        labels = conn.execute(select(other.c.n).order_by(other.c.n)).scalars().all()
        assert labels == [10, 20, 21, 40, 50, 51]


@pytest.mark.services
def test_with_no_head_yet_the_record_and_its_rows_are_written_once(pg_engine, audit):
    other = Table("other_rows", MetaData(), Column("n", Integer))
    other.create(pg_engine)
    for i in range(3):
        with pg_engine.begin() as conn:
            audit.append_many(conn, [entry(i, {"lần": i})], [(other, [{"n": i}])])
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        assert conn.execute(select(other.c.n).order_by(other.c.n)).scalars().all() == [0, 1, 2]


def test_the_prefix_and_the_head_make_the_canonical_json_of_a_record():
    """What the server hashes (the prefix, the head's hash, `","seq":`, the number, `}`) is the
    text `record_hash` hashes, for texts JSON escapes and numbers it writes its own way."""
    for i, changes in enumerate(TRICKY_CHANGES):
        fields = {
            "at": T0 + timedelta(microseconds=i),
            "actor_sub": None if i else "u-1",
            "actor_role": "văn_thư",
            "actor_unit": None,
            "action": "task.accept",
            "entity_type": "task",
            "entity_id": f"t-{i}",
            "changes": canonical_json(changes),
            "correlation_id": None,
        }
        prev_hash, seq = f"{i:064x}", 10**i
        full = {**fields, "seq": seq, "prev_hash": prev_hash}
        payload = {**full, "at": full["at"].isoformat(timespec="microseconds")}
        spliced = hash_prefix(fields) + prev_hash + '","seq":' + str(seq) + "}"
        assert spliced == canonical_json(payload)
        assert record_hash(full) == record_hash({**full, "hash": "x"})


@pytest.mark.services
def test_lone_records_from_four_threads_with_their_rows_keep_an_intact_chain(pg_engine, audit):
    """Writers wait on the head's lock inside the one statement: each then reads the head the
    previous one committed (READ COMMITTED re-reads a locked row's newest version)."""
    other = Table("other_rows", MetaData(), Column("n", Integer), Column("label", String))
    other.create(pg_engine)
    with pg_engine.begin() as conn:
        audit.append_many(conn, [entry(0, {"lần": 0})])
    start = threading.Barrier(4)
    errors: list[BaseException] = []

    def worker(label: str) -> None:
        try:
            start.wait()
            for i in range(25):
                with pg_engine.begin() as conn:
                    rows = [{"n": i, "label": label}]
                    audit.append_many(conn, [entry(i, {"lần": i, "luồng": label})], [(other, rows)])
        except BaseException as exc:  # handed to the main thread, which fails the test
            errors.append(exc)

    pool = [threading.Thread(target=worker, args=(f"w{i}",)) for i in range(4)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        seqs = conn.execute(select(audit.table.c.seq).order_by(audit.table.c.seq)).scalars().all()
        assert seqs == list(range(1, 102))
        assert conn.execute(select(func.count()).select_from(other)).scalar_one() == 100
