"""Cases: the regulation's processes besides a task's lifecycle, run by the same engine.

An inspection (Đ10–Đ15), a unit's feedback on another unit (Đ16.6, Đ17.2), a periodic report's
reminders (Đ18) and the exchanges about a running task (issue "Exchange") are each a *case*: one
BPMN instance in the `cases` table with its projection (status, parties, due date, data) and its
own history. What a case offers to whom, and which timers run, live in its diagram, as for tasks.

A kind of case is declared once (`CaseKind`): its process, its URL segment, its labels, the
schema of the request that opens it and of each action, the event each action publishes, and
`opening`, which turns an accepted request into the case's title, parties and starting data.
Routes, lists, timers, events, history and audit are the same for every kind (this module and
services/workflow/case_api.py).

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

from services.workflow import case_store, domain
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

# Roles a case diagram may name that are not parties of the case.
_STAFF_ROLES: dict[str, Callable[[Principal], bool]] = {
    "office": lambda p: p.is_office,
    "office_lead": lambda p: p.has_role(OFFICE_LEAD),
    "leader": lambda p: p.has_role(LEADER),
}
# Data a diagram keeps for itself; views and events leave it out.
_PRIVATE_DATA = frozenset({"action", "notice"})
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
    # What "open" or an action does outside the case, in the same transaction (e.g. a unit's
    # correction appended to the task's history): (uow, case after, body or data, actor).
    effects: Mapping[str, Callable[[UnitOfWork, dict[str, Any], dict[str, Any], Any], None]] = (
        field(default_factory=dict)
    )
    # The body fields of "open" and of each action that name units (a code or a list of codes):
    # each must be an active unit of the directory (services/workflow/units.py), else 422.
    unit_fields: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def action_label(self, action: str) -> str:
        if action in self.actions:
            return self.actions[action]
        return self.notice_labels.get(action, "Mở hồ sơ" if action == "open" else action)


@dataclass(frozen=True)
class CaseSnapshot:
    case: dict[str, Any]
    actions: list[str]
    history: list[dict[str, Any]]


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
    """The Office, leaders and inspectors read every case; units read the cases naming them."""
    if principal.is_office or principal.has_role(LEADER, INSPECTOR):
        return True
    named = set(case["units"])
    return principal.unit is not None and (principal.unit in named or EVERY_UNIT in named)


def open_cases(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: CaseKind,
    openings: list[Opening],
    actor: dict[str, Any] | None,
) -> list[dict[str, Any]]:
    """Start one instance per opening; returns the cases as stored."""
    model = service.models.newest(uow.conn, kind.process_id)
    opened = []
    for opening in openings:
        case_id = uuid.uuid4().hex
        units = _units(opening.parties)
        start_data = {**opening.data, "case_id": case_id, "parties": opening.parties}
        state = service.engine.start(model, start_data)
        case = {
            "case_id": case_id,
            "kind": kind.kind,
            "title": opening.title,
            "search_text": fold(opening.title),
            "task_id": opening.task_id,
            "group_id": opening.group_id,
            "parties": opening.parties,
            "units": units,
            "process_id": model.process_id,
            "process_version": model.version,
            "state": state,
            "revision": 0,
            "created_by": actor,
            "created_at": uow.now,
            **_projection(service, model, state, uow.now),
        }
        case_store.add_case(uow.conn, case)
        _record(uow, kind, case, "open", None, actor, opening.note, opening.data)
        if "open" in kind.effects:
            kind.effects["open"](uow, case, opening.data, actor)
        event_type = opening.event or kind.events.get("open")
        if event_type:
            _emit(uow, kind, event_type, case, "open", actor, opening.note, opening.data)
        for notice in service.engine.notices(model, None, state):
            _announce(uow, kind, case, notice, case["status"])
        opened.append(case)
    return opened


def perform(
    service: WorkflowService,
    uow: UnitOfWork,
    principal: Principal,
    kind: CaseKind,
    case_id: str,
    action: str,
    payload: dict[str, Any],
) -> CaseSnapshot:
    case = case_store.case(uow.conn, case_id, for_update=True)
    if case is None or case["kind"] != kind.kind:
        raise NotFound(f"Không tìm thấy {kind.label.lower()}.", case_id=case_id)
    if not may_read(principal, case):
        raise Forbidden(f"{kind.label} này không liên quan đến đơn vị của bạn.")
    model = service.models.get(uow.conn, case["process_id"], case["process_version"])
    offers = service.engine.offers(model, case["state"])
    mine = [o.action for o in offers if may_act(principal, o.role, case)]
    if action not in mine:
        label = kind.actions.get(action, action)  # people read the action's name, not its key
        if any(o.action == action for o in offers):
            raise Forbidden(f"Thao tác '{label}' không thuộc quyền của bạn.", actions=mine)
        raise Conflict(
            f"{kind.label} hiện không cho phép thao tác '{label}'.",
            actions=mine,
            case_status=case["status"],
        )
    check_due_on(service, payload, local_date(uow.now))
    check_units(uow.conn, kind, action, payload)
    if kind.check is not None:
        kind.check(case, action, payload, local_date(uow.now))
    data = domain.engine_payload(payload)
    state = service.engine.perform(model, case["state"], action, data)
    after = _save(service, uow, model, case, state)
    actor = principal.to_actor()
    note = _note(kind, payload)
    _record(uow, kind, after, action, case["status"], actor, note, data)
    if action in kind.effects:
        kind.effects[action](uow, after, payload, actor)
    event_type = kind.events.get(action)
    if event_type:
        _emit(uow, kind, event_type, after, action, actor, note, data)
    for notice in service.engine.notices(model, case["state"], state):
        _announce(uow, kind, after, notice, case["status"])
    return snapshot(service, uow.conn, principal, after)


def check_due_on(service: WorkflowService, body: Mapping[str, Any], today: date) -> None:
    """A due date a person gives a case (an information request's, a document request's): not in
    the past and at most MAX_DUE_YEARS ahead (README "Dates people enter")."""
    due_on = body.get("due_on")
    if not isinstance(due_on, date):
        return
    problem = dates.ahead_problem(due_on, today, dates.max_due_years(service.runtime.env))
    if problem:
        raise ValidationFailed("Hạn không hợp lệ.", {"due_on": [problem]})


def fire_timers(service: WorkflowService, uow: UnitOfWork, case: dict[str, Any]) -> int:
    """Fire a case's due timers (the caller holds its row lock); returns the notices sent."""
    kind = service.kinds[case["kind"]]
    model = service.models.get(uow.conn, case["process_id"], case["process_version"])
    state = service.engine.fire_due(model, case["state"])
    after = _save(service, uow, model, case, state)
    notices = service.engine.notices(model, case["state"], state)
    for notice in notices:
        _announce(uow, kind, after, notice, case["status"])
    if after["status"] != case["status"] and not notices:
        _record(uow, kind, after, "timer", case["status"], None, None, None)
    return len(notices)


