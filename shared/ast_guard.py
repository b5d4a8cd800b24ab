"""One `ast.parse` at a time in this process.

CPython 3.11 counts the depth of the AST it converts into Python objects in state shared by every
thread of the interpreter (python/cpython gh-106905): two threads parsing at once, e.g. werkzeug
compiling a URL rule while a consumer thread checks a diagram's expression, can make either fail
with "SystemError: AST constructor recursion depth mismatch". Parses are rare here (at start-up,
and once per expression text: the engine caches them), so a lock costs nothing measurable.

Installed when `shared` is imported, before any thread of ours starts. Callers keep writing
`ast.parse`: the module attribute is replaced, so libraries that look it up at call time (werkzeug,
SpiffWorkflow, pytest's assertion rewriting) are serialized too.
"""

from __future__ import annotations

import ast
import threading
from typing import Any

_lock = threading.RLock()
_unguarded = ast.parse


def parse(*args: Any, **kwargs: Any) -> Any:
    with _lock:
        return _unguarded(*args, **kwargs)


parse.__doc__ = _unguarded.__doc__
parse.__wrapped__ = _unguarded  # type: ignore[attr-defined]


def install() -> None:
    """Replace `ast.parse` with the guarded one (idempotent)."""
    if ast.parse is not parse:
        ast.parse = parse
