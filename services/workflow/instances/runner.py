"""The one path every instance runs through, whatever its kind: start, perform an action, fire
due timers, update from outside, and read (docs/architecture.md, Workflow instances).

Each call asks the engine once (a `Step`), saves the row's projection with the revision check,
appends history and audit, runs the kind's effects, and puts the action's event and the events
the diagram announced in the outbox, in the same transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING, Any, Protocol

from sqlalchemy import Connection

from services.workflow.domain import engine_payload
from services.workflow.engine import ActionNotOffered, ProcessModel, Step
from services.workflow.instances.store import InstanceTable, PendingSave
from shared.auth import Principal
from shared.calendar import local_date
from shared.errors import Conflict
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


HistoryReader = Callable[[Connection, str], list[dict[str, Any]]]
# Save the instance's new revision and append its new history entries, then read its whole
# history (one round trip where the database allows: a task's, task_files.history_after).
HistoryWriter = Callable[[Connection, str, list[dict[str, Any]], PendingSave], list[dict[str, Any]]]


@dataclass(frozen=True)
class Snapshot:
    row: dict[str, Any]
    actions: list[str]
    history: list[dict[str, Any]]


def start(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: Kind,
    model: ProcessModel,
    row: dict[str, Any],
    data: Mapping[str, Any],
    *,
    actor: Any = None,
    note: str | None = None,
    details: dict[str, Any] | None = None,
    event_type: str | None = None,
    action: str = "open",
    audit_action: str | None = None,
    later: bool = False,
) -> dict[str, Any]:
    """Start an instance of `model` with `data` for the row's fixed columns `row`; record it,
    publish `event_type` and what the diagram announced. `audit_action`: the audit's name for
    it when not "<kind>.<action>"; `later`: the rows join the batch's multi-row inserts (a
    consumer's batch of releases)."""
    step = service.engine.start(model, data, key=_cache_key(kind.table, row[kind.table.key]))
    now = uow.now
    stored = {
        **row,
        "process_id": model.process_id,
        "process_version": model.version,
        "state": step.state,
        "revision": 0,
        "created_at": now,
        **kind.project(step, row, now),
    }
    # The opening's entry keeps what the instance started with when the caller gives no details
    # of its own (a task's release): what a replay starts from (instances/replay.py).
    given = details if details is not None else dict(data)
    history = _history(kind, stored, now, action, None, actor, note, given)
    kind.table.add(uow, stored, history, later=later)
    audited = audit_action or f"{kind.name}.{action}"
    uow.audit(actor, audited, kind.name, stored[kind.table.key], _audit(None, stored, note))
    kind.effect(service, uow, action, stored, dict(details or {}), actor)
    if event_type:
        _emit(uow, kind, event_type, stored, action, actor, note, details)
    if step.notices and later:
        uow.flush_inserts()  # the notices' history follows the opening's
    _announce(uow, kind, stored, step.notices, stored["status"])
    return stored


def perform(
    service: WorkflowService,
    uow: UnitOfWork,
    principal: Principal,
    kind: Kind,
    key: str,
    action: str,
    payload: dict[str, Any],
    read_history: HistoryReader | None = None,
    write_history: HistoryWriter | None = None,
    found: dict[str, Any] | None = None,
) -> Snapshot:
    """A person's action on an instance, when its diagram offers it to them now;
    `read_history`: how the answer reads the history (the kind's table's by default);
    `write_history`: instead, the new revision and the action's history entries are kept until
    the answer reads the history, and written with that read (nothing in between reads them;
    the row stays locked: `found`); `found`: the instance's row as the caller read it in this
    transaction, locked (`kind.find`'s)."""
    row = found if found is not None else kind.find(uow.conn, key, for_update=True)
    kind.require_access(uow.conn, principal, row)
    step = load(service, uow.conn, row)
    mine = [o.action for o in step.offers if not o.opens and kind.may_act(principal, o.role, row)]
    if action not in mine:
        raise kind.refused(action, mine, row, step.offered(action))
    kind.validate(service, uow, row, step, action, payload)
    details = engine_payload(payload)
    try:
        after_step = service.engine.perform(step, action, details)
    except ActionNotOffered as exc:
        raise Conflict(str(exc), actions=mine) from exc
    pending: list[PendingSave] | None = None if write_history is None else []
    after = _save(uow, kind, row, after_step, pending=pending)
    actor = principal.to_actor()
    note = kind.note(action, payload)
    kept: list[dict[str, Any]] | None = None if write_history is None else []
    _record(uow, kind, after, action, row["status"], actor, note, details, kept=kept)
    kind.effect(service, uow, action, after, payload, actor)
    event_type = kind.event_type(action)
    if event_type:
        _emit(uow, kind, event_type, after, action, actor, note, details)
    _announce(uow, kind, after, after_step.notices, after["status"], kept=kept)
    today = local_date(uow.now)
    if write_history is not None and kept is not None and pending is not None:
        added, (saving,) = kept, pending

        def read_history(conn: Connection, key: str) -> list[dict[str, Any]]:
            return write_history(conn, key, added, saving)

    return snapshot(service, uow.conn, principal, kind, after, today, after_step, read_history)


