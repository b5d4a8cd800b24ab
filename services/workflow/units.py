"""The workflow service's directory of unit names, learnt from intake's `unit.updated` events.

Texts people read name units, not codes (the Working Group's monthly account, Đ10.1đ; the titles
of cases about a unit). Intake owns the units; this table only keeps each code's current name
and whether it is active. A code not (yet) in it is shown as the code; a unit a person names in
a request (the units an inspection or an information request concerns) must be an active unit of
the directory (`require_units`). Each unit's parent and sectors scope what its people read
(shared/scoping.py; Đ7.2a, Đ8.2a, Đ8.2c).
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Connection,
    Integer,
    String,
    Table,
    select,
)
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from services.workflow.store import metadata
from shared.db import is_postgres
from shared.errors import ValidationFailed
from shared.events import Event
from shared.platform import UnitOfWork

units = Table(
    "units",
    metadata,
    Column("code", String(40), primary_key=True),
    Column("name", String(300), nullable=False),
    Column("active", Boolean, nullable=False),
    Column("parent", String(40)),  # migration 0014
    Column("sectors", JSON),
)


# One row, moved on by a trigger at every change to `units` (migration 0015): the version a
# process's copy of the directory was read at (shared/scoping.py).
units_version = Table(
    "units_version",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=False),
    Column("version", BigInteger, nullable=False),
)


def on_unit_updated(uow: UnitOfWork, event: Event) -> None:
    """A unit added, renamed, deactivated, merged or placed: keep its current name, its parent
    and its sectors."""
    data = event.data
    row = {
        "code": data["code"],
        "name": data["name"],
        "active": data["active"],
        "parent": data.get("parent"),
        "sectors": list(data.get("sectors") or ()),
    }
    insert = pg_insert if is_postgres(uow.conn) else sqlite_insert
    statement = insert(units).values(**row)
    changed = {key: value for key, value in row.items() if key != "code"}
    uow.conn.execute(statement.on_conflict_do_update(index_elements=[units.c.code], set_=changed))


def parents(conn: Connection) -> dict[str, str | None]:
    """Each unit's parent (Đ7.2a, Đ8.2c)."""
    return {row.code: row.parent for row in conn.execute(select(units.c.code, units.c.parent))}


def unit_names(conn: Connection, codes: Iterable[str]) -> dict[str, str]:
    """The name of each code given, the code itself for one the directory does not know."""
    wanted = {code for code in codes if code}
    if not wanted:
        return {}
    rows = conn.execute(select(units.c.code, units.c.name).where(units.c.code.in_(wanted)))
    return {code: code for code in wanted} | {row.code: row.name for row in rows}


def unit_name(conn: Connection, code: str) -> str:
    return unit_names(conn, [code]).get(code, code)


def unknown_units(conn: Connection, codes: Iterable[str]) -> list[str]:
    """The codes given, once each and in order, that are not active units of the directory."""
    wanted = list(dict.fromkeys(codes))
    if not wanted:
        return []
    rows = conn.execute(
        select(units.c.code).where(units.c.code.in_(wanted), units.c.active.is_(True))
    )
    known = {row.code for row in rows}
    return [code for code in wanted if code not in known]


def require_units(conn: Connection, field: str, codes: Iterable[str]) -> None:
    """422 naming `field` unless every code is an active unit. `*` (every unit) is never taken
    from a person: only the scheduler's periodic-report case names every unit (Đ18.1)."""
    unknown = unknown_units(conn, codes)
    if not unknown:
        return
    if "*" in unknown:
        message = "Không dùng '*' (mọi đơn vị): hãy nêu mã từng đơn vị."
    else:
        message = f"Không có đơn vị đang hoạt động mã {', '.join(unknown)}."
    raise ValidationFailed("Có mã đơn vị không tồn tại.", {field: [message]})
