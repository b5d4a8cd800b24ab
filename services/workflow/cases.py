"""Cases: the regulation's processes besides a task's lifecycle, run by the same engine.

An inspection (Đ10–Đ15), a unit's feedback on another unit (Đ16.6, Đ17.2), a periodic report's
reminders (Đ18) and the exchanges about a running task (issue "Exchange") are each a *case*: one
BPMN instance in the `cases` table with its projection (status, parties, due date, data) and its
own history. What a case offers to whom, and which timers run, live in its diagram, as for tasks.

A kind of case is declared once (`CaseKind`): its process, its URL segment, its labels, the
schema of the request that opens it and of each action, the event each action publishes, and
`opening`, which turns an accepted request into the case's title, parties and starting data.
Routes, lists, timers, events, history and audit are the same for every kind (this module and
services/workflow/routes/cases.py).

Roles of a case diagram's lanes: `office` (the Office's staff), `office_lead` (the Working
Group's leader), `leader` (the Chairman and Vice-Chairmen), `inspector`; any other role names a
party, e.g. `responsible`: the unit staff of the units the case lists under that key.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema
from sqlalchemy import Connection

from services.workflow import case_store
from services.workflow.engine import Step
from services.workflow.instances import runner
from services.workflow.instances.store import InstanceTable
from services.workflow.units import require_units
from shared import dates
from shared.auth import (
    INSPECTOR,
    LEADER,
    OFFICE_LEAD,
    UNIT_HEAD,
    UNIT_OFFICER,
    Principal,
)
from shared.calendar import local_date
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.platform import UnitOfWork
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# What "open" or an action of a case does outside it: (service, uow, case after, body, actor).
Effect = Callable[["WorkflowService", UnitOfWork, dict[str, Any], dict[str, Any], Any], None]

# Roles a case diagram may name that are not parties of the case.
_STAFF_ROLES: dict[str, Callable[[Principal], bool]] = {
    "office": lambda p: p.is_office,
    "office_lead": lambda p: p.has_role(OFFICE_LEAD),
    "leader": lambda p: p.has_role(LEADER),
}
# Data a diagram keeps for itself; views and events leave it out.
_PRIVATE_DATA = frozenset({"action", "notice"})
# History entries the service writes for every kind: its opening, a timer that changed the
# status without announcing anything, a move to another version of the diagram.
_SYSTEM_LABELS = {
    "open": "Mở hồ sơ",
    "timer": "Hẹn giờ của quy trình",
    "migrate": "Chuyển sang phiên bản quy trình mới",
}
# A party code standing for every unit (a periodic report concerns them all, Đ18.1).
EVERY_UNIT = "*"


@dataclass(frozen=True)
class Opening:
    """What a new case is made of."""

    title: str
    parties: dict[str, list[str]]
    data: dict[str, Any]  # the diagram's starting data (JSON-able)
    task_id: str | None = None
    group_id: str | None = None
    note: str | None = None  # what the history keeps of the opening request
    event: str | None = None  # the event this opening publishes instead of the kind's "open"


@dataclass(frozen=True)
class CaseKind:
    kind: str  # "inspection"
    process_id: str  # the diagram, bpmn/<process_id>.bpmn
    path: str  # URL segment under /api/workflow, e.g. "inspections"
    label: str  # "Kiểm tra"
    statuses: Mapping[str, str]  # status -> Vietnamese label
    actions: Mapping[str, str]  # action -> Vietnamese label
    action_schemas: Mapping[str, type[Schema]]
    events: Mapping[str, str]  # "open" and each action -> the event type it publishes
    open_schema: type[Schema] | None  # None: only the system opens this kind
    may_open: Callable[[Principal], bool] = field(default=lambda _p: False)
    opening: Callable[[Connection, Principal, dict[str, Any], datetime], list[Opening]] | None = (
        None
    )
    # History labels of what the diagram's timers announced, by the event type without its
    # prefix ("feedback.overdue" -> "overdue").
    notice_labels: Mapping[str, str] = field(default_factory=dict)
    query_filters: tuple[str, ...] = ()  # extra list filters, columns of `cases` (e.g. task_id)
    note_fields: tuple[str, ...] = ("reason", "note")  # body fields the history's note keeps
    # What a body's schema cannot check alone: an action's body against the case as it stands
    # (case, action, body, today); raises ValidationFailed.
    check: Callable[[Mapping[str, Any], str, dict[str, Any], date], None] | None = None
    # The same, for what needs the service's tables (e.g. the Working Group's members, Đ13):
    # (conn, case, action, body, today); raises ValidationFailed.
    check_stored: (
        Callable[[Connection, Mapping[str, Any], str, dict[str, Any], date], None] | None
    ) = None
    # What "open" or an action does outside the case, in the same transaction (e.g. a unit's
    # correction appended to the task's history): (service, uow, case after, body or data, actor).
    effects: Mapping[str, Effect] = field(default_factory=dict)
    # Cases about a task that the task's diagram offers to open (`opens.<role>`): the task action
    # an opening by this caller amounts to, checked against the task's diagram whichever route
    # opens it (services/workflow/kinds/task.py, `require_opening`).
    task_action: Callable[[Principal], str] | None = None
    # The body fields of "open" and of each action that name units (a code or a list of codes):
    # each must be an active unit of the directory (services/workflow/units.py), else 422.
    unit_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # Its actions send uploaded files (`attachments: [{name, file_id}]`, task_files.py): the kind
    # gets `POST …/<id>/files` and `GET …/<id>/files/<file_id>`.
    takes_files: bool = False

    def action_label(self, action: str) -> str:
        if action in self.actions:
            return self.actions[action]
        return self.notice_labels.get(action) or _SYSTEM_LABELS.get(action, action)

    # What the one instance path asks of a kind (services/workflow/instances/kind.py).

    @property
    def name(self) -> str:
        return self.kind

    @property
    def table(self) -> InstanceTable:
        return case_store.CASES

    def find(self, conn: Connection, key: str, *, for_update: bool = False) -> dict[str, Any]:
        case = case_store.CASES.get(conn, key, for_update=for_update)
        if case is None or case["kind"] != self.kind:
            raise NotFound(f"Không tìm thấy {self.label.lower()}.", case_id=key)
        return case

    def require_access(
        self, conn: Connection, principal: Principal, row: Mapping[str, Any]
    ) -> None:
        if not may_read(principal, row):
            raise Forbidden(f"{self.label} này không liên quan đến đơn vị của bạn.")

    def may_act(self, principal: Principal, role: str, row: Mapping[str, Any]) -> bool:
        return may_act(principal, role, row)

    def refused(
        self, action: str, mine: list[str], row: Mapping[str, Any], other: bool
    ) -> Exception:
        label = self.actions.get(action, action)  # people read the action's name, not its key
        if other:
            return Forbidden(f"Thao tác '{label}' không thuộc quyền của bạn.", actions=mine)
        return Conflict(
            f"{self.label} hiện không cho phép thao tác '{label}'.",
            actions=mine,
            case_status=row["status"],
        )

    def validate(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        row: Mapping[str, Any],
        step: Step,
        action: str,
        payload: dict[str, Any],
    ) -> None:
        today = local_date(uow.now)
        check_due_on(service, payload, today)
        check_units(uow.conn, self, action, payload)
        if self.check is not None:
            self.check(row, action, payload, today)
        if self.check_stored is not None:
            self.check_stored(uow.conn, row, action, payload, today)

    def project(self, step: Step, row: Mapping[str, Any], now: datetime) -> dict[str, Any]:
        """The row's columns from the diagram's data. A diagram that changes the data key
        `parties` (e.g. a unit invited to an inspection, Đ14.2) changes who the case names and
        who may act."""
        data = {k: v for k, v in step.data.items() if k not in _PRIVATE_DATA}
        due_on = data.get("due_on")
        parties = data.get("parties")
        named = {"parties": parties, "units": _units(parties)} if isinstance(parties, dict) else {}
        closed_at = row.get("closed_at") or (now if step.completed else None)
        return {
            **named,
            "status": data.get("status") or ("closed" if step.completed else "open"),
            "data": data,
            "due_on": date.fromisoformat(due_on[:10])
            if isinstance(due_on, str) and due_on
            else None,
            "updated_at": now,
            "closed_at": closed_at,
            "next_timer_at": step.next_due,
        }

    def note(self, action: str, payload: Mapping[str, Any]) -> str | None:
        parts = [str(payload[key]) for key in self.note_fields if payload.get(key)]
        return "\n".join(parts) or None

    def event_type(self, action: str) -> str | None:
        return self.events.get(action)

    def notice_action(self, notice: str) -> str:
        return notice.split(".", 1)[-1]

    def event(
        self,
        row: Mapping[str, Any],
        action: str,
        actor: Any,
        note: str | None,
        details: dict[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        return {
            "case_id": row["case_id"],
            "kind": self.kind,
            "title": row["title"],
            "status": row["status"],
            "task_id": row["task_id"],
            "group_id": row["group_id"],
            "parties": row["parties"],
            "units": row["units"],
            "due_on": row["due_on"],
            "overdue": is_overdue(row, local_date(now)),
            "action": action,
            "note": note,
            "details": details or {},
            "actor": actor,
            "occurred_at": now,
        }

    def effect(
        self,
        service: WorkflowService,
        uow: UnitOfWork,
        action: str,
        row: dict[str, Any],
        body: dict[str, Any],
        actor: Any,
    ) -> None:
        if action in self.effects:
            self.effects[action](service, uow, row, body, actor)

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
        return row, []


def may_act(principal: Principal, role: str, case: Mapping[str, Any]) -> bool:
    """Whether the caller fills a case diagram lane's role for this case. `inspector`: one of
    the inspectors the case names (Đ13), not any member of the Working Group."""
    if role == INSPECTOR:
        return is_inspector_of(principal, case)
    staff = _STAFF_ROLES.get(role)
    if staff is not None:
        return staff(principal)
    return principal.has_role(UNIT_OFFICER, UNIT_HEAD) and principal.unit in set(
        case["parties"].get(role, ())
    )


def is_inspector_of(principal: Principal, case: Mapping[str, Any]) -> bool:
    """Whether the caller is an inspector the case names (its data's `inspectors`, Đ13)."""
    named = (case.get("data") or {}).get("inspectors") or ()
    return principal.has_role(INSPECTOR) and any(
        isinstance(person, dict) and person.get("sub") == principal.sub for person in named
    )


def check_units(conn: Connection, kind: CaseKind, action: str, body: Mapping[str, Any]) -> None:
    """Every unit a request names is an active unit of the directory (422 naming the field)."""
    for name in kind.unit_fields.get(action, ()):
        value = body.get(name)
        if value is not None:
            require_units(conn, name, [value] if isinstance(value, str) else value)


def may_read(principal: Principal, case: Mapping[str, Any]) -> bool:
    """The Office, leaders and inspectors read every case; units read the cases naming them or a
    unit under theirs (Đ7.2a, Đ8.2c), as their lists show them (`unit_scope`)."""
    if principal.is_office or principal.has_role(LEADER, INSPECTOR):
        return True
    named = set(case["units"])
    if principal.unit is None:
        return False
    return (
        principal.unit in named
        or EVERY_UNIT in named
        or not principal.subordinates.isdisjoint(named)
    )


def open_cases(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: CaseKind,
    openings: list[Opening],
    actor: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Start one instance per opening; returns the cases as stored."""
    model = service.models.active(uow.conn, kind.process_id)
    opened = []
    for opening in openings:
        case_id = uuid.uuid4().hex
        row = {
            "case_id": case_id,
            "kind": kind.kind,
            "title": opening.title,
            "search_text": fold(opening.title),
            "task_id": opening.task_id,
            "group_id": opening.group_id,
            "parties": opening.parties,
            "units": _units(opening.parties),
            "created_by": actor,
            "closed_at": None,
        }
        start_data = {**opening.data, "case_id": case_id, "parties": opening.parties}
        case = runner.start(
            service,
            uow,
            kind,
            model,
            row,
            start_data,
            actor=actor,
            note=opening.note,
            details=opening.data,
            event_type=opening.event or kind.events.get("open"),
        )
        opened.append(case)
    return opened


def check_due_on(service: WorkflowService, body: Mapping[str, Any], today: date) -> None:
    """A due date a person gives a case (an information request's, a document request's): not in
    the past and at most MAX_DUE_YEARS ahead (README "Dates people enter")."""
    due_on = body.get("due_on")
    if not isinstance(due_on, date):
        return
    problem = dates.ahead_problem(due_on, today, dates.max_due_years(service.runtime.env))
    if problem:
        raise ValidationFailed("Hạn không hợp lệ.", {"due_on": [problem]})


def is_overdue(case: Mapping[str, Any], today: date) -> bool:
    return case["due_on"] is not None and case["closed_at"] is None and today > case["due_on"]


def _units(parties: Mapping[str, list[str]]) -> list[str]:
    return sorted({code for codes in parties.values() for code in codes})