def fire_timers(service: WorkflowService, uow: UnitOfWork, kind: Kind, row: dict[str, Any]) -> int:
    """Fire an instance's due timers (the caller holds its row lock); returns the notices sent."""
    step = service.engine.fire_due(load(service, uow.conn, row))
    after = _save(uow, kind, row, step)
    # The history is not read back while the scheduler's batch runs: its rows go in with the
    # batch's other instances', one statement when the unit of work flushes.
    _announce(uow, kind, after, step.notices, row["status"], later=True)
    if after["status"] != row["status"] and not step.notices:
        _record(uow, kind, after, "timer", row["status"], None, None, None, later=True)
    return len(step.notices)


def perform_as_system(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    action: str,
    payload: dict[str, Any],
    *,
    actor: Any,
    note: str | None,
    event_type: str | None,
) -> dict[str, Any] | None:
    """An action taken on another service's word (e.g. the Office's withdrawal in intake), if
    the diagram offers it now; returns the instance after it, or None."""
    step = load(service, uow.conn, row)
    if not step.offered(action):
        return None
    after_step = service.engine.perform(step, action, payload)
    after = _save(uow, kind, row, after_step)
    _record(uow, kind, after, action, row["status"], actor, note, payload, audit=payload)
    if event_type:
        _emit(uow, kind, event_type, after, action, actor, note, None)
    _announce(uow, kind, after, after_step.notices, after["status"])
    return after


def update(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    changes: dict[str, Any],
    columns: dict[str, Any],
    *,
    action: str,
    actor: Any,
    note: str | None,
    event_type: str | None,
) -> dict[str, Any]:
    """Correct a running instance from outside: `changes` to the diagram's data (its timers are
    armed again for them), `columns` of the row that change with them."""
    step = service.engine.update(load(service, uow.conn, row), changes)
    after = _save(uow, kind, {**row, **columns}, step, columns)
    _record(
        uow, kind, after, action, row["status"], actor, note, changes, audit={"changes": changes}
    )
    if event_type:
        _emit(uow, kind, event_type, after, action, actor, note, None)
    # Re-entering the waiting task arms its timers for the new data, and those already due fire
    # at once; they are announced after the correction that caused them, not dropped.
    _announce(uow, kind, after, step.notices, after["status"])
    return after


def annotate(
    service: WorkflowService,
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    facts: dict[str, Any],
) -> dict[str, Any]:
    """Note facts from outside in an instance's data for its diagram's conditions (e.g. that a
    case about a task is open); the instance stays where it is, so nothing is recorded or sent
    (what caused it records itself)."""
    step = service.engine.annotate(load(service, uow.conn, row), facts)
    return _save(uow, kind, row, step)


def snapshot(
    service: WorkflowService,
    conn: Connection,
    principal: Principal,
    kind: Kind,
    row: dict[str, Any],
    today: date,
    step: Step | None = None,
    read_history: HistoryReader | None = None,
) -> Snapshot:
    """The instance as the caller reads it: its row, the actions offered to them, its history
    (read by `read_history` when given: a task's with its files, task_files.history)."""
    step = step or load(service, conn, row)
    actions = [
        o.action for o in step.offers if not o.opens and kind.may_act(principal, o.role, row)
    ]
    history = (read_history or kind.table.history)(conn, row[kind.table.key])
    shown, more = kind.present(service, conn, principal, row, history, today, step)
    return Snapshot(shown, actions + more, history)


