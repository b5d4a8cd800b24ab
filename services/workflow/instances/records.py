"""What each change of an instance writes, in the caller's transaction: the row's new state with
its projection, the history entry, the audit record, and the events in the outbox (the action's
and those the diagram announced)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from services.workflow.engine import Step
from services.workflow.instances.kind import Kind
from services.workflow.instances.store import PendingSave
from shared.platform import UnitOfWork


def save(
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
    saving = PendingSave(kind.table, row[kind.table.key], row["revision"], values)
    if pending is None:
        saving.run(uow.conn)
    else:
        pending.append(saving)
    return {**row, **values, "revision": row["revision"] + 1}


def history_entry(
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


def record(
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
    add_history(
        uow,
        kind,
        history_entry(kind, row, uow.now, action, status_from, actor, note, details),
        later,
        kept,
    )
    uow.audit(
        actor,
        f"{kind.name}.{action}",
        kind.name,
        row[kind.table.key],
        audit if audit is not None else audit_details(status_from, row, note),
    )


def audit_details(
    status_from: str | None, row: Mapping[str, Any], note: str | None
) -> dict[str, Any]:
    return {"status": [status_from, row["status"]], "note": note}


def add_history(
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


def announce(
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
        entry = history_entry(kind, row, uow.now, action, status_from, None, None, None)
        add_history(uow, kind, entry, later, kept)
        details = {"status": [status_from, row["status"]]}
        uow.audit(None, notice, kind.name, row[kind.table.key], details)
        emit(uow, kind, notice, row, action, None, None, None)


def emit(
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
