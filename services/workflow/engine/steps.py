"""What an engine call answers (services/workflow/engine/core.py): the Step, the actions it
offers, where an instance stands, the deployed diagram it runs, and the errors the engine raises."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from SpiffWorkflow.bpmn.workflow import BpmnWorkflow

from services.workflow.engine.parse import Parsed


class ProcessError(RuntimeError):
    """An engine step failed while running a valid diagram (e.g. a condition raised)."""


class InvalidPayload(ValueError):
    """An action's payload uses a reserved key."""


class MigrationRefused(Exception):
    """An instance cannot move to another version: steps it reached are not in that version."""

    def __init__(self, steps: list[str], *, where: str) -> None:
        names = ", ".join(f"'{name}'" for name in steps)
        super().__init__(f"Quy trình {where} bước {names}, không có trong phiên bản mới.")
        self.steps = steps


class ActionNotOffered(Exception):
    def __init__(self, action: str, offered: list[str]) -> None:
        super().__init__(f"action {action!r} is not offered now; offered: {offered}")
        self.action = action
        self.offered = offered


@dataclass(frozen=True)
class Offer:
    action: str
    role: str
    task_name: str  # bpmn id of the user task (or of the end event an opening is declared on)
    # A case the step offers to open (`opens.<role>`): the host opens it, the engine never
    # performs it and the instance stays where it is.
    opens: bool = False


# Offers are immutable: each is made once (a frozen dataclass is slow to make, and a Step
# offers the same few at every read).
_offer = functools.lru_cache(maxsize=4096)(Offer)


@dataclass(frozen=True)
class ProcessModel:
    process_id: str
    version: int
    bpmn_xml: bytes = field(repr=False)
    _parsed: Parsed | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True)
class Position:
    """An element of the diagram as a modeler shows it: its id and its name (None: unnamed)."""

    element_id: str
    name: str | None


@dataclass(frozen=True)
class Positions:
    current: tuple[Position, ...]  # the steps waited at now
    armed: tuple[Position, ...]  # events armed beside them (boundary timers, event sub-processes)
    passed: tuple[Position, ...]  # the steps done, in the order they ran


@dataclass(frozen=True)
class Step:
    """An instance as one engine call left it: what the host stores and publishes."""

    model: ProcessModel
    state: str  # the serialized workflow, to store
    data: dict[str, Any]  # the diagram's data (JSON-able)
    offers: tuple[Offer, ...]  # the actions offered now, with the role each needs
    next_due: datetime | None  # when the earliest waiting timer falls due (aware UTC)
    notices: tuple[str, ...]  # events announced by this call, in the order they ran
    completed: bool
    # The loaded workflow, for the one call that advances this Step (then emptied).
    _workflow: list[BpmnWorkflow] = field(
        default_factory=list, compare=False, repr=False, hash=False
    )
    # The instance's key when its workflow is cached (Engine.load's `key`), and the ids of the
    # announcing tasks that had run by this Step (what the next call's notices are new against).
    key: str | None = field(default=None, compare=False)
    _announced: frozenset[Any] = field(default=frozenset(), compare=False, repr=False)
    # The user task offering each action, in `_workflow` as this Step found it.
    _offering: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def status(self) -> str | None:
        """The data's `status`, which diagrams keep for the host's lists."""
        status = self.data.get("status")
        return status if isinstance(status, str) else None

    def offered(self, action: str) -> bool:
        """Whether the diagram offers this action to be performed now (not a case to open)."""
        return any(offer.action == action and not offer.opens for offer in self.offers)
