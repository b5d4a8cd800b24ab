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
from dataclasses import replace

from sqlalchemy import Connection, Table, select

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


class UnitDirectory:
    """One service's copy of the directory, read to resolve each request's caller."""

    def __init__(self, database: Database, units: Table) -> None:
        self._database = database
        self._units = units

    def resolve(self, principal: Principal, conn: Connection | None = None) -> Principal:
        """`conn`: the request's open transaction, read on instead of a connection of its own."""
        if principal.unit is None or not principal.has_role(*UNIT_ROLES):
            return principal
        if conn is not None:
            return with_relations(conn, self._units, principal)
        with self._database.read() as read:
            return with_relations(read, self._units, principal)
