"""Writing audit records on PostgreSQL (shared/audit.py builds them; docs/architecture.md,
Benchmarks): the head read under its row lock, then the records, the new head and the
transaction's other rows (the outbox's) in one statement; a lone record in one statement with
the head's read, the server hashing it.

A record's hash is sha256 over the canonical JSON of its fields, whose two last keys in sorted
order are `prev_hash` and `seq`, the head's: the JSON is this process's text up to them
(`hash_prefix`), then the head's hash and number, which the statement that locks the head
appends before hashing. The bytes hashed are those `record_hash` hashes, so the chain is the
same whichever way a record was written, and `verify_audit` checks it in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Select, Table, insert, select, text, update

from shared import pg_rows
from shared.audit import GENESIS_HASH, HEAD_ID, advisory_key, canonical_json, linked
from shared.db import rows_on_driver

# PostgreSQL's sha256() (11 and later); a database in another encoding takes two statements.
_SQL_HASH_SERVER = 110000
_CHAINED_KEYS = ("prev_hash", "seq")  # the last keys of a record's canonical JSON


def chain(
    conn: Connection,
    table: Table,
    head: Table,
    records: list[dict[str, Any]],
    also: Sequence[tuple[Table, list[dict[str, Any]]]],
) -> list[str]:
    """Append `records` after the head with `also`; their hashes."""
    also = [(other, rows) for other, rows in also if rows]
    if len(records) == 1 and _together(also) and _hashes_in_sql(conn):
        found = _append_one(conn, table, head, records[0], also)
        if found is not None:
            return [found]
        # No head yet (the first record), or it was deleted: the rows of `also` are written;
        # the record takes the path that creates the head.
        also = ()
    return _chain_locked(conn, table, head, records, also)


def hash_prefix(fields: dict[str, Any]) -> str:
    """The canonical JSON `record_hash` hashes for a record with these fields (all but `seq`,
    `prev_hash` and `hash`, `at` already UTC), up to the head's hash: what follows is
    `<prev_hash>","seq":<seq>}`."""
    payload = {key: value for key, value in fields.items() if key not in ("hash", *_CHAINED_KEYS)}
    if any(key > _CHAINED_KEYS[0] for key in payload):
        raise ValueError("a record field sorts after prev_hash")  # never: the table's columns
    payload["at"] = payload["at"].isoformat(timespec="microseconds")
    return canonical_json(payload)[:-1] + ',"prev_hash":"'


def _hashes_in_sql(conn: Connection) -> bool:
    """Whether the server hashes the record (PostgreSQL 11+, a UTF8 database): asked once per
    connection (its server and its database's encoding do not change while it is open)."""
    dbapi = conn.connection.dbapi_connection
    kept = conn.connection.info.get(_HASHES_IN_SQL)
    if kept is not None and kept[0] is dbapi:
        return bool(kept[1])
    info = dbapi.info  # type: ignore[union-attr]
    hashes = bool(
        info.server_version >= _SQL_HASH_SERVER
        and info.parameter_status("server_encoding") == "UTF8"
    )
    conn.connection.info[_HASHES_IN_SQL] = (dbapi, hashes)
    return hashes


_HASHES_IN_SQL = "nhiemvu.audit_hashes_in_sql"


@cache
def _locked_head(head: Table) -> Select[Any]:
    # Built once: SQLAlchemy reuses its compiled form without rebuilding the statement.
    return select(head.c.seq, head.c.hash).where(head.c.id == HEAD_ID).with_for_update()


def _chain_locked(
    conn: Connection,
    table: Table,
    head: Table,
    records: list[dict[str, Any]],
    also: Sequence[tuple[Table, list[dict[str, Any]]]],
) -> list[str]:
    """Two statements: the head read under its row lock, held until the caller's transaction
    ends (a writer waiting on it then reads the head we wrote: READ COMMITTED re-reads a locked
    row's newest version), then the records, the new head and `also` in one statement."""
    locked = _locked_head(head)
    row = conn.execute(locked).first()
    if row is None:
        # No head yet, so no row to lock: the advisory lock orders the writers that create it;
        # a statement after the wait sees a head another writer committed meanwhile.
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": advisory_key(table)})
        row = conn.execute(locked).first()
        if row is None:
            conn.execute(insert(head).values(id=HEAD_ID, seq=0, hash=GENESIS_HASH))
    seq, prev_hash = (int(row.seq), str(row.hash)) if row is not None else (0, GENESIS_HASH)
    chained, seq, prev_hash = linked(records, seq, prev_hash)
    if _together([(table, chained), *also]):
        _write_together(conn, head, {"seq": seq, "hash": prev_hash}, [(table, chained), *also])
    else:
        # Rows that one statement over arrays cannot write (shared/pg_rows.py, `usable`).
        for target, rows in ((table, chained), *also):
            conn.execute(insert(target), rows)
        conn.execute(update(head).where(head.c.id == HEAD_ID).values(seq=seq, hash=prev_hash))
    return [str(record["hash"]) for record in chained]


def _together(writes: Sequence[tuple[Table, list[dict[str, Any]]]]) -> bool:
    return all(pg_rows.usable(table, rows) for table, rows in writes)


# The SQL of `_write_together` and `_append_one`, by its shape (the tables and their columns;
# the rows go in arrays, shared/pg_rows.py): built once, a text the driver prepares when run
# again.
_TOGETHER_SQL: dict[tuple[Any, ...], Any] = {}


def _write_together(
    conn: Connection,
    head: Table,
    new_head: dict[str, Any],
    writes: Sequence[tuple[Table, list[dict[str, Any]]]],
) -> None:
    """The new head and every row of `writes` in one PostgreSQL statement: each table's rows a
    data-modifying CTE (`WITH w0 AS (INSERT … SELECT * FROM unnest(…)) … UPDATE audit_head …`)."""
    shape = (conn.dialect, head, *((t, tuple(rows[0])) for t, rows in writes))
    built = _TOGETHER_SQL.get(shape)
    if built is None:
        ctes, binds = _insert_ctes(conn.dialect, writes)
        quote = conn.dialect.identifier_preparer
        sql = (
            f"WITH {', '.join(ctes)} UPDATE {quote.format_table(head)} "
            f"SET seq = %(head_seq)s, hash = %(head_hash)s WHERE id = {HEAD_ID}"
        )
        built = _TOGETHER_SQL[shape] = (sql, binds)
    sql, binds = built
    params: dict[str, Any] = {"head_seq": new_head["seq"], "head_hash": new_head["hash"]}
    _bind_rows(params, binds, writes)
    conn.exec_driver_sql(sql, params)


def _append_one(
    conn: Connection,
    table: Table,
    head: Table,
    record: dict[str, Any],
    also: Sequence[tuple[Table, list[dict[str, Any]]]],
) -> str | None:
    """One statement: the head read under its row lock (as `_chain_locked`'s first), the record
    numbered, linked and hashed after it, `also`'s rows and the new head; the record's hash, or
    None when there is no head (nothing of the record or the head written, `also` written)."""
    names = list(record)
    others = ((t, tuple(rows[0])) for t, rows in also)
    shape = ("one", conn.dialect, head, table, tuple(names), *others)
    built = _TOGETHER_SQL.get(shape)
    if built is None:
        built = _TOGETHER_SQL[shape] = _append_one_sql(conn.dialect, table, head, names, also)
    sql, (record_binds, binds) = built
    params: dict[str, Any] = {"prefix": hash_prefix(record)}
    for name, process in record_binds:
        params[f"r_{name}"] = process(record[name]) if process else record[name]
    _bind_rows(params, binds, also, first=1)
    # On the driver: one column, not worth SQLAlchemy's result (shared/db.py, rows_on_driver).
    found = rows_on_driver(conn, sql, params)
    return str(found[0][0]) if found else None


def _append_one_sql(
    dialect: Any,
    table: Table,
    head: Table,
    names: list[str],
    also: Sequence[tuple[Table, list[dict[str, Any]]]],
) -> tuple[str, tuple[list[tuple[str, Any]], list[pg_rows.Built]]]:
    quote = dialect.identifier_preparer
    record_binds = [
        (name, table.c[name].type.dialect_impl(dialect).bind_processor(dialect)) for name in names
    ]
    ctes, also_binds = _insert_ctes(dialect, also, first=1)
    columns = ", ".join(quote.quote(name) for name in (*names, "seq", "prev_hash", "hash"))
    values = ", ".join(f"%(r_{name})s" for name in names)
    # The record's canonical JSON: this process's prefix, the head's hash, then its number.
    hashed = (
        'encode(sha256(convert_to(CAST(%(prefix)s AS TEXT) || h.hash || \'","seq":\' '
        "|| (h.seq + 1)::text || '}', 'UTF8')), 'hex')"
    )
    head_name = quote.format_table(head)
    sql = (
        f"WITH h AS (SELECT seq, hash FROM {head_name} WHERE id = {HEAD_ID} FOR UPDATE), "
        f"r AS (INSERT INTO {quote.format_table(table)} ({columns}) "
        f"SELECT {values}, h.seq + 1, h.hash, {hashed} FROM h RETURNING seq, hash), "
        + "".join(f"{cte}, " for cte in ctes)
        + f"n AS (UPDATE {head_name} SET seq = r.seq, hash = r.hash FROM r WHERE "
        f"{head_name}.id = {HEAD_ID}) SELECT hash FROM r"
    )
    return sql, (record_binds, also_binds)


def _insert_ctes(
    dialect: Any, writes: Sequence[tuple[Table, list[dict[str, Any]]]], first: int = 0
) -> tuple[list[str], list[pg_rows.Built]]:
    """A data-modifying CTE `w<i> AS (INSERT … SELECT * FROM unnest(…))` per table of
    `writes`, numbered from `first` (shared/pg_rows.py), and each one's columns."""
    ctes, built = [], []
    for index, (table, rows) in enumerate(writes, start=first):
        part = pg_rows.built(dialect, table, tuple(rows[0]), f"w{index}_")
        built.append(part)
        ctes.append(f"w{index} AS ({part[0]})")
    return ctes, built


def _bind_rows(
    params: dict[str, Any],
    built: list[pg_rows.Built],
    writes: Sequence[tuple[Table, list[dict[str, Any]]]],
    first: int = 0,
) -> None:
    """The parameters of `_insert_ctes`' rows: a list per column, `w<i>_<column>`."""
    for index, ((table, rows), (_, columns, processors)) in enumerate(
        zip(writes, built, strict=True), start=first
    ):
        pg_rows.bind(params, table, f"w{index}_", columns, processors, rows)
