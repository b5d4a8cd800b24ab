"""What a diagram's task specs declare (the actions a user task offers, the cases a step offers
to open, their `when.<action>` conditions), read once per spec, and which of them hold now."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from services.workflow.engine.parse import declared_actions, openings_and_conditions
from services.workflow.engine.running import evaluated

# The spec, its (action, role) pairs (a user task's), the cases it offers to open, and the
# `when.<action>` conditions of either.
Declared = tuple[Any, list[tuple[str, str]], list[tuple[str, str]], dict[str, str]]


class Declarations:
    def __init__(self, environment: Any) -> None:
        self._environment = environment
        self._known: dict[int, Declared] = {}

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
        """The pairs whose `when.<action>` condition, if any, holds for the task's data."""
        if not conditions:
            return pairs
        # A condition shared by several actions (most read `status`) is evaluated once; one
        # that fails is evaluated (and logged) again for each action, as it was.
        held: dict[str, bool] = {}
        offered = []
        for action, role in pairs:
            condition = conditions.get(action)
            if condition is not None:
                holds = held.get(condition)
                if holds is None:
                    holds = evaluated(self._environment, condition, task.data, task.task_spec)
                    if holds is None:
                        continue
                    held[condition] = holds
                if not holds:
                    continue
            offered.append((action, role))
        return offered
