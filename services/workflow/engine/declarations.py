"""What a diagram's task specs declare (the actions a user task offers, the cases a step offers
to open, their `when.<action>` conditions), read once per spec, and which of them hold now."""

from __future__ import annotations

import ast
from collections.abc import Mapping
from typing import Any

from services.workflow.engine.parse import declared_actions, openings_and_conditions
from services.workflow.engine.running import evaluated

# The spec, its (action, role) pairs (a user task's), the cases it offers to open, and the
# `when.<action>` conditions of either.
Declared = tuple[Any, list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]

# The types of the values a condition's answer is remembered by: equal values of one of these
# behave alike in every expression a condition may hold once it calls nothing and asks no `is`.
_KEYED = frozenset({str, int, bool, type(None)})
# Answers remembered, then dropped whole (a few per spec and status: 4,096 is plenty).
_REMEMBERED = 4096


class Declarations:
    def __init__(self, environment: Any) -> None:
        self._environment = environment
        self._known: dict[int, Declared] = {}
        # By conditions: the names they read, if their answers depend on those names alone.
        self._names: dict[int, tuple[Mapping[str, str], tuple[str, ...] | None]] = {}
        # By (pairs, conditions, the values read): the pairs that held.
        self._answers: dict[tuple[Any, ...], tuple[Any, Any, list[tuple[str, str]]]] = {}

    def of(self, task_spec: Any) -> Declared:
        """What a task spec declares (its actions, its openings, their conditions), read once."""
        known = self._known.get(id(task_spec))
        if known is None or known[0] is not task_spec:
            openings, conditions = openings_and_conditions(task_spec)
            actions = declared_actions(task_spec) if task_spec.manual else []
            known = (task_spec, actions, openings, conditions)
            self._known[id(task_spec)] = known
        return known

    def held(
        self, pairs: list[tuple[str, str]], conditions: Mapping[str, str], task: Any
    ) -> list[tuple[str, str]]:
        """The pairs whose `when.<action>` condition, if any, holds for the task's data. When
        the conditions read only names of the data (no call, no `is`) and the data holds a
        str, int, bool or None under each (a missing name reads as None), the answer is the
        one they gave before for the same values, evaluated once; a condition that fails is
        evaluated (and logged) every time."""
        if not conditions:
            return pairs
        key = self._key(pairs, conditions, task.data)
        if key is not None:
            known = self._answers.get(key)
            if known is not None and known[0] is pairs and known[1] is conditions:
                return list(known[2])
        # A condition shared by several actions (most read `status`) is evaluated once; one
        # that fails is evaluated (and logged) again for each action, as it was.
        held: dict[str, bool] = {}
        offered = []
        failed = False
        for action, role in pairs:
            condition = conditions.get(action)
            if condition is not None:
                holds = held.get(condition)
                if holds is None:
                    holds = evaluated(self._environment, condition, task.data, task.task_spec)
                    if holds is None:
                        failed = True
                        continue
                    held[condition] = holds
                if not holds:
                    continue
            offered.append((action, role))
        if key is not None and not failed:
            if len(self._answers) >= _REMEMBERED:
                self._answers.clear()
            self._answers[key] = (pairs, conditions, list(offered))
        return offered

    def _key(
        self, pairs: list[tuple[str, str]], conditions: Mapping[str, str], data: Mapping[str, Any]
    ) -> tuple[Any, ...] | None:
        """What the conditions' answer for `pairs` is remembered by, or None: not remembered."""
        entry = self._names.get(id(conditions))
        if entry is None or entry[0] is not conditions:
            entry = (conditions, _names_read(conditions, self._environment.callables))
            self._names[id(conditions)] = entry
        names = entry[1]
        if names is None:
            return None
        key: list[Any] = [id(pairs), id(conditions)]
        for name in names:
            value = data.get(name)
            kind = type(value)
            if kind not in _KEYED:
                return None
            key.append(kind)
            key.append(value)
        return tuple(key)


def _names_read(conditions: Mapping[str, str], callables: frozenset[str]) -> tuple[str, ...] | None:
    """The names the conditions read, if that is all their answers depend on: None when one
    calls a function (which may read the clock), asks `is` (identity, not value) or does not
    parse."""
    names: set[str] = set()
    for condition in conditions.values():
        try:
            tree = ast.parse(condition.strip(), mode="eval")
        except SyntaxError:
            return None
        for node in ast.walk(tree):
            if isinstance(node, ast.Call | ast.Is | ast.IsNot):
                return None
            if isinstance(node, ast.Name):
                if node.id in callables:
                    return None
                names.add(node.id)
    return tuple(sorted(names))
