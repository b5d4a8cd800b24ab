"""Intake's queries over its unit directory (docs/architecture.md, Units): the Office's list and
changes, the codes a request may name, the hierarchy (Đ7.2a, Đ8.2c). The table is store.units."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from services.intake import search
from services.intake.store import units

# Built once (bench/intake_path.py): every document received asks it.
_KNOWN_UNITS = select(units.c.code).where(
    units.c.code.in_(bindparam("codes", expanding=True)), units.c.active.is_(True)
)


def known_units(conn: Connection, codes: Iterable[str]) -> set[str]:
    wanted = set(codes)
    if not wanted:
        return set()
    rows = conn.execute(_KNOWN_UNITS, {"codes": sorted(wanted)})
    return {row.code for row in rows}


def list_units(
    conn: Connection,
    *,
    kind: str | None,
    q: str | None,
    active: bool | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    query = select(
        units.c.code, units.c.name, units.c.kind, units.c.active, units.c.parent, units.c.sectors
    )
    if kind:
        query = query.where(units.c.kind == kind)
    if active is not None:
        query = query.where(units.c.active.is_(active))
    if q:
        query = query.where(
            or_(search.text_match(units.c.search_text, q), units.c.code == q.upper())
        )
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    rows = conn.execute(query.order_by(units.c.kind, units.c.code).limit(limit).offset(offset))
    return [{**row._mapping, "sectors": row.sectors or []} for row in rows], total


def unit_by_code(conn: Connection, code: str, *, lock: bool = False) -> dict[str, Any] | None:
    query = select(units).where(units.c.code == code)
    row = conn.execute(query.with_for_update() if lock else query).mappings().first()
    return dict(row) if row else None


def unit_parents(conn: Connection) -> dict[str, str | None]:
    """Each unit's parent (Đ7.2a, Đ8.2c)."""
    return {row.code: row.parent for row in conn.execute(select(units.c.code, units.c.parent))}


def insert_unit(conn: Connection, row: dict[str, Any]) -> None:
    conn.execute(insert(units), row)


def update_unit(conn: Connection, code: str, values: dict[str, Any]) -> None:
    conn.execute(update(units).where(units.c.code == code).values(**values))
