"""Rows inserted on PostgreSQL over arrays, one statement (shared/pg_rows.py): what they store is
what SQLAlchemy's insert stores for the same rows, whatever their count; rows that cannot go
that way take SQLAlchemy's insert; a unit of work's deferred rows go with its audit records and
outbox rows after the head's lock (shared/platform.py, `flush`)."""

import itertools
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from sqlalchemy import (
    ARRAY,
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    ForeignKey,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    cast,
    event,
    func,
    insert,
    select,
)

from shared import pg_rows
from shared.audit import AuditLog
from shared.db import UtcDateTime
from shared.platform import UnitOfWork
from shared.tables import add_platform_tables
from tests.integration import test_audit_postgres

pg_engine = test_audit_postgres.pg_engine
pytestmark = pytest.mark.services

HANOI = timezone(timedelta(hours=7))
counter = itertools.count()


def kinds(metadata: MetaData, name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("label", String(40)),
        Column("body", Text),
        Column("data", JSON),
        Column("at", UtcDateTime()),
        Column("on", Date),
        Column("flag", Boolean),
        Column("big", BigInteger),
        Column("constant", Boolean, nullable=False, default=False),
        Column("kept", String(10), server_default="máy"),
    )


ODD_TEXTS = ["", "NULL", "null", 'dấu "nháy" \\ {ngoặc}, phẩy', " cách ", "\t\n\u2028😀", None]


def odd_rows(n: int) -> list[dict]:
    rows = []
    for i in range(n):
        label = ODD_TEXTS[i % len(ODD_TEXTS)]
        rows.append(
            {
                "label": label,
                "body": "x" * (i * 97) + '"\\',
                "data": [None, {"k": label, "n": i}, "chuỗi", [1, 2.5, True], {}][i % 5],
                "at": None if i % 4 == 3 else datetime(2026, 3, 2, 8, i % 60, tzinfo=HANOI),
                "on": None if i % 3 == 2 else date(2026, 1, 1) + timedelta(days=i),
                "flag": [True, False, None][i % 3],
                "big": None if i % 5 == 4 else (i - 3) * 2**40,
            }
        )
    return rows


def stored(conn, table: Table) -> list[tuple]:
    columns = [c for c in table.columns if c.name != "data"]
    # The JSON as the server keeps it: a Python None is JSON's null, as SQLAlchemy writes it.
    query = select(*columns, cast(table.c.data, Text)).order_by(table.c.id)
    return [tuple(row) for row in conn.execute(query)]


@pytest.mark.parametrize("count", [1, 2, 37])
def test_rows_over_arrays_store_what_sqlalchemys_insert_stores(pg_engine, count):
    metadata = MetaData()
    ours, theirs = kinds(metadata, "ours"), kinds(metadata, "theirs")
    metadata.create_all(pg_engine)
    rows = odd_rows(count)
    assert pg_rows.usable(ours, rows)
    with pg_engine.begin() as conn:
        pg_rows.insert_many(conn, [(ours, rows)])
        conn.execute(insert(theirs), rows)
    with pg_engine.connect() as conn:
        mine, reference = stored(conn, ours), stored(conn, theirs)
    assert len(mine) == count
    assert mine == reference
    assert all(row[7] is False and row[8] == "máy" for row in mine)  # the defaults


def test_several_tables_go_in_one_statement_whose_text_ignores_the_row_count(pg_engine):
    metadata = MetaData()
    parent = Table("parent", metadata, Column("key", String(10), primary_key=True))
    child = Table(
        "child",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("key", String(10), ForeignKey("parent.key"), nullable=False),
        Column("n", Integer),
    )
    metadata.create_all(pg_engine)
    sent: list[str] = []
    event.listen(pg_engine, "before_cursor_execute", lambda *args: sent.append(args[2]))
    for size in (1, 3, 250):
        keys = [f"k{next(counter)}" for _ in range(size)]
        with pg_engine.begin() as conn:
            pg_rows.insert_many(
                conn,
                [
                    (parent, [{"key": key} for key in keys]),
                    (child, [{"key": key, "n": n} for n, key in enumerate(keys)]),
                    (child, []),  # nothing to write: no part of the statement
                ],
            )
    assert len(sent) == 3 and len(set(sent)) == 1  # the child's key checked at the statement's end
    with pg_engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(child)).scalar_one() == 254
        # In the order given: the serial ids follow the rows.
        ns = conn.execute(select(child.c.n).order_by(child.c.id)).scalars().all()
        assert ns == [0, 0, 1, 2, *range(250)]


