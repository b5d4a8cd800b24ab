"""Files sent with a task's progress, results and contributions (Đ6.2a: results are reported
with their documents), and with a case's actions (an information request's answer, Đ9.2).

A party uploads a file first (`POST /api/workflow/tasks/<id>/files`, or
`POST /api/workflow/<kind>/<id>/files`; kept in the file store, shared/files.py) and names it in
the action's `attachments` (a task's: ids; a case's: `{name, file_id}`); the action links it to
the history entry it writes, and the history shows it. Whoever reads the task or case downloads
the files sent; a file not sent yet is its uploader unit's (and the Office's) alone.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Connection,
    Table,
    bindparam,
    cast,
    func,
    insert,
    null,
    select,
    union_all,
    update,
)

from services.workflow import case_store, store
from services.workflow.instances.store import PendingSave
from shared.auth import UNIT_ROLES, Principal
from shared.db import DriverStatement, is_postgres
from shared.errors import Forbidden, NotFound, ValidationFailed
from shared.files import StoredFile
from shared.platform import UnitOfWork

PREFIX = "/api/workflow"
# The task actions that carry files: what a unit reports (Đ6.2a) and a coordinating unit's part
# (Đ8.2b).
ATTACHING_ACTIONS = ("report_progress", "submit_result", "contribute")


@dataclass(frozen=True)
class FileTable:
    """Where one kind of instance keeps its files' rows: the table, its key column, the history
    its actions write, and the entity name its audit records use."""

    table: Table
    key: str
    history: Table
    entity: str


TASK_FILES = FileTable(store.task_files, "task_id", store.task_history, "task")
CASE_FILES = FileTable(case_store.case_files, "case_id", case_store.case_history, "case")


def file_url(task_id: str, file_id: str) -> str:
    return f"{PREFIX}/tasks/{task_id}/files/{file_id}"


def _unit_of(principal: Principal) -> str | None:
    return principal.unit if principal.has_role(*UNIT_ROLES) else None


def require_upload(principal: Principal, task: dict[str, Any]) -> None:
    """The staff of the task's lead and coordinating units send files with their actions; so
    does the Office."""
    if principal.is_office:
        return
    unit = _unit_of(principal)
    if unit is not None and (unit == task["lead_unit"] or unit in task["coordinating_units"]):
        return
    raise Forbidden("Chỉ đơn vị chủ trì, đơn vị phối hợp và Văn phòng gửi tệp cho nhiệm vụ này.")


def add(
    uow: UnitOfWork,
    principal: Principal,
    key: str,
    stored: StoredFile,
    files: FileTable = TASK_FILES,
) -> dict[str, Any]:
    row = {
        "id": uuid.uuid4().hex,
        files.key: key,
        "name": stored.name,
        "size": stored.size,
        "media_type": stored.media_type,
        "sha256": stored.sha256,
        "uploaded_at": uow.now,
        "uploaded_by": principal.to_actor(),
        "unit": principal.unit,
        "history_id": None,
    }
    uow.conn.execute(insert(files.table), row)
    uow.audit(
        principal.to_actor(),
        f"{files.entity}.file_uploaded",
        files.entity,
        key,
        {"file": {k: row[k] for k in ("id", "name", "size", "media_type", "sha256")}},
    )
    return row


def pending(
    conn: Connection,
    principal: Principal,
    key: str,
    ids: list[str],
    files: FileTable = TASK_FILES,
    field: str = "attachments",
) -> list[str]:
    """The files an action names, checked: uploaded to this task or case by the caller's unit
    and not sent yet (422 naming `field` otherwise)."""
    if not ids:
        return []
    wanted = list(dict.fromkeys(ids))
    f = files.table
    rows = {
        row["id"]: dict(row)
        for row in conn.execute(
            select(f).where(f.c[files.key] == key, f.c.id.in_(wanted))
        ).mappings()
    }
    problems: list[str] = []
    for file_id in wanted:
        row = rows.get(file_id)
        if row is None:
            problems.append(f"{file_id}: không phải tệp đã tải lên cho việc này.")
        elif row["history_id"] is not None:
            problems.append(f"{row['name']}: tệp đã được gửi kèm một cập nhật khác.")
        elif row["unit"] != principal.unit:
            problems.append(f"{row['name']}: tệp do đơn vị khác tải lên.")
    if problems:
        raise ValidationFailed("Tệp kèm không hợp lệ.", {field: problems})
    return wanted


def attach(uow: UnitOfWork, key: str, ids: list[str], files: FileTable = TASK_FILES) -> None:
    """Link the files to the newest history entry: the one the action just wrote."""
    if not ids:
        return
    h = files.history
    history_id = uow.conn.execute(
        select(func.max(h.c.id)).where(h.c[files.key] == key)
    ).scalar_one()
    f = files.table
    uow.conn.execute(
        update(f).where(f.c[files.key] == key, f.c.id.in_(ids)).values(history_id=history_id)
    )


def with_attachments(conn: Connection, history: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """A task's history entries, each with the files its action sent (`attachments`)."""
    entries = [dict(entry) for entry in history]
    ids = [entry["id"] for entry in entries if entry.get("id") is not None]
    by_entry: dict[int, list[dict[str, Any]]] = {}
    if ids:
        f = store.task_files
        rows = conn.execute(
            select(f).where(f.c.history_id.in_(ids)).order_by(f.c.uploaded_at, f.c.id)
        ).mappings()
        for row in rows:
            by_entry.setdefault(row["history_id"], []).append(view(dict(row)))
    for entry in entries:
        entry["attachments"] = by_entry.get(entry.get("id") or -1, [])
    return entries


