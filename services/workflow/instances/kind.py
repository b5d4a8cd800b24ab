"""What the one instance path (runner.py) asks of a kind: a task's lifecycle and each kind of
case declare it (services/workflow/kinds/, services/workflow/cases.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from services.workflow.engine import Step
from services.workflow.instances.store import InstanceTable
from shared.auth import Principal
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


class Kind(Protocol):
    """What differs between a task's lifecycle and each kind of case."""

    @property
    def name(self) -> str:
        """The audit's entity type and its actions' prefix: "task", "inspection"…"""

    @property
    def table(self) -> InstanceTable: ...

    def find(self, conn: Connection, key: str, *, for_update: bool = False) -> dict[str, Any]:
        """The instance of this kind by its key (locked for the transaction when `for_update`);
        raises NotFound."""

    def require_access(
        self, conn: Connection, principal: Principal, row: Mapping[str, Any]
    ) -> None:
        """Raise Forbidden unless the instance concerns the caller."""

    def may_act(self, principal: Principal, role: str, row: Mapping[str, Any]) -> bool:
        """Whether the caller fills a diagram lane's role for this instance."""

    def refused(
        self, action: str, mine: list[str], row: Mapping[str, Any], other: bool
    ) -> Exception:
        """The error of an action not among the caller's (`other`: offered to someone else)."""

    def validate(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        row: Mapping[str, Any],
        step: Step,
        action: str,
        payload: dict[str, Any],
    ) -> None:
        """What an action's schema cannot check alone (raises ValidationFailed)."""

    def project(self, step: Step, row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """The row's columns that follow from the diagram's data (status, due date…)."""

    def note(self, action: str, payload: Mapping[str, Any]) -> str | None:
        """What the history keeps of an action's body."""

    def event_type(self, action: str) -> str | None:
        """The event an action publishes, if any."""

    def notice_action(self, notice: str) -> str:
        """The history's action name for an event the diagram announced."""

    def event(
        self,
        row: Mapping[str, Any],
        action: str,
        actor: Any,
        note: str | None,
        details: dict[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        """The body of an event about this instance."""

    def effect(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        action: str,
        row: dict[str, Any],
        body: dict[str, Any],
        actor: Any,
    ) -> None:
        """What an action does outside the instance, in the same transaction."""

    def present(
        self,
        service: WorkflowService,
        conn: Connection,
        principal: Principal,
        row: dict[str, Any],
        history: list[dict[str, Any]],
        today: date,
        step: Step,
    ) -> tuple[dict[str, Any], list[str]]:
        """The row as people read it (what depends on today) and the cases its diagram offers
        this caller to open now (`Offer.opens`; a task's links to cases)."""
