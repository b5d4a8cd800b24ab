"""One store for instances of every kind: the row, its history, its timers.

Each kind keeps its own tables (tasks: `task_instances`, `task_history` and `task_units`;
cases: `cases`, `case_history`, `case_units` and `case_people`, services/workflow/store.py and
services/workflow/case_store.py); an `InstanceTable` names them and does the same for both:
add a row with its history and side rows, read it (locked for the transaction on PostgreSQL),
save a new revision (optimistic: a stale revision raises), append and read history, find due
timers and put a timer off.

Every due time written here is told to `DUE_TIMES`, so that this process's timer scheduler wakes
at once when a change makes a timer due earlier than the one it sleeps until (scheduler.py).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any

from sqlalchemy import (
    Connection,
    ScalarSelect,
    Select,
    Table,
    Update,
    bindparam,
    func,
    insert,
    select,
    update,
)

from shared.db import DriverStatement, is_postgres
from shared.platform import UnitOfWork


class StaleInstance(Exception):
    """Another worker advanced the instance first."""


class DueTimes:
    """The due times this process writes, told to those listening (its timer schedulers, held
    weakly so that a scheduler dropped is dropped here too). A time is told when its row is
    written, before the commit: a listener wakes at it and reads what is committed by then."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[weakref.WeakMethod[Callable[[datetime], None]]] = []

    def listen(self, listener: Callable[[datetime], None]) -> None:
        """`listener`: a bound method, kept as long as its object lives."""
        with self._lock:
            self._listeners.append(weakref.WeakMethod(listener))

    def tell(self, when: datetime | None) -> None:
        if when is None:
            return
        with self._lock:
            self._listeners = [ref for ref in self._listeners if ref() is not None]
            alive = [ref() for ref in self._listeners]
        for listener in alive:
            if listener is not None:
                listener(when)


DUE_TIMES = DueTimes()


# The rows of side tables that a new instance's row implies, e.g. the units a task involves.
SideRows = Callable[[dict[str, Any]], list[tuple[Table, list[dict[str, Any]]]]]
# Bring side tables in step with the values just saved (only those that changed them).
Sync = Callable[[Connection, str, dict[str, Any]], None]


@dataclass(frozen=True)
class PendingSave:
    """A new revision of an instance not written yet: the statement that writes the answer's
    history writes it too (task_files.history_after), then calls `done` with the rows it
    updated, or it is written alone by `run`."""

    table: InstanceTable
    key: str
    revision: int
    values: dict[str, Any]

    def run(self, conn: Connection) -> None:
        self.table.save(conn, self.key, self.revision, self.values)

    def params(self, prefix: str) -> dict[str, Any]:
        """The parameters of `InstanceTable.saving(..., prefix)`."""
        return {
            **{f"{prefix}{name}": value for name, value in self.values.items()},
            f"{prefix}_key": self.key,
            f"{prefix}_revision": self.revision,
            f"{prefix}_next": self.revision + 1,
        }

    def done(self, conn: Connection, rowcount: int) -> None:
        self.table.saved(conn, self.key, self.values, rowcount)


