"""Engines, migrations and the unit of work that commits state, outbox and audit together."""

from __future__ import annotations

import re
import select
import time
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, DateTime, Dialect, Engine, create_engine, event, exc, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool
from sqlalchemy.types import TypeDecorator

from shared import json_codec


def make_engine(url: str, *, pool_size: int = 5) -> Engine:
    """SQLite in WAL mode for the embedded profile, pooled PostgreSQL in production."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if parsed.database in (None, "", ":memory:") else None,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    # psycopg reads the JSON and JSONB columns with it (the dialect registers it as the
    # connections' loads): orjson where it reads what json does.
    engine = create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        json_deserializer=json_codec.loads,
    )
    event.listen(engine, "checkin", _checked_in)
    event.listen(engine, "checkout", _check_on_checkout(engine.dialect))
    return engine


# A pooled connection idle longer than this is pinged at checkout (a round trip), whatever its
# socket says: a peer gone silently (no FIN, a firewall's idle timeout) shows nothing to read.
IDLE_PING_SECONDS = 10.0
_IDLE_SINCE = "nhiemvu.idle_since"


def _checked_in(_dbapi_conn: Any, record: Any) -> None:
    if record is not None:
        record.info[_IDLE_SINCE] = time.monotonic()


def _check_on_checkout(dialect: Dialect) -> Callable[[Any, Any, Any], None]:
    """What SQLAlchemy's `pool_pre_ping` does, without its round trip at every checkout: a
    connection that came back to the pool a moment ago (an action's, under load) is pinged
    only when its socket has something to read, which an idle PostgreSQL connection never has
    unless the server spoke on its own: a restart or a terminated backend sends its FATAL and
    closes. A failed ping invalidates the pool as pre-ping does (every older connection
    reconnects at its checkout), and SQLAlchemy checks this one out on a fresh connection."""

    def check(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None:  # a fresh connection, just opened
            return
        if time.monotonic() - since < IDLE_PING_SECONDS and not _readable(dbapi_conn):
            return
        try:
            dialect.do_ping(dbapi_conn)
        except Exception as error:
            raise exc.InvalidatePoolError() from error

    return check


def _readable(dbapi_conn: Any) -> bool:
    """Whether the server sent anything on an idle connection (or closed it): no wait."""
    try:
        poller = select.poll()
        poller.register(dbapi_conn.fileno(), select.POLLIN | select.POLLPRI)
        return bool(poller.poll(0))
    except (OSError, ValueError, AttributeError):
        return True  # no socket to look at: ask the server


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # pysqlite's own transaction handling would defer BEGIN; we issue it ourselves (below).
    dbapi_conn.isolation_level = None
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin_immediate(conn: Connection) -> None:
    # Taking the write lock at BEGIN means a read-then-write transaction never fails half-way
    # with SQLITE_BUSY_SNAPSHOT; writers queue on busy_timeout instead. Readers in WAL mode
    # need no lock at all.
    if conn.get_execution_options().get("readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def is_postgres(engine: Engine | Connection) -> bool:
    return engine.dialect.name == "postgresql"


def ping(engine: Engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))


def migrate(engine: Engine, script_location: Path, revision: str = "head") -> None:
    """Apply a service's Alembic migrations to its own database."""
    cfg = Config()
    cfg.set_main_option("script_location", str(script_location))
    cfg.set_main_option("path_separator", "os")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)


@dataclass
class Scope:
    """A transaction that a block of code (an HTTP request) holds open on a service's database;
    every `transaction()` and `read()` of the same thread joins it (see `Database.scope`)."""

    conn: Connection
    rollback_only: bool = False

    def rollback(self) -> None:
        """Undo everything the scope did when it ends, instead of committing."""
        self.rollback_only = True


# The scopes open in this thread (or task), by database.
_SCOPES: ContextVar[Mapping[Database, Connection] | None] = ContextVar(
    "nhiemvu_db_scopes", default=None
)


