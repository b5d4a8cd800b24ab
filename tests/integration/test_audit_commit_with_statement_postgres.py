"""The last statement of a top-level transaction on PostgreSQL, a lone audit record's, carries
the transaction's COMMIT (shared/db.py, `rows_on_driver`; shared/audit_postgres.py): the
server commits right after it, the caller's own commit then does nothing. A failing statement
rolls everything back and raises as before; a savepoint (a `Database.scope`) commits nothing
early; without a head nothing is committed without its record."""

from datetime import timedelta

import pytest
from psycopg import pq
from sqlalchemy import Column, Integer, MetaData, Table, delete, event, func, insert, select
from sqlalchemy.exc import IntegrityError

from shared.db import Database
from tests.integration import test_audit_one_statement_postgres as one_statement
from tests.integration import test_audit_postgres
from tests.unit.auditkit import ACTOR, T0

pg_engine = test_audit_postgres.pg_engine
audit = test_audit_postgres.audit

pytestmark = pytest.mark.services


def entry(i: int) -> dict:
    return {
        "at": T0 + timedelta(minutes=i),
        "actor": ACTOR,
        "action": "task.accept",
        "entity_type": "task",
        "entity_id": f"t-{i}",
        "changes": {"lần": i},
        "correlation_id": f"req-{i}",
    }


@pytest.fixture
def other(pg_engine):
    table = Table("other_rows", MetaData(), Column("n", Integer, primary_key=True))
    table.create(pg_engine)
    return table


def committed(pg_engine, audit, other) -> tuple[int, list[int]]:
    with pg_engine.connect() as conn:
        records = conn.execute(select(func.count()).select_from(audit.table)).scalar_one()
        return records, conn.execute(select(other.c.n).order_by(other.c.n)).scalars().all()


def warm(conn, audit) -> None:
    """The first record (creates the head), then one that finds it (known to the engine)."""
    for i in (0, 1):
        with conn.begin():
            audit.append_many(conn, [entry(i)], last=True)


def idle(conn) -> bool:
    return conn.connection.dbapi_connection.info.transaction_status == pq.TransactionStatus.IDLE


