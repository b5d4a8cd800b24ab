"""JSON read and written by orjson where it reads and writes what the standard library does, by
the standard library elsewhere: the values of PostgreSQL's JSON columns (shared/db.py) and the
answers of the HTTP edge (shared/http_responses.py). See docs/architecture.md, Benchmarks."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import date, datetime, time
from typing import Any

import orjson

# A run of 19 digits: an integer that may lie beyond 64 bits, which orjson reads as a float and
# json as an int (a long fraction or a text holding such a run goes to json as well, alike).
_LONG_DIGITS_BYTES = re.compile(b"[0-9]{19}")
_LONG_DIGITS_TEXT = re.compile("[0-9]{19}")


def loads(data: str | bytes) -> Any:
    """`json.loads(data)`, by orjson when it reads the same value. orjson refuses what json reads
    otherwise (NaN, Infinity, a number beyond a double, a lone surrogate, a byte order mark,
    UTF-16 or UTF-32 bytes, nesting beyond 1,024 levels) and what json refuses too: those go to
    json, which reads them as before or raises its own error."""
    digits = _LONG_DIGITS_BYTES if isinstance(data, bytes) else _LONG_DIGITS_TEXT
    if digits.search(data) is None:  # type: ignore[arg-type]
        try:
            return orjson.loads(data)
        except orjson.JSONDecodeError:
            pass
    return json.loads(data)


def dumps(value: Any, default: Callable[[Any], Any]) -> bytes:
    """`json.dumps(value, ensure_ascii=False, default=default)` as UTF-8: by orjson, compact,
    when it writes the same JSON value (`written_alike`, looked at once orjson has written it: a
    value that holds itself is refused first); by json, as before, otherwise and for what orjson
    refuses (a lone surrogate, an integer beyond 64 bits, a key that is not a str, nesting
    beyond 254 levels, what `default` refuses)."""
    try:
        body = orjson.dumps(value, default=default, option=orjson.OPT_PASSTHROUGH_DATETIME)
    except orjson.JSONEncodeError:
        pass
    else:
        if written_alike(value):
            return body
    return json.dumps(value, ensure_ascii=False, default=default).encode()


def written_alike(value: Any) -> bool:
    """Whether orjson writes `value` as json does, but for what it refuses: made of dicts, lists,
    tuples, sets, str, int, bool, None, finite floats (orjson writes NaN and Infinity as null,
    json as NaN and Infinity), and the dates, datetimes and times both hand to `default`; exact
    types only. A UUID, an enum, a dataclass (which orjson writes itself where json asks
    `default`) or a subclass is not."""
    todo = [value]
    for item in todo:  # grows as it goes: breadth first, no recursion
        kind = type(item)
        if kind is dict:
            todo.extend(item.values())
        elif kind is list or kind is tuple or kind is set or kind is frozenset:
            todo.extend(item)
        elif kind is float:
            if item - item != 0.0:  # inf - inf and nan - nan are nan
                return False
        elif kind not in _SCALARS:
            return False
    return True


_SCALARS = frozenset({str, int, bool, type(None), datetime, date, time})