def load(service: WorkflowService, conn: Connection, row: Mapping[str, Any]) -> Step:
    """The instance's Step; the engine reuses its cached workflow when the row's state is the
    one that workflow has (a read and then an action, or back-to-back actions, in this
    process), else reads the state."""
    model = service.models.get(conn, row["process_id"], row["process_version"])
    table = service.kind_of(row).table
    return service.engine.load(model, row["state"], key=_cache_key(table, row[table.key]))


def _cache_key(table: InstanceTable, key: str) -> str:
    return f"{table.table.name}:{key}"


def _save(
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    step: Step,
    extra: dict[str, Any] | None = None,
    *,
    pending: list[PendingSave] | None = None,
) -> dict[str, Any]:
    """Store a new state with the row's projection in the same transaction; returns the row as
    it now is. `extra`: columns changed from outside; `pending`: instead, the save is put there
    for the statement that writes the history (runner.perform's `write_history`)."""
    values = {**(extra or {}), **kind.project(step, row, uow.now), "state": step.state}
    save = PendingSave(kind.table, row[kind.table.key], row["revision"], values)
    if pending is None:
        save.run(uow.conn)
    else:
        pending.append(save)
    return {**row, **values, "revision": row["revision"] + 1}


def _history(
    kind: Kind,
    row: Mapping[str, Any],
    at: datetime,
    action: str,
    status_from: str | None,
    actor: Any,
    note: str | None,
    details: dict[str, Any] | None,
) -> dict[str, Any]:
    entry = {
        kind.table.key: row[kind.table.key],
        "at": at,
        "action": action,
        "status_from": status_from,
        "status_to": row["status"],
        "actor": actor,
        "note": note,
    }
    if "payload" in kind.table.history_table.c:
        entry["payload"] = details or None
    return entry


def _record(
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    action: str,
    status_from: str | None,
    actor: Any,
    note: str | None,
    details: dict[str, Any] | None,
    *,
    audit: dict[str, Any] | None = None,
    later: bool = False,
    kept: list[dict[str, Any]] | None = None,
) -> None:
    _add_history(
        uow,
        kind,
        _history(kind, row, uow.now, action, status_from, actor, note, details),
        later,
        kept,
    )
    uow.audit(
        actor,
        f"{kind.name}.{action}",
        kind.name,
        row[kind.table.key],
        audit if audit is not None else _audit(status_from, row, note),
    )


def _audit(status_from: str | None, row: Mapping[str, Any], note: str | None) -> dict[str, Any]:
    return {"status": [status_from, row["status"]], "note": note}


def _add_history(
    uow: UnitOfWork,
    kind: Kind,
    entry: dict[str, Any],
    later: bool,
    kept: list[dict[str, Any]] | None = None,
) -> None:
    """Append a history entry now, or (`later`) with the unit of work's other rows, or keep it
    in `kept` for the caller to write (runner.perform's `write_history`)."""
    if kept is not None:
        kept.append(entry)
    elif later:
        uow.insert_later(kind.table.history_table, entry)
    else:
        kind.table.add_history(uow.conn, entry)


def _announce(
    uow: UnitOfWork,
    kind: Kind,
    row: dict[str, Any],
    notices: tuple[str, ...],
    status_from: str,
    *,
    later: bool = False,
    kept: list[dict[str, Any]] | None = None,
) -> None:
    """Publish the events a diagram announced (e.g. a timer's `task.due_soon`), each recorded
    in the history and the audit."""
    for notice in notices:
        action = kind.notice_action(notice)
        entry = _history(kind, row, uow.now, action, status_from, None, None, None)
        _add_history(uow, kind, entry, later, kept)
        details = {"status": [status_from, row["status"]]}
        uow.audit(None, notice, kind.name, row[kind.table.key], details)
        _emit(uow, kind, notice, row, action, None, None, None)


def _emit(
    uow: UnitOfWork,
    kind: Kind,
    event_type: str,
    row: Mapping[str, Any],
    action: str,
    actor: Any,
    note: str | None,
    details: dict[str, Any] | None,
) -> None:
    body = kind.event(row, action, actor, note, details, uow.now)
    uow.emit(event_type, body, subject=row[kind.table.key])
