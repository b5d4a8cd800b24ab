"""What a client's JSON must be before any view reads it: decodable, not nested without end, and
free of characters that hide what a text says. The HTTP edge (shared/http.py) applies it to every
body and query string; intake applies it to EDXML text too."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from shared import errors

MAX_JSON_DEPTH = 64
# NUL and the other C0 controls except tab, line feed and carriage return; the bidirectional
# embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069), which make a text read
# differently from what it says. Refused in every text a client sends.
FORBIDDEN_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\u202a-\u202e\u2066-\u2069]")
_SURROGATE = re.compile("[\ud800-\udfff]")
FORBIDDEN_MESSAGE = (
    "Không được chứa ký tự NUL, ký tự điều khiển hoặc ký tự đổi chiều văn bản (U+{code:04X})."
)


class MalformedBody(errors.DomainError):
    """400 at the edge (shared/http.py STATUS_OF)."""

    title = "Nội dung yêu cầu không đọc được"


def parse_json(data: bytes | str) -> Any:
    """JSON from a client. MalformedBody (400) when it is not JSON, not UTF-8, nests deeper than
    MAX_JSON_DEPTH or holds a lone surrogate ("\\ud800", which no UTF-8 text can carry)."""
    try:
        value = json.loads(data)
    except (ValueError, RecursionError) as exc:
        # ValueError: bad UTF-8 or syntax, or an integer too long to convert; RecursionError:
        # nesting too deep for the parser. Both are the client's fault, never a 500.
        raise MalformedBody(f"Nội dung không phải JSON hợp lệ: {str(exc)[:200]}") from exc
    for _path, text in _texts(value):
        if _SURROGATE.search(text):
            raise MalformedBody("Nội dung JSON chứa ký tự UTF-16 đơn lẻ (surrogate) không hợp lệ.")
    return value


def check_text(value: Any, *, root: str = "_schema") -> None:
    """ValidationFailed (422) naming every field, nested as marshmallow names them, whose text
    (or key) holds a character of FORBIDDEN_CHARACTERS."""
    found: dict[Any, Any] = {}
    for path, text in _texts(value):
        match = FORBIDDEN_CHARACTERS.search(text)
        if match is not None:
            _put_error(found, path or (root,), FORBIDDEN_MESSAGE.format(code=ord(match.group())))
    if found:
        raise errors.ValidationFailed("Một số trường chứa ký tự không được phép.", found)


def _put_error(tree: dict[Any, Any], path: tuple[Any, ...], message: str) -> None:
    """Add `message` at `path` in marshmallow's nested error shape. A key and a value under it
    may both be wrong: the key's own error then sits beside its children's, under _schema."""
    where = tree
    for part in path[:-1]:
        child = where.get(part)
        if not isinstance(child, dict):
            child = {} if child is None else {"_schema": child}
            where[part] = child
        where = child
    leaf = path[-1]
    if isinstance(where.get(leaf), dict):
        where[leaf].setdefault("_schema", []).append(message)
    else:
        where.setdefault(leaf, []).append(message)


def _texts(value: Any) -> Iterator[tuple[tuple[Any, ...], str]]:
    """Every string in a JSON value, keys included, with its path; MalformedBody when the value
    nests deeper than MAX_JSON_DEPTH. Iterative: no recursion on what a client sent."""
    stack: list[tuple[Any, tuple[Any, ...], int]] = [(value, (), 0)]
    while stack:
        item, path, depth = stack.pop()
        if isinstance(item, str):
            yield path, item
        elif isinstance(item, (dict, list)):
            if depth >= MAX_JSON_DEPTH:
                raise MalformedBody(
                    f"Nội dung JSON lồng quá {MAX_JSON_DEPTH} cấp.", max_depth=MAX_JSON_DEPTH
                )
            if isinstance(item, dict):
                for name, child in item.items():
                    yield (*path, name), name
                    stack.append((child, (*path, name), depth + 1))
            else:
                stack.extend((child, (*path, i), depth + 1) for i, child in enumerate(item))