def snapshot(
    service: WorkflowService, conn: Connection, principal: Principal, case: dict[str, Any]
) -> CaseSnapshot:
    model = service.models.get(conn, case["process_id"], case["process_version"])
    offers = service.engine.offers(model, case["state"])
    actions = [o.action for o in offers if may_act(principal, o.role, case)]
    return CaseSnapshot(case, actions, case_store.history(conn, case["case_id"]))


def is_overdue(case: Mapping[str, Any], today: date) -> bool:
    return case["due_on"] is not None and case["closed_at"] is None and today > case["due_on"]


def _units(parties: Mapping[str, list[str]]) -> list[str]:
    return sorted({code for codes in parties.values() for code in codes})


def _projection(service: WorkflowService, model: Any, state: str, now: datetime) -> dict[str, Any]:
    """The row's columns from the diagram's data. A diagram that changes the data key `parties`
    (e.g. a unit invited to an inspection, Đ14.2) changes who the case names and who may act."""
    data = {k: v for k, v in service.engine.data(model, state).items() if k not in _PRIVATE_DATA}
    due_on = data.get("due_on")
    completed = service.engine.is_completed(model, state)
    parties = data.get("parties")
    named = {"parties": parties, "units": _units(parties)} if isinstance(parties, dict) else {}
    return {
        **named,
        "status": data.get("status") or ("closed" if completed else "open"),
        "data": data,
        "due_on": date.fromisoformat(due_on[:10]) if isinstance(due_on, str) and due_on else None,
        "updated_at": now,
        "closed_at": now if completed else None,
        "next_timer_at": service.engine.next_due(model, state),
    }


def _save(
    service: WorkflowService, uow: UnitOfWork, model: Any, case: dict[str, Any], state: str
) -> dict[str, Any]:
    values = {"state": state, **_projection(service, model, state, uow.now)}
    if case["closed_at"] is not None:
        values["closed_at"] = case["closed_at"]
    case_store.save_case(uow.conn, case["case_id"], case["revision"], values)
    return {**case, **values, "revision": case["revision"] + 1}


def _note(kind: CaseKind, payload: Mapping[str, Any]) -> str | None:
    parts = [str(payload[key]) for key in kind.note_fields if payload.get(key)]
    return "\n".join(parts) or None


def _record(
    uow: UnitOfWork,
    kind: CaseKind,
    case: dict[str, Any],
    action: str,
    status_from: str | None,
    actor: dict[str, Any] | None,
    note: str | None,
    payload: dict[str, Any] | None,
) -> None:
    case_store.add_history(
        uow.conn,
        {
            "case_id": case["case_id"],
            "at": uow.now,
            "action": action,
            "status_from": status_from,
            "status_to": case["status"],
            "actor": actor,
            "note": note,
            "payload": payload or None,
        },
    )
    uow.audit(
        actor,
        f"{kind.kind}.{action}",
        kind.kind,
        case["case_id"],
        {"status": [status_from, case["status"]], "note": note},
    )


def _announce(
    uow: UnitOfWork, kind: CaseKind, case: dict[str, Any], notice: str, status_from: str
) -> None:
    """Publish an event the case's diagram announced (a timer's reminder) and record it."""
    _record(uow, kind, case, notice.split(".", 1)[-1], status_from, None, None, None)
    _emit(uow, kind, notice, case, notice.split(".", 1)[-1], None, None, None)


def _emit(
    uow: UnitOfWork,
    kind: CaseKind,
    event_type: str,
    case: dict[str, Any],
    action: str,
    actor: dict[str, Any] | None,
    note: str | None,
    details: dict[str, Any] | None,
) -> None:
    uow.emit(
        event_type,
        {
            "case_id": case["case_id"],
            "kind": kind.kind,
            "title": case["title"],
            "status": case["status"],
            "task_id": case["task_id"],
            "group_id": case["group_id"],
            "parties": case["parties"],
            "units": case["units"],
            "due_on": case["due_on"],
            "overdue": is_overdue(case, local_date(uow.now)),
            "action": action,
            "note": note,
            "details": details or {},
            "actor": actor,
            "occurred_at": uow.now,
        },
        subject=case["case_id"],
    )
