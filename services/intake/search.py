"""Search and filter conditions for intake's lists, the same on SQLite and PostgreSQL.

`search_text` columns hold `shared.text.fold` of what people search for (number and summary, code
and name). A query is folded the same way and split into words; each word must occur somewhere
(LIKE '%word%'), so "hoa quy" finds "Hoằng Quỳ". On PostgreSQL the GIN trigram indexes of
migration 0004 serve these LIKEs.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    Table,
    and_,
    cast,
    exists,
    func,
    literal,
    or_,
    select,
    true,
)
from sqlalchemy.dialects.postgresql import JSONB

from shared.text import fold

MAX_TERMS = 8


def terms(q: str | None) -> list[str]:
    # Bounded so that a pasted paragraph does not become dozens of scans.
    return fold(q or "").split()[:MAX_TERMS]


def text_match(column: Any, q: str | None) -> ColumnElement[bool]:
    words = terms(q)
    if not words:
        return true()
    # The pattern is made here rather than with '%' || :q || '%' so that PostgreSQL sees a
    # constant and can pick the trigram index even for a generic plan.
    conditions = [column.like(f"%{_escape(word)}%", escape="\\") for word in words]
    return and_(*conditions)


def json_array_contains(dialect: str, column: Any, value: str) -> ColumnElement[bool]:
    """`value` is one of the strings of the JSON array in `column`."""
    if dialect == "sqlite":
        element = func.json_each(column).table_valued("value")
        return select(literal(1)).select_from(element).where(element.c.value == value).exists()
    return cast(column, JSONB).contains([value])


def involves_unit(dialect: str, documents: Table, tasks: Table, unit: str) -> ColumnElement[bool]:
    """The document has a live task that `unit` leads or coordinates."""
    return exists().where(
        tasks.c.document_id == documents.c.id,
        tasks.c.status != "withdrawn",
        or_(
            tasks.c.lead_unit == unit,
            json_array_contains(dialect, tasks.c.coordinating_units, unit),
        ),
    )


def _escape(word: str) -> str:
    return word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
