"""Diagram safety: safe XML reading and restricted evaluation of the expressions and scripts
that process owners write in diagrams.

Every source text is parsed and checked against an AST whitelist before it is compiled; the
compiled code is cached per text, so the check costs nothing on the hot path. Diagrams are
edited by people outside the development team, so a diagram must not reach the interpreter's
internals: no imports, no attribute access (which is how sandbox escapes through
``().__class__`` start), no dunder names, and calls only to whitelisted functions.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Mapping, Sequence
from types import CodeType
from typing import Any, cast

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine, TaskDataEnvironment

from services.workflow.engine.problems import DiagramProblem

SAFE_BUILTINS: Mapping[str, Callable[..., Any]] = {
    "len": len,
    "min": min,
    "max": max,
    "str": str,
    "int": int,
    "abs": abs,
    "bool": bool,
}

# Pow and the shifts are left out: a one-line `9 ** 9 ** 9` would stall a worker.
_ALLOWED_NODES: frozenset[type[ast.AST]] = frozenset(
    {
        ast.Module,
        ast.Expr,
        ast.Expression,
        ast.Assign,
        ast.Name,
        ast.Load,
        ast.Store,
        ast.Constant,
        ast.Compare,
        ast.BoolOp,
        ast.BinOp,
        ast.UnaryOp,
        ast.IfExp,
        ast.Dict,
        ast.List,
        ast.Tuple,
        ast.Subscript,
        ast.Slice,
        ast.Call,
        ast.keyword,
        ast.And,
        ast.Or,
        ast.Not,
        ast.UAdd,
        ast.USub,
        ast.Add,
        ast.Sub,
        ast.Mult,
        ast.Div,
        ast.FloorDiv,
        ast.Mod,
        ast.Eq,
        ast.NotEq,
        ast.Lt,
        ast.LtE,
        ast.Gt,
        ast.GtE,
        ast.In,
        ast.NotIn,
        ast.Is,
        ast.IsNot,
    }
)

Data = dict[str, Any]
EVAL = "eval"
EXEC = "exec"


class DiagramError(ValueError):
    """The diagram is invalid or uses an expression the evaluator refuses. `problems` lists
    every problem found (problems.py); its text is theirs, one a line."""

    def __init__(self, message: str = "", problems: Sequence[DiagramProblem] = ()) -> None:
        self.problems = tuple(problems) or (DiagramProblem(message),)
        super().__init__(message or "\n".join(problem.text for problem in self.problems))


class ExpressionRefused(DiagramError):
    """A diagram expression or script uses something outside the whitelist."""


def check(source: str, mode: str, callables: frozenset[str]) -> ast.Module | ast.Expression:
    """Parse `source` and refuse it unless every node is whitelisted; returns the tree."""
    # eval() of a string forgives leading blanks; parsing must forgive what running forgives.
    text = source.lstrip(" \t") if mode == EVAL else source
    try:
        tree = ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ExpressionRefused(f"lỗi cú pháp: {exc.msg} (dòng {exc.lineno})") from None
    for node in ast.walk(tree):
        _check_node(node, callables)
    return cast("ast.Module | ast.Expression", tree)  # what modes "exec" and "eval" give


def _check_node(node: ast.AST, callables: frozenset[str]) -> None:
    if type(node) not in _ALLOWED_NODES:
        raise ExpressionRefused(f"không được phép dùng cấu trúc {type(node).__name__}")
    if isinstance(node, ast.Name) and node.id.startswith("__"):
        raise ExpressionRefused(f"không được phép dùng tên {node.id!r}")
    if isinstance(node, ast.Call):
        _check_call(node, callables)
    if isinstance(node, ast.Assign):
        for target in node.targets:
            _check_target(target, callables)
    if isinstance(node, ast.keyword) and node.arg is None:
        raise ExpressionRefused("không được phép truyền **tham số")


def _check_call(node: ast.Call, callables: frozenset[str]) -> None:
    if not isinstance(node.func, ast.Name):
        raise ExpressionRefused("chỉ được gọi hàm theo tên, không gọi phương thức")
    if node.func.id not in callables:
        raise ExpressionRefused(
            f"không được phép gọi {node.func.id!r}; chỉ gọi được {sorted(callables)}"
        )


def _check_target(target: ast.expr, callables: frozenset[str]) -> None:
    # Subscript chains (a["x"]["y"] = ...) must end in a plain data name.
    while isinstance(target, ast.Subscript):
        target = target.value
    if not isinstance(target, ast.Name):
        raise ExpressionRefused("chỉ được gán cho tên biến hoặc phần tử của biến")
    if target.id in callables:
        raise ExpressionRefused(f"không được gán đè hàm {target.id!r}")


class RestrictedEnvironment(TaskDataEnvironment):
    """Task-data environment whose globals hold only the whitelist and which checks first.

    Spiff calls the environment directly in a few places (process completion conditions,
    message correlations), bypassing the script engine, so the check lives here.
    """

    def __init__(self, functions: Mapping[str, Callable[..., Any]]) -> None:
        callables = {**SAFE_BUILTINS, **functions}
        self.callables = frozenset(callables)
        super().__init__({"__builtins__": dict(callables), **functions})
        self._compiled: dict[tuple[str, str], CodeType] = {}

    def compile(self, source: str, mode: str) -> CodeType:
        code = self._compiled.get((source, mode))
        if code is None:
            tree = check(source, mode, self.callables)
            code = compile(tree, "<diagram>", mode)
            self._compiled[(source, mode)] = code
        return code

    def evaluate(self, expression: str, context: Data, external_context: Data | None = None) -> Any:
        # TaskDataEnvironment.evaluate, with its globals copied and updated in one dict display
        # (the same keys, in the same order, the later ones winning) rather than by copy.copy.
        code = self.compile(expression, EVAL)
        self._prepare_context(context)
        return eval(code, {**self.globals, **(external_context or {}), **context})

    def execute(self, script: str, context: Data, external_context: Data | None = None) -> Any:
        return super().execute(self.compile(script, EXEC), context, external_context)

    def call_service(self, context: Data, **kwargs: Any) -> Any:
        raise ExpressionRefused("service task không được hỗ trợ")


class RestrictedScriptEngine(PythonScriptEngine):
    """Checks before delegating, so a refusal surfaces as ExpressionRefused, not wrapped."""

    environment: RestrictedEnvironment

    def __init__(self, functions: Mapping[str, Callable[..., Any]], clock: Any = None) -> None:
        super().__init__(environment=RestrictedEnvironment(functions))
        # Timers read it (engine_timers): SpiffWorkflow's own timers read the real time.
        self.clock = clock

    def validate(self, expression: str) -> None:
        self.environment.compile(expression, EVAL)

    def evaluate(self, task: Any, expression: str, external_context: Data | None = None) -> Any:
        self.environment.compile(expression, EVAL)
        return super().evaluate(task, expression, external_context)

    def execute(self, task: Any, script: str, external_context: Data | None = None) -> Any:
        self.environment.compile(script, EXEC)
        return super().execute(task, script, external_context)

    def call_service(self, task: Any, **kwargs: Any) -> Any:
        raise ExpressionRefused("service task không được hỗ trợ")
