"""Moving running instances from one version of a process to another (docs/adding-a-process.md,
"Changing a process while it runs").

A process owner previews a move (which instances would move, which are refused and why) and then
applies it; each instance moves on its own, in the same transaction as its history entry and the
audit: one refused because a step it reached is not in the target version stays where it is.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, select

from services.workflow import case_store, domain, store
from services.workflow.engine import MigrationRefused, StateError
from services.workflow.instances.store import InstanceTable
from shared.db import is_postgres
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

MIGRATE = "migrate"  # the history's action of a move


@dataclass(frozen=True)
class Outcome:
    id: str
    kind: str  # "task" or the case's kind
    status: str
    moved: bool
    reason: str | None = None


def migrate(
    service: WorkflowService,
    uow: UnitOfWork,
    process_id: str,
    from_version: int,
    to_version: int,
    *,
    apply: bool,
    actor: Any,
) -> dict[str, Any]:
    """Preview (`apply` false) or apply the move of the running instances of `process_id` at
    `from_version` onto `to_version`; answers each instance's outcome and the counts."""
    source = service.models.get(uow.conn, process_id, from_version)
    target = service.models.get(uow.conn, process_id, to_version)
    outcomes: list[Outcome] = []
    for table in (store.TASKS, case_store.CASES):
        for row in _running(uow.conn, table, process_id, from_version, lock=apply):
            key = row[table.key]
            kind = row.get("kind") or "task"
            try:
                step = service.engine.migrate(row["state"], source, target)
            except (MigrationRefused, StateError) as exc:
                outcomes.append(Outcome(key, kind, row["status"], False, str(exc)))
                continue
            outcomes.append(Outcome(key, kind, row["status"], True))
            if apply:
                values = {
                    "state": step.state,
                    "process_version": to_version,
                    "next_timer_at": step.next_due,
                    "updated_at": uow.now,
                }
                table.save(uow.conn, key, row["revision"], values)
                note = f"Phiên bản {from_version} → {to_version}"
                entry = {
                    table.key: key,
                    "at": uow.now,
                    "action": MIGRATE,
                    "status_from": row["status"],
                    "status_to": row["status"],
                    "actor": actor,
                    "note": note,
                }
                table.add_history(uow.conn, entry)
    moved = sum(1 for o in outcomes if o.moved)
    if apply:
        uow.audit(
            actor,
            "process_model.instances_migrated",
            "process_model",
            f"{process_id}:{to_version}",
            {"from_version": from_version, "moved": moved, "refused": len(outcomes) - moved},
        )
    return {
        "process_id": process_id,
        "from_version": from_version,
        "to_version": to_version,
        "applied": apply,
        "moved": moved,
        "refused": len(outcomes) - moved,
        "items": [asdict(o) for o in outcomes],
    }


def _running(
    conn: Connection, table: InstanceTable, process_id: str, version: int, *, lock: bool
) -> list[dict[str, Any]]:
    t = table.table
    query = select(t).where(t.c.process_id == process_id, t.c.process_version == version)
    if "closed_at" in t.c:
        query = query.where(t.c.closed_at.is_(None))
    else:
        query = query.where(t.c.status.not_in(sorted(domain.CLOSED)))
    if lock and is_postgres(conn):
        query = query.with_for_update()
    return [dict(row) for row in conn.execute(query.order_by(t.c.created_at)).mappings()]
