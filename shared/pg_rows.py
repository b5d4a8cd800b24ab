"""Many rows inserted on PostgreSQL in one statement over arrays, a parameter per column
(`INSERT INTO t (a, b) SELECT * FROM unnest(%(a)b::T[], %(b)b::U[])`): the statement's text
does not depend on how many rows it writes, so it is built once per table and set of columns,
and the driver prepares it like any statement run again (docs/architecture.md, Benchmarks).
Each row's values go through their column type's bind processor, as SQLAlchemy's insert sends
them (a JSON column's text, a time in UTC); the arrays go in the binary format (`%(…)b`: the
text format's quoting of each element, in Python, costs milliseconds for an instance's
state), cast to the column's type.

`usable` says which rows can go this way: all with the same columns of the table, none of an
array type (unnest would flatten it), each column's values of one Python type (the driver
encodes an array by its items' type) and no column left out whose default SQLAlchemy computes
per row.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ARRAY, JSON, Connection, Table, insert

# A table's part of a statement, by table and columns: the INSERT's text with its parameters
# named `<prefix><column>`, the columns, and their bind processors (None: the value as it is).
Built = tuple[str, tuple[str, ...], tuple[Any, ...]]
_BUILT: dict[tuple[Any, ...], Built] = {}


def usable(table: Table, rows: Sequence[dict[str, Any]]) -> bool:
    """Whether `rows` (at least one) can be written by `insert_many`: the same columns in each
    row, none of them an array, the values of each of one Python type (or None), and any column
    left out has no default computed in Python (a constant default is written as SQLAlchemy
    writes it)."""
    names = rows[0].keys()
    if any(row.keys() != names for row in rows) or any(name not in table.c for name in names):
        return False  # SQLAlchemy's insert says what is wrong
    if len(rows) > 1:
        for name in names:
            if isinstance(table.c[name].type, JSON):
                continue  # every value a JSON document, what its bind processor makes of it
            kinds = {type(row[name]) for row in rows}
            if len(kinds) > 2 or (len(kinds) == 2 and type(None) not in kinds):
                return False
    for column in table.columns:
        if column.name in names:
            if isinstance(column.type, ARRAY):
                return False
        elif column.default is not None and not getattr(column.default, "is_scalar", False):
            return False
    return True


def built(dialect: Any, table: Table, names: tuple[str, ...], prefix: str) -> Built:
    """The INSERT of `table`'s columns `names` (and its constant defaults left out), its
    parameters named `<prefix><column>`."""
    key = (dialect, table, names, prefix)
    found = _BUILT.get(key)
    if found is not None:
        return found
    quote = dialect.identifier_preparer
    given = set(names)
    defaults = tuple(
        column.name
        for column in table.columns
        if column.name not in given and column.default is not None
    )
    columns = (*names, *defaults)
    arrays = ", ".join(
        f"%({prefix}{name})b::{table.c[name].type.compile(dialect=dialect)}[]" for name in columns
    )
    sql = (
        f"INSERT INTO {quote.format_table(table)} "
        f"({', '.join(quote.quote(name) for name in columns)}) SELECT * FROM unnest({arrays})"
    )
    processors = tuple(
        table.c[name].type.dialect_impl(dialect).bind_processor(dialect) for name in columns
    )
    found = _BUILT[key] = (sql, columns, processors)
    return found


def bind(
    params: dict[str, Any],
    table: Table,
    prefix: str,
    columns: tuple[str, ...],
    processors: tuple[Any, ...],
    rows: Sequence[dict[str, Any]],
) -> None:
    """The parameters of `built`'s statement for `rows`: a list of values per column."""
    for name, process in zip(columns, processors, strict=True):
        if name in rows[0]:
            values = [row[name] for row in rows]
        else:  # a constant default, as SQLAlchemy's insert writes it
            values = [table.c[name].default.arg] * len(rows)  # type: ignore[union-attr]
        params[f"{prefix}{name}"] = [process(v) for v in values] if process else values


def insert_many(conn: Connection, writes: Sequence[tuple[Table, list[dict[str, Any]]]]) -> None:
    """Write each table's rows, in the order given, in one statement on PostgreSQL (a
    data-modifying CTE per table but the last); elsewhere, or for rows `usable` refuses, a
    statement per table as SQLAlchemy's insert writes them."""
    writes = [(table, rows) for table, rows in writes if rows]
    if not writes:
        return
    if conn.dialect.name != "postgresql" or not all(usable(t, rows) for t, rows in writes):
        for table, rows in writes:
            conn.execute(insert(table), rows)
        return
    params: dict[str, Any] = {}
    parts = []
    for index, (table, rows) in enumerate(writes):
        part = built(conn.dialect, table, tuple(rows[0]), f"w{index}_")
        bind(params, table, f"w{index}_", part[1], part[2], rows)
        parts.append(part[0])
    conn.exec_driver_sql(_statement(tuple(parts)), params)


_STATEMENTS: dict[tuple[str, ...], str] = {}


def _statement(parts: tuple[str, ...]) -> str:
    """The INSERTs `parts` as one statement: data-modifying CTEs but the last (built once per
    shape: one string, whose parsing the driver keeps)."""
    found = _STATEMENTS.get(parts)
    if found is None:
        *ctes, last = parts
        found = "".join(
            f"{'WITH' if i == 0 else ','} w{i} AS ({sql}) " for i, sql in enumerate(ctes)
        )
        found = _STATEMENTS[parts] = found + last
    return found
