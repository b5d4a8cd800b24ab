"""The one path every instance runs through, whatever its kind: start, perform an action, fire
due timers, update from outside, and read (docs/architecture.md, Workflow instances).

Each call asks the engine once (a `Step`), saves the row's projection with the revision check,
appends history and audit, runs the kind's effects, and puts the action's event and the events
the diagram announced in the outbox, in the same transaction.

The kinds' interface is in kind.py; what each change writes (row, history, audit, events) in
records.py.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from services.workflow.domain import engine_payload
from services.workflow.engine import ActionNotOffered, ProcessModel, Step
from services.workflow.instances.kind import Kind
from services.workflow.instances.records import (
    announce,
    audit_details,
    emit,
    history_entry,
    record,
    save,
)
from services.workflow.instances.store import InstanceTable, PendingSave
from shared.auth import Principal
from shared.calendar import local_date
from shared.errors import Conflict
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService


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
    alike: bool = False,
) -> dict[str, Any]:
    """Start an instance of `model` with `data` for the row's fixed columns `row`; record it,
    publish `event_type` and what the diagram announced. `audit_action`: the audit's name for
    it when not "<kind>.<action>"; `later`: the rows join the batch's multi-row inserts (a
    consumer's batch of releases); `alike`: one of many instances started with much the same
    data (the engine may copy their starts: `Engine.start_like`)."""
    key = _cache_key(kind.table, row[kind.table.key])
    if alike:
        step = service.engine.start_like(model, data, key=key)
    else:
        step = service.engine.start(model, data, key=key)
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
    history = history_entry(kind, stored, now, action, None, actor, note, given)
    kind.table.add(uow, stored, history, later=later)
    audited = audit_action or f"{kind.name}.{action}"
    uow.audit(actor, audited, kind.name, stored[kind.table.key], audit_details(None, stored, note))
    kind.effect(service, uow, action, stored, dict(details or {}), actor)
    if event_type:
        emit(uow, kind, event_type, stored, action, actor, note, details)
    if step.notices and later:
        uow.flush_inserts()  # the notices' history follows the opening's
    announce(uow, kind, stored, step.notices, stored["status"])
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
    after = save(uow, kind, row, after_step, pending=pending)
    actor = principal.to_actor()
    note = kind.note(action, payload)
    kept: list[dict[str, Any]] | None = None if write_history is None else []
    record(uow, kind, after, action, row["status"], actor, note, details, kept=kept)
    kind.effect(service, uow, action, after, payload, actor)
    event_type = kind.event_type(action)
    if event_type:
        emit(uow, kind, event_type, after, action, actor, note, details)
    announce(uow, kind, after, after_step.notices, after["status"], kept=kept)
    today = local_date(uow.now)
    if write_history is not None and kept is not None and pending is not None:
        added, (saving,) = kept, pending

        def read_history(conn: Connection, key: str) -> list[dict[str, Any]]:
            return write_history(conn, key, added, saving)

    return snapshot(service, uow.conn, principal, kind, after, today, after_step, read_history)


def fire_timers(service: WorkflowService, uow: UnitOfWork, kind: Kind, row: dict[str, Any]) -> int:
    """Fire an instance's due timers (the caller holds its row lock); returns the notices sent."""
    step = service.engine.fire_due(load(service, uow.conn, row))
    after = save(uow, kind, row, step)
    # The history is not read back while the scheduler's batch runs: its rows go in with the
    # batch's other instances', one statement when the unit of work flushes.
    announce(uow, kind, after, step.notices, row["status"], later=True)
    if after["status"] != row["status"] and not step.notices:
        record(uow, kind, after, "timer", row["status"], None, None, None, later=True)
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
    after = save(uow, kind, row, after_step)
    record(uow, kind, after, action, row["status"], actor, note, payload, audit=payload)
    if event_type:
        emit(uow, kind, event_type, after, action, actor, note, None)
    announce(uow, kind, after, after_step.notices, after["status"])
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
    after = save(uow, kind, {**row, **columns}, step, columns)
    record(
        uow, kind, after, action, row["status"], actor, note, changes, audit={"changes": changes}
    )
    if event_type:
        emit(uow, kind, event_type, after, action, actor, note, None)
    # Re-entering the waiting task arms its timers for the new data, and those already due fire
    # at once; they are announced after the correction that caused them, not dropped.
    announce(uow, kind, after, step.notices, after["status"])
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
    return save(uow, kind, row, step)


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
