"""What the unit directory adds to a caller's scope (docs/contracts.md, Roles and scoping): the
units under their unit (Đ7.2a: a head follows the units under it; Đ8.2c: a commune its offices)
and the sectors their unit manages (Đ8.2a: a department follows the tasks of its sectors).

Intake owns the directory; every service keeps a copy learnt from `unit.updated` in its own
`units` table, with the columns `code`, `parent` and `sectors` (a JSON list of sector codes).
A service resolves the caller once per request (`UnitDirectory.resolve`); the checks in
shared/auth.py (`require_unit_access`, `unit_scope`, `sector_scope`) then stay pure.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from functools import cache
from typing import Any
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, ScalarSelect, Select, Table, select

from shared.auth import UNIT_ROLES, Principal
from shared.db import Database


def descendants(code: str, parents: Mapping[str, str | None]) -> frozenset[str]:
    """The units under `code`, transitively, never `code` itself (a cycle stops the walk)."""
    children: dict[str, list[str]] = {}
    for child, parent in parents.items():
        if parent:
            children.setdefault(parent, []).append(child)
    found: set[str] = set()
    waiting = list(children.get(code, ()))
    while waiting:
        unit = waiting.pop()
        if unit in found or unit == code:
            continue
        found.add(unit)
        waiting.extend(children.get(unit, ()))
    return frozenset(found)


def ancestors(code: str, parents: Mapping[str, str | None]) -> list[str]:
    """The units above `code`, nearest first (a cycle stops the walk)."""
    above: list[str] = []
    parent = parents.get(code)
    while parent and parent != code and parent not in above:
        above.append(parent)
        parent = parents.get(parent)
    return above


def sector_codes(value: object) -> frozenset[str]:
    """A `sectors` column's value as a set (NULL on rows from before the column: none)."""
    if not isinstance(value, Iterable) or isinstance(value, str):
        return frozenset()
    return frozenset(str(code) for code in value)


def with_relations(conn: Connection, units: Table, principal: Principal) -> Principal:
    """The caller with the units under their unit and the sectors it manages."""
    if principal.unit is None or not principal.has_role(*UNIT_ROLES):
        return principal
    rows = conn.execute(select(units.c.code, units.c.parent, units.c.sectors)).all()
    parents = {row.code: row.parent for row in rows}
    own = next((row for row in rows if row.code == principal.unit), None)
    return replace(
        principal,
        subordinates=descendants(principal.unit, parents),
        sectors=sector_codes(own.sectors) if own is not None else frozenset(),
    )


@dataclass
class _Copy:
    """The directory as read at one version: each unit's parent and sectors, and what each
    unit's callers get from it (worked out once per unit)."""

    version: int
    parents: dict[str, str | None]
    sectors: dict[str, frozenset[str]]
    relations: dict[str, tuple[frozenset[str], frozenset[str]]] = field(default_factory=dict)

    def of(self, unit: str) -> tuple[frozenset[str], frozenset[str]]:
        found = self.relations.get(unit)
        if found is None:
            found = (descendants(unit, self.parents), self.sectors.get(unit, frozenset()))
            self.relations[unit] = found
        return found


# Each database's copy in this process; a copy is replaced, never changed, so threads share it.
_COPIES: WeakKeyDictionary[Database, _Copy] = WeakKeyDictionary()


@cache
def _version_query(version: Table) -> Select[Any]:
    # Built once: SQLAlchemy reuses its compiled form without rebuilding the statement.
    return select(version.c.version)


@cache
def version_column(version: Table) -> ScalarSelect[Any]:
    """The directory's version as a column of another statement (`UnitDirectory.resolve_at`):
    a request that reads a row first reads the version with it, in the same round trip."""
    return select(version.c.version).scalar_subquery()


class UnitDirectory:
    """One service's copy of the directory, read to resolve each request's caller.

    `version`: a one-row table that a trigger moves on at every change to `units` (the
    workflow's migration 0015); with it the process keeps the directory it read and reads only
    the version per request, again the whole directory when the version moved (another process
    or this one applied a `unit.updated`). The version is read before the units, so a copy is
    never older than the version it is kept under."""

    def __init__(self, database: Database, units: Table, version: Table | None = None) -> None:
        self._database = database
        self._units = units
        self._version = version

    def resolve(self, principal: Principal, conn: Connection | None = None) -> Principal:
        """`conn`: the request's open transaction, read on instead of a connection of its own."""
        if principal.unit is None or not principal.has_role(*UNIT_ROLES):
            return principal
        if conn is not None:
            return self._resolve(conn, principal)
        with self._database.read() as read:
            return self._resolve(read, principal)

    def resolve_at(self, principal: Principal, conn: Connection, version: Any) -> Principal:
        """`resolve` on `conn`, given the version that `conn`'s transaction read already (with
        `version_column`, in a statement of its own before this call)."""
        if principal.unit is None or not principal.has_role(*UNIT_ROLES):
            return principal
        if self._version is None:
            return with_relations(conn, self._units, principal)
        return self._resolve_version(conn, principal, version)

    def _resolve(self, conn: Connection, principal: Principal) -> Principal:
        assert principal.unit is not None
        if self._version is None:
            return with_relations(conn, self._units, principal)
        version = conn.execute(_version_query(self._version)).scalar()
        return self._resolve_version(conn, principal, version)

    def _resolve_version(self, conn: Connection, principal: Principal, version: Any) -> Principal:
        assert principal.unit is not None and self._version is not None
        if version is None:  # tables made without the migration (no trigger): read each time
            return with_relations(conn, self._units, principal)
        copy = _COPIES.get(self._database)
        if copy is None or copy.version != version:
            rows = conn.execute(
                select(self._units.c.code, self._units.c.parent, self._units.c.sectors)
            )
            parents: dict[str, str | None] = {}
            sectors: dict[str, frozenset[str]] = {}
            for row in rows:
                parents[row.code] = row.parent
                sectors[row.code] = sector_codes(row.sectors)
            copy = _COPIES[self._database] = _Copy(int(version), parents, sectors)
        subordinates, managed = copy.of(principal.unit)
        return replace(principal, subordinates=subordinates, sectors=managed)