class Database:
    """A service's database: its engine plus hooks run after each commit (e.g. wake the relay)."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._after_commit: list[Callable[[], None]] = []

    def after_commit(self, hook: Callable[[], None]) -> None:
        self._after_commit.append(hook)

    def _scoped(self) -> Connection | None:
        scopes = _SCOPES.get()
        return scopes.get(self) if scopes else None

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        outer = self._scoped()
        if outer is not None:
            # Inside a scope: a savepoint, so that a failure here undoes only this block's
            # changes, as its own transaction would; the scope commits them all at its end.
            with outer.begin_nested():
                yield outer
            return
        with self.engine.begin() as conn:
            yield conn
        for hook in self._after_commit:
            hook()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        outer = self._scoped()
        if outer is not None:
            # What the scope wrote so far is visible only on its own connection.
            yield outer
            return
        with self.engine.connect() as conn:
            conn = conn.execution_options(readonly=True)
            yield conn

    @contextmanager
    def scope(self) -> Iterator[Scope]:
        """One transaction for the whole block: each `transaction()` inside it is a savepoint
        of it and each `read()` reads on it, so that everything the block does commits at once,
        at its end, or not at all (it raised, or `Scope.rollback()` was called). On SQLite the
        write lock is taken at the start (BEGIN IMMEDIATE), so scopes run one at a time."""
        if self._scoped() is not None:
            raise RuntimeError("a database scope is already open in this context")
        with self.engine.connect() as conn:
            trans = conn.begin()
            scope = Scope(conn)
            token = _SCOPES.set({**(_SCOPES.get() or {}), self: conn})
            try:
                yield scope
            except BaseException:
                trans.rollback()
                raise
            finally:
                _SCOPES.reset(token)
            if scope.rollback_only:
                trans.rollback()
                return
            trans.commit()
        for hook in self._after_commit:
            hook()

    def dispose(self) -> None:
        self.engine.dispose()


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetimes are not stored: give an offset")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class DriverStatement:
    """A Core statement compiled once for PostgreSQL and run on the transaction's psycopg
    connection directly, its rows plain tuples: SQLAlchemy's execution and result layers (the
    cursor's description, built anew at every statement, a Column per column read) cost more
    than the statement's own work on the client when a row has many columns, as an instance's
    read at every action has (docs/architecture.md, Benchmarks). The parameters and the columns
    go through the same type processors as SQLAlchemy's; an error is raised as SQLAlchemy
    raises it (and a broken connection is invalidated); the engine's `before_cursor_execute`
    listeners see the statement."""

    def __init__(self, statement: Any, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        self.sql = compiled.string
        if compiled.escaped_bind_names:
            raise ValueError("a parameter name the driver cannot take as it is")
        # The values the statement holds itself (a LIMIT's, say); the caller gives the others.
        self._fixed = {name: value for name, value in compiled.params.items() if value is not None}
        self._binds = [
            (name, processor)
            for name, bind in compiled.binds.items()
            if (processor := bind.type.dialect_impl(dialect).bind_processor(dialect)) is not None
        ]
        columns = list(statement.selected_columns)
        self.keys = tuple(column.key for column in columns)
        processors = [c.type.dialect_impl(dialect).result_processor(dialect, None) for c in columns]
        self._results = [(index, p) for index, p in enumerate(processors) if p is not None]

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        values = {**self._fixed, **params}
        for name, processor in self._binds:
            if name in values:
                values[name] = processor(values[name])
        found = rows_on_driver(conn, self.sql, values)
        if not self._results:
            return list(found)
        rows = []
        for row in found:
            items = list(row)
            for index, processor in self._results:
                items[index] = processor(items[index])
            rows.append(tuple(items))
        return rows


def rows_on_driver(conn: Connection, sql: str, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
    """The rows of `sql` (the driver's parameter style, parameters already through their type
    processors) run on the transaction's DBAPI connection without SQLAlchemy's result layer
    (`DriverStatement`); a database error is raised as SQLAlchemy raises it. The statement is
    prepared on the connection at its first run, not its sixth (psycopg's threshold): these are
    the fixed statements of every action, and each run before that was parsed and planned anew
    by the server, on every connection the pool opens (docs/architecture.md, Benchmarks)."""
    fairy = conn.connection
    dbapi = fairy.dbapi_connection
    if dbapi is None:  # pragma: no cover - a connection in use always has one
        raise exc.ResourceClosedError("the connection is closed")
    query, names = _positional(sql)
    args = [params[name] for name in names]
    cursors = _driver_cursors(fairy.info, dbapi)
    cursor = cursors.pop(query, None)
    if cursor is None or cursor.closed:
        cursor = dbapi.cursor()
    try:
        if conn._has_events or conn.engine._has_events:  # as SQLAlchemy's execute looks first
            conn.dispatch.before_cursor_execute(conn, cursor, query, args, None, False)
        cursor.execute(query, args, prepare=True)
        rows = list(cursor.fetchall())
    except Exception as error:
        cursor.close()  # not kept: the statement's next run takes a fresh cursor
        conn._handle_dbapi_exception(error, query, args, cursor, None)
        raise  # pragma: no cover - the call above always raises
    cursors[query] = cursor  # the most recently used last
    if len(cursors) > DRIVER_CURSORS:
        cursors.pop(next(iter(cursors))).close()
    return rows


# A pooled connection keeps a cursor per driver statement (by its SQL, the one string object
# each statement is built to), as psycopg's executemany keeps one for its statement: a cursor
# run again on the very same query object keeps its adaptation (the dumpers and the loaders
# made for the statement's parameter and column types) instead of making them anew, and no
# cursor is set up (its adapters copied from the connection's). A connection serves one
# transaction of one thread at a time, and each statement fetches all its rows before the
# next one runs; a statement that failed closes its cursor.
DRIVER_CURSORS = 16
_CURSORS = "nhiemvu.driver_cursors"


def _positional(sql: str) -> tuple[str, tuple[str, ...]]:
    """`sql` with its named placeholders (`%(name)s`, `%(name)b` for the binary format) made
    positional (`%s`, `%b`), and the names in their order (a name used twice, twice): psycopg
    then takes the values as they are, rather than checking and ordering a mapping's at every
    run. Converted once per statement."""
    converted = _POSITIONAL.get(sql)
    if converted is None:
        names: list[str] = []

        def placeholder(match: re.Match[str]) -> str:
            if match.group(1) is None:
                return match.group(0)  # "%%", a literal percent sign, stays as it is
            names.append(match.group(1))
            return f"%{match.group(2)}"

        converted = _POSITIONAL[sql] = (_PLACEHOLDER.sub(placeholder, sql), tuple(names))
    return converted


_PLACEHOLDER = re.compile(r"%%|%\((\w+)\)([sb])")
_POSITIONAL: dict[str, tuple[str, tuple[str, ...]]] = {}


def _driver_cursors(info: dict[str, Any], dbapi: Any) -> dict[str, Any]:
    """The cursors kept for `dbapi`, the DBAPI connection the pool's record holds now: those of
    a connection it held before (invalidated, then reconnected) are dropped."""
    kept = info.get(_CURSORS)
    if kept is not None and kept[0] is dbapi:
        cursors: dict[str, Any] = kept[1]
        return cursors
    fresh: dict[str, Any] = {}
    info[_CURSORS] = (dbapi, fresh)
    return fresh
