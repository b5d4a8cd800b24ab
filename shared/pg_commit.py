"""A transaction's last statement and its COMMIT sent to PostgreSQL in one write (libpq's
pipeline mode, one sync), for `shared.db.rows_on_driver(commit=True)`: the server commits
right after the statement, without waiting for the thread that sent it to come back with the
COMMIT, so the row locks the statement took (the audit chain's head, docs/architecture.md,
Benchmarks) are held for the statement and the commit's WAL flush only.

psycopg's own pipeline (`Connection.pipeline()`) sends each queued command in a write of its
own and goes back to Python between them, where the thread may wait for the interpreter lock
while the server holds the locks and waits for the COMMIT: here the statement, the COMMIT
and the sync are queued in libpq's
buffer and flushed together. The parameters are dumped, and the rows loaded, by a psycopg
`Transformer` kept per connection, as a cursor's; errors are raised as psycopg raises them.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from psycopg import errors, generators, pq
from psycopg.adapt import PyFormat, Transformer

_INTRANS = pq.TransactionStatus.INTRANS
_FATAL = pq.ExecStatus.FATAL_ERROR
_SYNC = pq.ExecStatus.PIPELINE_SYNC


def kept(info: dict[str, Any], dbapi: Any) -> Pipelined:
    """What `dbapi`, the connection the pool's record holds now, keeps (in the record's info:
    a connection it held before, invalidated and reconnected, had its own)."""
    found = info.get(_KEPT)
    if found is None or found.dbapi is not dbapi:
        found = info[_KEPT] = Pipelined(dbapi)
    return found


_KEPT = "nhiemvu.pipelined"


class Pipelined:
    """What one DBAPI connection keeps for these statements: a transformer (the dumpers and
    loaders it made). Not a prepared statement: psycopg deallocates all of a connection's at
    any rollback (`DEALLOCATE ALL`, a savepoint's or the pool's reset after a read), so a name
    kept here could be gone at the next run, whose failure would abort the transaction; the
    statement is parsed and planned at each run, before it takes any lock."""

    def __init__(self, dbapi: Any) -> None:
        self.dbapi = dbapi
        self.tx = Transformer.from_context(dbapi)


def usable(dbapi: Any) -> bool:
    """Whether this connection can take it: psycopg's, its libpq with pipeline mode, inside a
    transaction that a statement began (else the caller's commit does it)."""
    pgconn = getattr(dbapi, "pgconn", None)
    return bool(
        pgconn is not None
        and pq.version() >= 140000
        and pgconn.transaction_status == _INTRANS
        and not pgconn.pipeline_status
    )


def rows_and_commit(kept: Pipelined, query: str, args: Sequence[Any]) -> list[tuple[Any, ...]]:
    """`query` (psycopg's positional placeholders, `%s` or `%b`) run with `args`, then COMMIT;
    its rows. A failing statement skips the COMMIT (the pipeline aborts up to the sync): its
    error is raised, the transaction left failed for the caller's rollback."""
    dbapi, tx = kept.dbapi, kept.tx
    sql, wanted = _numbered(query)
    params = tx.dump_sequence(args, wanted)
    pgconn = dbapi.pgconn
    with dbapi.lock:
        pgconn.enter_pipeline_mode()
        try:
            pgconn.send_query_params(
                sql.encode(dbapi.info.encoding),
                params,
                param_types=tx.types,
                param_formats=tx.formats,
            )
            pgconn.send_query_params(b"COMMIT", None)
            pgconn.pipeline_sync()
            results = dbapi.wait(_exchange(pgconn))
        except BaseException:
            _leave(dbapi, pgconn, failed=True)
            raise
        _leave(dbapi, pgconn, failed=False)
    for batch in results:
        for result in batch:
            if result.status == _FATAL:
                raise errors.error_from_result(result, encoding=dbapi.info.encoding)
    (found,) = results[0]
    tx.set_pgresult(found)
    return list(tx.load_rows(0, found.ntuples, tuple))


def _exchange(pgconn: Any) -> Any:
    """Flush what was queued, then read each query's results up to the sync's."""
    yield from generators.send(pgconn)
    results: list[list[Any]] = []
    batch: list[Any] = []
    while True:
        result = yield from generators.fetch(pgconn)
        if result is None:
            results.append(batch)
            batch = []
        elif result.status == _SYNC:
            return results
        else:
            batch.append(result)


def _leave(dbapi: Any, pgconn: Any, *, failed: bool) -> None:
    try:
        pgconn.exit_pipeline_mode()
    except Exception:
        if not failed:
            raise
        dbapi.close()  # results left unread (a broken exchange): no later statement may run


_NUMBERED: dict[str, tuple[str, list[PyFormat]]] = {}
_PLACEHOLDER = re.compile(r"%%|%([sb])")


def _numbered(query: str) -> tuple[str, list[PyFormat]]:
    """`$1`, `$2`… for psycopg's `%s` and `%b`, and the formats psycopg would dump them in."""
    converted = _NUMBERED.get(query)
    if converted is None:
        wanted: list[PyFormat] = []

        def number(match: re.Match[str]) -> str:
            if match.group(1) is None:
                return "%"
            wanted.append(PyFormat.BINARY if match.group(1) == "b" else PyFormat.AUTO)
            return f"${len(wanted)}"

        text = _PLACEHOLDER.sub(number, query)
        converted = _NUMBERED[query] = (text, wanted)
    return converted