def test_the_last_statement_commits_the_transaction_it_ends(pg_engine, audit, other):
    sent: list[str] = []
    with pg_engine.connect() as conn:
        warm(conn, audit)
        event.listen(pg_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
        with conn.begin():
            conn.execute(insert(other), [{"n": 1}])
            hashes = audit.append_many(conn, [entry(2)], [(other, [{"n": 2}])], last=True)
            # The insert, then the record with its rows (the COMMIT goes with it).
            assert [sql.split()[0] for sql in sent] == ["INSERT", "WITH"]
            # Committed already, before SQLAlchemy's commit: another connection sees it all.
            assert idle(conn)
            assert committed(pg_engine, audit, other) == (3, [1, 2])
        with conn.begin():  # the connection serves the next transaction as before
            audit.append_many(conn, [entry(3)], last=True)
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        assert conn.execute(select(audit.head.c.seq, audit.head.c.hash)).one()[0] == 4
        assert conn.execute(select(audit.table.c.hash).where(audit.table.c.seq == 3)).scalar_one()
        assert hashes == [
            conn.execute(select(audit.table.c.hash).where(audit.table.c.seq == 3)).scalar_one()
        ]


def test_records_of_every_shape_carrying_the_commit_keep_the_chain(pg_engine, audit, other):
    """Nulls and texts JSON escapes, rows written with the record or none: each hashes as
    Python does."""
    returned = []
    with pg_engine.connect() as conn:
        warm(conn, audit)
        for i, changes in enumerate(one_statement.TRICKY_CHANGES * 3, start=2):
            with conn.begin():
                conn.execute(select(func.now()))
                rows = [{"n": i * 10 + k} for k in range(i % 3)]
                actor = None if i % 4 == 0 else ACTOR
                record = one_statement.entry(i, changes, actor)
                returned += audit.append_many(conn, [record], [(other, rows)], last=True)
                assert idle(conn)
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []
        stored = conn.execute(select(audit.table.c.hash).order_by(audit.table.c.seq)).scalars()
        assert list(stored)[2:] == returned
    assert committed(pg_engine, audit, other)[1] == [
        i * 10 + k for i in range(2, 11) for k in range(i % 3)
    ]


def test_a_failing_last_statement_rolls_everything_back_and_raises(pg_engine, audit, other):
    with pg_engine.connect() as conn:
        warm(conn, audit)
        with conn.begin():
            conn.execute(insert(other), [{"n": 7}])
        with pytest.raises(IntegrityError), conn.begin():
            conn.execute(insert(other), [{"n": 8}])
            # The outbox-like row collides: the statement fails, its COMMIT is skipped.
            audit.append_many(conn, [entry(2)], [(other, [{"n": 7}])], last=True)
        assert committed(pg_engine, audit, other) == (2, [7])
        with conn.begin():  # the next one takes the path that commits after it, then this one
            audit.append_many(conn, [entry(3)], [(other, [{"n": 9}])], last=True)
            assert not idle(conn)
        with conn.begin():
            conn.execute(insert(other), [{"n": 10}])
            audit.append_many(conn, [entry(4)], last=True)
            assert idle(conn)
        assert audit.verify(conn) == []
    assert committed(pg_engine, audit, other) == (4, [7, 9, 10])


def test_rollbacks_between_them_leave_the_statement_runnable(pg_engine, audit, other):
    """psycopg deallocates a connection's prepared statements at a rollback (a savepoint's, the
    pool's reset after a read): the statement carrying the commit names none of them."""
    with pg_engine.connect() as conn:
        warm(conn, audit)
        for i in range(2, 6):
            with conn.begin():
                conn.execute(select(func.now()))
                with conn.begin_nested() as savepoint:
                    conn.execute(insert(other), [{"n": 100 + i}])
                    savepoint.rollback()  # ROLLBACK TO SAVEPOINT: psycopg's DEALLOCATE ALL
                audit.append_many(conn, [entry(i)], [(other, [{"n": i}])], last=True)
                assert idle(conn)
            with conn.begin():
                conn.execute(select(func.now()))
            conn.rollback()
    assert committed(pg_engine, audit, other) == (6, [2, 3, 4, 5])


def test_a_savepoint_of_a_scope_commits_nothing_early(pg_engine, audit, other):
    database = Database(pg_engine)
    with pg_engine.connect() as conn:
        warm(conn, audit)
    with database.scope() as scope:
        for i in (2, 3):
            with database.transaction() as conn:
                audit.append_many(conn, [entry(i)], [(other, [{"n": i}])], last=True)
                assert conn.in_nested_transaction() and not idle(conn)
        assert committed(pg_engine, audit, other) == (2, [])
        scope.rollback()
    assert committed(pg_engine, audit, other) == (2, [])


def test_a_record_first_in_its_transaction_is_committed_after_it(pg_engine, audit, other):
    """No statement began the transaction (psycopg sends BEGIN with the first): the record's
    statement runs alone and the caller commits, as before."""
    with pg_engine.connect() as conn:
        warm(conn, audit)
        with conn.begin():
            audit.append_many(conn, [entry(2)], [(other, [{"n": 2}])], last=True)
            assert not idle(conn)
            assert committed(pg_engine, audit, other) == (2, [])
    assert committed(pg_engine, audit, other) == (3, [2])


def test_a_top_level_transaction_commits_once_and_runs_its_hooks(pg_engine, audit, other):
    database = Database(pg_engine)
    hooks: list[int] = []
    database.after_commit(lambda: hooks.append(committed(pg_engine, audit, other)[0]))
    carried = []
    for i in range(4):
        with database.transaction() as conn:
            conn.execute(select(func.now()))
            audit.append_many(conn, [entry(i)], [(other, [{"n": i}])], last=True)
            carried.append(idle(conn))
    assert carried == [False, False, True, True]  # the head created, then found, then known
    assert hooks == [1, 2, 3, 4]
    with pg_engine.connect() as conn:
        assert audit.verify(conn) == []


def test_a_head_deleted_after_it_was_seen_commits_nothing(pg_engine, audit, other):
    """Tampering (the head's row deleted): the statement that would carry the commit fails on
    the record's null number instead of committing the rows written with it."""
    with pg_engine.connect() as conn:
        warm(conn, audit)
        with pg_engine.begin() as tamper:
            tamper.execute(delete(audit.head))
        with pytest.raises(IntegrityError), conn.begin():
            conn.execute(insert(other), [{"n": 1}])
            audit.append_many(conn, [entry(2)], [(other, [{"n": 2}])], last=True)
    assert committed(pg_engine, audit, other) == (2, [])