def test_rows_that_arrays_cannot_carry_take_sqlalchemys_insert(pg_engine):
    metadata = MetaData()
    computed = Table(
        "computed",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("label", String(10)),
        Column("made", String(20), default=lambda: f"made-{next(counter)}"),
    )
    listed = Table(
        "listed",
        metadata,
        Column("id", Integer, primary_key=True, autoincrement=True),
        Column("units", ARRAY(String)),
    )
    metadata.create_all(pg_engine)
    assert not pg_rows.usable(computed, [{"label": "a"}])  # a default computed per row
    assert pg_rows.usable(computed, [{"label": "a", "made": "given"}])
    assert not pg_rows.usable(listed, [{"units": ["A", "B"]}])  # unnest would flatten it
    assert not pg_rows.usable(computed, [{"label": "a"}, {"label": "b", "made": "x"}])
    assert not pg_rows.usable(computed, [{"label": "a", "made": "x", "no_such_column": 1}])
    # A column of values of two types (a date as a date and as its text): SQLAlchemy's insert.
    dated = Table("dated", metadata, Column("on", Date), Column("label", String(10)))
    dated.create(pg_engine)
    mixed = [{"on": date(2026, 3, 1), "label": "a"}, {"on": "2026-03-02", "label": None}]
    assert not pg_rows.usable(dated, mixed)
    assert pg_rows.usable(
        dated, [{"on": None, "label": "a"}, {"on": date(2026, 3, 2), "label": None}]
    )
    with pg_engine.begin() as conn:
        pg_rows.insert_many(conn, [(computed, [{"label": "a"}, {"label": "b"}])])
        pg_rows.insert_many(conn, [(listed, [{"units": ["A", "B"]}, {"units": []}])])
        pg_rows.insert_many(conn, [(dated, mixed)])
    with pg_engine.connect() as conn:
        made = conn.execute(select(computed.c.made).order_by(computed.c.id)).scalars().all()
        units = conn.execute(select(listed.c.units).order_by(listed.c.id)).scalars().all()
    assert len(set(made)) == 2 and all(value.startswith("made-") for value in made)
    assert units == [["A", "B"], []]
    with pg_engine.connect() as conn:
        days = conn.execute(select(dated.c.on).order_by(dated.c.on)).scalars().all()
    assert days == [date(2026, 3, 1), date(2026, 3, 2)]


def test_a_flush_writes_deferred_rows_with_the_audit_and_the_outbox_after_the_lock(pg_engine):
    metadata = MetaData()
    tables = add_platform_tables(metadata)
    audit_log = AuditLog.define(metadata)
    ours = kinds(metadata, "ours")
    metadata.create_all(pg_engine)
    now = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)

    def flush(size: int) -> list[str]:
        sent: list[str] = []

        def listen(*args) -> None:
            sent.append(args[2])

        event.listen(pg_engine, "before_cursor_execute", listen)
        try:
            with pg_engine.begin() as conn:
                uow = UnitOfWork(conn, now, "/nhiemvu/test", tables, audit_log)
                for row in odd_rows(size):
                    uow.insert_later(ours, row)
                    uow.audit(None, "thử", "ours", str(next(counter)), {"nhãn": row["label"]})
                    uow.emit("task.due_soon", due_soon(str(next(counter)), now), subject="x")
                uow.flush()
        finally:
            event.remove(pg_engine, "before_cursor_execute", listen)
        return sent

    flush(1)  # the first record creates the head
    # A lone record: one statement with the head's read (shared/audit_postgres.py).
    assert [("FOR UPDATE" in sql, "unnest" in sql) for sql in flush(1)] == [(True, True)]
    for size in (5, 120):
        sent = flush(size)
        assert len(sent) == 2, sent  # the head's lock, then everything else
        assert "FOR UPDATE" in sent[0] and "unnest" in sent[1]
    with pg_engine.connect() as conn:
        assert audit_log.verify(conn) == []
        counted = [
            conn.execute(select(func.count()).select_from(t)).scalar_one()
            for t in (ours, audit_log.table, tables.outbox)
        ]
        assert counted == [127, 127, 127]


def due_soon(task_id: str, now: datetime) -> dict:
    return {
        "task_id": task_id,
        "document_id": "d-1",
        "status": "assigned",
        "lead_unit": "SO_TC",
        "coordinating_units": [],
        "due_on": date(2026, 3, 20),
        "overdue": False,
        "assigned_on": date(2026, 3, 1),
        "assigned_by": "UBND",
        "content": "Nội dung",
        "action": "due_soon",
        "note": None,
        "actor": None,
        "occurred_at": now,
        "submitted_at": None,
        "officer": None,
        "sector": None,
        "handed_units": [],
    }