@dataclass(frozen=True)
class InstanceTable:
    table: Table
    key: str  # the primary key column, e.g. "task_id"
    history_table: Table
    side_rows: SideRows
    sync: Sync

    def add(
        self, uow: UnitOfWork, row: dict[str, Any], history: dict[str, Any], *, later: bool
    ) -> None:
        """Insert a new instance with its side rows and first history entry; `later`: with the
        batch's other rows when the unit of work flushes (UnitOfWork.insert_later)."""
        DUE_TIMES.tell(row.get("next_timer_at"))
        rows = [(self.table, [row]), *self.side_rows(row), (self.history_table, [history])]
        for table, items in rows:
            if not items:
                continue
            if later:
                for item in items:
                    uow.insert_later(table, item)
            else:
                uow.conn.execute(insert(table), items)

    def get(self, conn: Connection, key: str, *, for_update: bool = False) -> dict[str, Any] | None:
        # One worker advances one instance at a time; others wait on the row lock
        # (docs/architecture.md, Workflow instances).
        query = self._get_locked if for_update and is_postgres(conn) else self._get
        row = conn.execute(query, {"key": key}).mappings().first()
        return dict(row) if row else None

    def get_with(
        self, conn: Connection, key: str, column: ScalarSelect[Any], *, for_update: bool = False
    ) -> tuple[dict[str, Any] | None, Any]:
        """`get`, and the value of `column` (a scalar subquery, e.g. the unit directory's
        version) read in the same statement: (None, None) when there is no such instance."""
        postgres = is_postgres(conn)
        locked = for_update and postgres
        statement = self._gets_with.get((column, locked))
        if statement is None:
            # Built once per column: SQLAlchemy reuses its compiled form.
            statement = select(self.table, column.label("_also")).where(
                self.table.c[self.key] == bindparam("key")
            )
            if locked:
                # The instance's row alone (the subquery's table is read, not locked).
                statement = statement.with_for_update(of=self.table)
            self._gets_with[(column, locked)] = statement
        if postgres:
            # At every action: on the driver, compiled once (shared/db.py, DriverStatement).
            driver = self._drivers.get((column, locked))
            if driver is None:
                driver = self._drivers[(column, locked)] = DriverStatement(statement, conn.dialect)
            rows = driver.rows(conn, {"key": key})
            if not rows:
                return None, None
            row = dict(zip(driver.keys, rows[0], strict=True))
            return row, row.pop("_also")
        found = conn.execute(statement, {"key": key}).mappings().first()
        if found is None:
            return None, None
        row = dict(found)
        return row, row.pop("_also")

    @cached_property
    def _drivers(self) -> dict[tuple[ScalarSelect[Any], bool], DriverStatement]:
        return {}

    @cached_property
    def _gets_with(self) -> dict[tuple[ScalarSelect[Any], bool], Select[Any]]:
        return {}

    @cached_property
    def _saves(self) -> dict[tuple[str, ...], Any]:
        return {}

    @cached_property
    def _get(self) -> Select[Any]:
        # Built once per table: SQLAlchemy reuses its compiled form without rebuilding it.
        return select(self.table).where(self.table.c[self.key] == bindparam("key"))

    @cached_property
    def _get_locked(self) -> Select[Any]:
        return self._get.with_for_update()

    def save(self, conn: Connection, key: str, revision: int, values: dict[str, Any]) -> None:
        columns = tuple(values)
        statement = self._saves.get(columns)
        if statement is None:
            # Built once per set of columns: SQLAlchemy reuses its compiled form.
            statement = self._saves[columns] = self.saving(columns, "")
        params = {**values, "_key": key, "_revision": revision, "_next": revision + 1}
        self.saved(conn, key, values, conn.execute(statement, params).rowcount)

    def saving(self, columns: tuple[str, ...], prefix: str) -> Update:
        """The UPDATE of `save` for these columns, its parameters named `<prefix><column>`,
        `<prefix>_key`, `<prefix>_revision` and `<prefix>_next` (a CTE's, with `prefix`)."""
        t = self.table
        return (
            update(t)
            .where(
                t.c[self.key] == bindparam(f"{prefix}_key"),
                t.c.revision == bindparam(f"{prefix}_revision"),
            )
            .values(
                revision=bindparam(f"{prefix}_next"),
                **{c: bindparam(f"{prefix}{c}", type_=t.c[c].type) for c in columns},
            )
        )

    def saved(self, conn: Connection, key: str, values: dict[str, Any], rowcount: int) -> None:
        """After `save`'s UPDATE (or a statement that ran it, `PendingSave`): `rowcount` rows."""
        if rowcount != 1:
            raise StaleInstance(key)
        DUE_TIMES.tell(values.get("next_timer_at"))
        self.sync(conn, key, values)

    def add_history(self, conn: Connection, row: dict[str, Any]) -> None:
        conn.execute(insert(self.history_table), row)

    def history(self, conn: Connection, key: str) -> list[dict[str, Any]]:
        h = self.history_table
        rows = conn.execute(select(h).where(h.c[self.key] == key).order_by(h.c.id)).mappings()
        return [dict(row) for row in rows]

    def due(self, conn: Connection, now: datetime, limit: int) -> list[dict[str, Any]]:
        """Instances whose next timer is due, earliest first, locked for this transaction."""
        return [dict(row) for row in conn.execute(self.due_query(conn, now, limit)).mappings()]

    def due_query(self, conn: Connection, now: datetime, limit: int) -> Any:
        query = (
            select(self.table)
            .where(self.table.c.next_timer_at <= now)
            .order_by(self.table.c.next_timer_at)
            .limit(limit)
        )
        if is_postgres(conn):
            # Another scheduler's batch is skipped, not waited for: each worker fires its own
            # rows. (On SQLite the transaction already holds the database's write lock.)
            query = query.with_for_update(skip_locked=True)
        return query

    def next_due_after(self, conn: Connection, after: datetime) -> datetime | None:
        """The earliest due time later than `after`: the first entry of the index past it."""
        column = self.table.c.next_timer_at
        found: datetime | None = conn.execute(
            select(func.min(column)).where(column > after)
        ).scalar_one()
        return found

    def postpone(self, conn: Connection, key: str, until: datetime) -> None:
        conn.execute(
            update(self.table).where(self.table.c[self.key] == key).values(next_timer_at=until)
        )
        DUE_TIMES.tell(until)
