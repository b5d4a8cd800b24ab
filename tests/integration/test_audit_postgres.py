import os
import threading
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Column, Integer, MetaData, String, Table, create_engine, func, select, text

from shared.audit import AuditLog
from tests.conftest import require_services
from tests.unit.auditkit import ACTOR, T0, append_n, run_concurrently

SERVER_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/")

pytestmark = pytest.mark.services


def server_or_skip():
    engine = create_engine(
        SERVER_URL + "postgres", isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3}
    )

    def probe() -> None:
        with engine.connect():
            pass

    require_services(f"PostgreSQL at {SERVER_URL}", probe)
    return engine


@pytest.fixture
def pg_engine():
    server = server_or_skip()
    name = f"nv_test_audit_{uuid.uuid4().hex[:12]}"
    with server.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine = create_engine(SERVER_URL + name, pool_size=8)
    try:
        yield engine
    finally:
        engine.dispose()
        with server.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        server.dispose()


@pytest.fixture
def audit(pg_engine) -> AuditLog:
    metadata = MetaData()
    log = AuditLog.define(metadata)
    metadata.create_all(pg_engine)
    return log


def test_concurrent_appends_from_four_threads_keep_an_intact_chain_on_postgresql(pg_engine, audit):
    run_concurrently(pg_engine, audit, threads=4, each=25)
    with pg_engine.connect() as conn:
        seqs = conn.execute(select(audit.table.c.seq).order_by(audit.table.c.seq)).scalars().all()
        assert seqs == list(range(1, 101))
        assert audit.verify(conn) == []


def test_timestamps_read_back_from_postgresql_hash_the_same_as_when_written(pg_engine, audit):
    append_n(pg_engine, audit, 3)
    with pg_engine.connect() as conn:
        conn.execute(text("SET TIME ZONE 'Asia/Ho_Chi_Minh'"))
        assert audit.verify(conn) == []


def test_records_written_with_other_rows_in_one_statement_keep_the_chain_and_the_rows(
    pg_engine, audit
):
    """The unit of work's flush hands the outbox rows to the audit append, which writes them with
    the records and the new head (one statement, the rows over arrays: shared/pg_rows.py)."""
    other = Table("other_rows", MetaData(), Column("n", Integer), Column("label", String))
    other.create(pg_engine)

    def entry(i: int, label: str) -> dict:
        at = T0 + timedelta(minutes=i)
        changes = {"lần": i}
        return {
            "at": at,
            "actor": ACTOR,
            "action": "task.updated",
            "entity_type": "task",
            "entity_id": f"{label}-{i}",
            "changes": changes,
            "correlation_id": None,
        }

    def worker(label: str, batch: int) -> None:
        for i in range(10):
            with pg_engine.begin() as conn:
                rows = [{"n": i * 1000 + k, "label": label} for k in range(batch)]
                audit.append_many(conn, [entry(i, label), entry(i, label)], [(other, rows)])

    pool = [threading.Thread(target=worker, args=(f"w{i}", 1 + 60 * i)) for i in range(3)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        assert conn.execute(select(func.count()).select_from(audit.table)).scalar_one() == 60
        counts = dict(
            conn.execute(select(other.c.label, func.count()).group_by(other.c.label)).all()
        )
        assert counts == {"w0": 10, "w1": 610, "w2": 1210}