# Built once: SQLAlchemy then reuses its compiled form without rebuilding the statement.
_HISTORY = (
    select(
        store.task_history,
        *(column.label(f"file_{column.name}") for column in store.task_files.c),
    )
    .select_from(
        store.task_history.outerjoin(
            store.task_files, store.task_files.c.history_id == store.task_history.c.id
        )
    )
    .where(store.task_history.c.task_id == bindparam("task_id"))
    .order_by(store.task_history.c.id, store.task_files.c.uploaded_at, store.task_files.c.id)
)


def history(conn: Connection, task_id: str) -> list[dict[str, Any]]:
    """A task's history entries, each with the files its action sent (`attachments`), in one
    statement: what `store.TASKS.history` and `with_attachments` read in two."""
    return _entries(conn.execute(_HISTORY, {"task_id": task_id}))


def history_after(
    conn: Connection, task_id: str, added: list[dict[str, Any]], save: PendingSave | None = None
) -> list[dict[str, Any]]:
    """Save the task's new revision (`save`, when given) and append the entries `added` (of one
    task, none sending files) to its history, then read it as `history` does. One entry on
    PostgreSQL (an action that announced nothing): one statement, whose read of the table does
    not see the row its insert adds, so that row is added to what it read, and whose UPDATE
    of the task's row (locked by the action already) counts the rows it updated; otherwise the
    save, the inserts, in order, then the read."""
    if len(added) != 1 or not is_postgres(conn):
        if save is not None:
            save.run(conn)
        for entry in added:
            conn.execute(insert(store.task_history), entry)
        return history(conn, task_id)
    (entry,) = added
    names = tuple(entry)
    saving = tuple(save.values) if save is not None else None
    statement = _HISTORY_AFTER.get((names, saving))
    if statement is None:
        # At every action: on the driver (shared/db.py, DriverStatement).
        statement = DriverStatement(_history_after(names, saving), conn.dialect)
        _HISTORY_AFTER[(names, saving)] = statement
    params = {f"{_ENTRY}{name}": value for name, value in entry.items()}
    params.update(_task_id=task_id, **(save.params(_SAVE) if save else {}))
    rows = statement.rows(conn, params)
    if save is not None:
        save.done(conn, rows[0][-1])  # each row carries the count of rows the UPDATE wrote
    return _entries(rows)


# Compiled once per set of columns given (one row's VALUES, not a multi-row one, which
# SQLAlchemy compiles afresh at each call).
_HISTORY_AFTER: dict[tuple[tuple[str, ...], tuple[str, ...] | None], DriverStatement] = {}
# The prefixes of the entry's and the save's parameters: an UPDATE given a parameter named as
# one of its table's columns would set that column too.
_ENTRY, _SAVE = "_entry_", "_save_"


def _history_after(names: tuple[str, ...], saving: tuple[str, ...] | None) -> CompoundSelect[Any]:
    h, f = store.task_history, store.task_files
    values = {name: bindparam(f"{_ENTRY}{name}", type_=h.c[name].type) for name in names}
    added = insert(h).values(**values).returning(*h.c).cte("added")
    read = select(h, *(column.label(f"file_{column.name}") for column in f.c)).select_from(
        h.outerjoin(f, f.c.history_id == h.c.id)
    )
    new_entry = select(
        *(added.c[column.name] for column in h.c),
        *(cast(null(), column.type).label(f"file_{column.name}") for column in f.c),
    )
    if saving is not None:
        table = store.TASKS.table
        saved = store.TASKS.saving(saving, _SAVE).returning(table.c.task_id).cte("saved")
        count = select(func.count()).select_from(saved).scalar_subquery().label("_saved")
        read, new_entry = read.add_columns(count), new_entry.add_columns(count)
    return union_all(read.where(h.c.task_id == bindparam("_task_id")), new_entry).order_by(
        "id", "file_uploaded_at", "file_id"
    )


def _entries(rows: Any) -> list[dict[str, Any]]:
    entry_names = [column.name for column in store.task_history.c]
    file_names = [column.name for column in store.task_files.c]
    count = len(entry_names)
    at_id = entry_names.index("id")
    files_end = count + len(file_names)  # a count of rows saved may follow (history_after)
    entries: dict[int, dict[str, Any]] = {}
    for row in rows:
        entry = entries.get(row[at_id])
        if entry is None:
            entry = entries[row[at_id]] = dict(zip(entry_names, row[:count], strict=True))
            entry["attachments"] = []
        if row[count] is not None:  # the file's id: the entry sent files
            entry["attachments"].append(
                view(dict(zip(file_names, row[count:files_end], strict=True)))
            )
    return list(entries.values())


def file_for_reader(
    conn: Connection,
    principal: Principal,
    key: str,
    file_id: str,
    files: FileTable = TASK_FILES,
) -> dict[str, Any]:
    """A file for a caller who reads its task or case (checked before): one sent with an
    action, or one not sent yet to its uploader's unit and the Office."""
    f = files.table
    query = select(f).where(f.c[files.key] == key, f.c.id == file_id)
    row = conn.execute(query).mappings().first()
    if row is None:
        raise NotFound("Không tìm thấy tệp.", file_id=file_id)
    if row["history_id"] is None and not principal.is_office and row["unit"] != principal.unit:
        raise Forbidden("Tệp chưa được gửi kèm cập nhật nào.")
    return dict(row)


def view(row: dict[str, Any], url: str | None = None) -> dict[str, Any]:
    return {
        "id": row["id"],
        "name": row["name"],
        "size": row["size"],
        "media_type": row["media_type"],
        "sha256": row["sha256"],
        "uploaded_at": row["uploaded_at"],
        "unit": row["unit"],
        "url": url or file_url(row["task_id"], row["id"]),
    }
