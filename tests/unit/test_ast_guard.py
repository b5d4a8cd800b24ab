"""`ast.parse` is serialized in the process (shared/ast_guard.py)."""

from __future__ import annotations

import ast
import threading
import time

import shared  # noqa: F401  (installs the guard)
from shared import ast_guard


def test_importing_shared_guards_ast_parse() -> None:
    assert ast.parse is ast_guard.parse
    tree = ast.parse("a + 1", mode="eval")
    assert isinstance(tree.body, ast.BinOp)


def test_a_second_thread_waits_while_one_parses(monkeypatch) -> None:
    inside = threading.Event()
    release = threading.Event()
    order: list[str] = []

    def slow_parse(source, *args, **kwargs):
        order.append(f"start {source}")
        if source == "first":
            inside.set()
            release.wait(5)
        order.append(f"end {source}")
        return ast.Module(body=[], type_ignores=[])

    monkeypatch.setattr(ast_guard, "_unguarded", slow_parse)
    first = threading.Thread(target=ast.parse, args=("first",))
    first.start()
    assert inside.wait(5)
    second = threading.Thread(target=ast.parse, args=("second",))
    second.start()
    time.sleep(0.1)
    assert order == ["start first"]  # the second parse has not begun
    release.set()
    first.join(5)
    second.join(5)
    assert order == ["start first", "end first", "start second", "end second"]
