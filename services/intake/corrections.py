"""Corrections by the Office (Đ5.2a): add a missing task, amend, transfer or withdraw one.

A unit that finds its task missing, wrong or not its own tells the Office, which corrects it here.
Before the document is released nothing about its tasks has left intake, so a correction changes
only intake's rows and the audit trail. After release each correction is also published, so that
the workflow side follows; the task keeps its id throughout.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from services.intake import domain, store, task_changes, task_store, unit_store
from shared import dates
from shared.auth import LEADER, QLVB, Principal, require_unit_access
from shared.calendar import WorkingCalendar
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed
from shared.platform import UnitOfWork
from shared.text import nfc

TASK_STATUSES = {"active": "Đang theo dõi", "withdrawn": "Đã thu hồi"}
# Đ8.2a: the Office also sets or changes a task's sector after intake.
AMENDABLE = ("content", "due_on", "cadence", "coordinating_units", "sector")


def require_office(principal: Principal) -> None:
    if not principal.is_office:
        raise Forbidden("Chỉ Văn phòng UBND tỉnh được điều chỉnh nhiệm vụ và danh mục đơn vị.")


def read_task(conn: Any, principal: Principal, task_id: str) -> dict[str, Any]:
    """The task for a reader: the Office, leaders, the document system, its own units, the units
    it was handed on to, the units above them and the departments managing its sector (Đ7.2a,
    Đ8.2a, Đ8.2c)."""
    task = store.task_by_id(conn, task_id)
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.", task_id=task_id)
    if not principal.has_role(QLVB, LEADER):
        require_unit_access(
            principal,
            task["lead_unit"],
            task["coordinating_units"],
            sector=task.get("sector"),
            handed_units=task_store.handed_units_of(conn, task_id),
        )
    return task


def add_task(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    principal: Principal,
    document_id: str,
    body: dict[str, Any],
    *,
    max_due_years: int = dates.DEFAULT_MAX_DUE_YEARS,
) -> dict[str, Any]:
    require_office(principal)
    document = store.document_by_id(uow.conn, document_id)
    if document is None:
        raise NotFound("Không tìm thấy văn bản.", document_id=document_id)
    errors = {
        **_unknown_units(uow, "lead_unit", [body["lead_unit"]]),
        **_unknown_units(uow, "coordinating_units", body["coordinating_units"]),
    }
    if errors:
        raise ValidationFailed("Có mã đơn vị không tồn tại hoặc đã ngừng hoạt động.", errors)
    _check_due_on(body["due_on"], document["issued_on"], max_due_years)
    task_id = uuid.uuid4().hex
    store.insert_task(
        uow.conn,
        {
            "id": task_id,
            "document_id": document_id,
            "position": store.next_task_position(uow.conn, document_id),
            "content": nfc(body["content"]),
            "lead_unit": body["lead_unit"],
            "coordinating_units": list(body["coordinating_units"]),
            "due_on": body["due_on"],
            "cadence": body["cadence"],
            "sector": body.get("sector"),
            "status": "active",
            "updated_at": uow.now,
        },
    )
    task = task_changes.reload(uow, task_id)
    changes = {"document_id": document_id, **{f: task[f] for f in ("lead_unit", *AMENDABLE)}}
    uow.audit(principal.to_actor(), "task.added", "task", task_id, changes)
    if document["status"] == "released":
        # Joining a released document means being assigned now, exactly as at release.
        uow.emit(
            "task.released", task_changes.release_payload(document, task, uow.now), subject=task_id
        )
    else:
        _refresh_deadline(uow, calendar, principal, document_id)
    return task


def amend_task(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    principal: Principal,
    task_id: str,
    body: dict[str, Any],
    *,
    max_due_years: int = dates.DEFAULT_MAX_DUE_YEARS,
) -> dict[str, Any]:
    require_office(principal)
    task = _open_task(uow, task_id)
    after = {field: task[field] for field in AMENDABLE}
    after.update(body)
    if "content" in body:
        after["content"] = nfc(body["content"])
    if body.get("due_on") is not None and "cadence" not in body:
        # Giving an undated task a deadline ends its periodic reporting (Đ4, Đ6.2b).
        after["cadence"] = None
    _check_schedule(after["due_on"], after["cadence"])
    if "due_on" in body:  # a due date left as it was is not judged again
        _check_due_on(body["due_on"], task["document_issued_on"], max_due_years)
    added = [c for c in after["coordinating_units"] if c not in task["coordinating_units"]]
    errors = _unknown_units(uow, "coordinating_units", added)
    if task["lead_unit"] in after["coordinating_units"]:
        errors["coordinating_units"] = ["Đơn vị chủ trì không đồng thời là đơn vị phối hợp."]
    if errors:
        raise ValidationFailed("Đơn vị phối hợp không hợp lệ.", errors)
    changes = {f: [task[f], after[f]] for f in AMENDABLE if task[f] != after[f]}
    if not changes:
        return task
    task = task_changes.apply_amendment(uow, principal.to_actor(), task, changes)
    if "coordinating_units" in changes and task["document_status"] != "released":
        _refresh_deadline(uow, calendar, principal, task["document_id"])
    return task


def transfer_task(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    principal: Principal,
    task_id: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    require_office(principal)
    task = _open_task(uow, task_id)
    to_unit = body["lead_unit"]
    if to_unit == task["lead_unit"]:
        raise Conflict("Nhiệm vụ đang do chính đơn vị này chủ trì.", task_id=task_id)
    errors = _unknown_units(uow, "lead_unit", [to_unit])
    if not errors and to_unit in task["coordinating_units"]:
        errors["lead_unit"] = [
            "Đơn vị này đang phối hợp thực hiện nhiệm vụ; điều chỉnh đơn vị phối hợp trước."
        ]
    if errors:
        raise ValidationFailed("Đơn vị chủ trì mới không hợp lệ.", errors)
    task = task_changes.apply_transfer(
        uow, principal.to_actor(), task, to_unit, nfc(body["reason"])
    )
    if task["document_status"] != "released":
        _refresh_deadline(uow, calendar, principal, task["document_id"])
    return task


def withdraw_task(
    uow: UnitOfWork,
    calendar: WorkingCalendar,
    principal: Principal,
    task_id: str,
    body: dict[str, Any],
) -> dict[str, Any]:
    require_office(principal)
    task = _open_task(uow, task_id)
    reason = nfc(body["reason"])
    store.update_task(uow.conn, task_id, {"status": "withdrawn", "updated_at": uow.now})
    uow.audit(
        principal.to_actor(),
        "task.withdrawn",
        "task",
        task_id,
        {"status": ["active", "withdrawn"], "reason": reason},
    )
    if task["document_status"] == "released":
        uow.emit(
            "task.withdrawn_by_office",
            {
                "task_id": task_id,
                "document_id": task["document_id"],
                "reason": reason,
                "withdrawn_at": uow.now,
                "actor": principal.to_actor(),
            },
            subject=task_id,
        )
    else:
        _refresh_deadline(uow, calendar, principal, task["document_id"])
    return task_changes.reload(uow, task_id)


# -- helpers -------------------------------------------------------------------------------------
def _open_task(uow: UnitOfWork, task_id: str) -> dict[str, Any]:
    task = store.task_by_id(uow.conn, task_id, lock=True)
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.", task_id=task_id)
    if task["status"] == "withdrawn":
        raise Conflict("Nhiệm vụ đã bị thu hồi, không thể điều chỉnh.", task_id=task_id)
    return task


def _unknown_units(uow: UnitOfWork, field: str, codes: Iterable[str]) -> dict[str, list[str]]:
    wanted = list(dict.fromkeys(codes))
    known = unit_store.known_units(uow.conn, wanted)
    unknown = [c for c in wanted if c not in known]
    if not unknown:
        return {}
    return {field: [f"Không có đơn vị đang hoạt động mã {', '.join(unknown)}."]}


def _check_due_on(due_on: Any, issued_on: Any, max_due_years: int) -> None:
    """Not before the issue date, at most MAX_DUE_YEARS after it (README "Dates people enter")."""
    problem = None if due_on is None else dates.due_date_problem(due_on, issued_on, max_due_years)
    if problem:
        raise ValidationFailed("Hạn xử lý không hợp lệ.", {"due_on": [problem]})


def _check_schedule(due_on: Any, cadence: str | None) -> None:
    if due_on is not None and cadence:
        raise ValidationFailed(
            "Kỳ báo cáo không hợp lệ.", {"cadence": ["Nhiệm vụ có thời hạn không có kỳ báo cáo."]}
        )
    if due_on is None and not cadence:
        raise ValidationFailed(
            "Kỳ báo cáo không hợp lệ.",
            {"cadence": ["Nhiệm vụ không có thời hạn phải có kỳ báo cáo (Đ6.2b)."]},
        )


def _refresh_deadline(
    uow: UnitOfWork, calendar: WorkingCalendar, principal: Principal, document_id: str
) -> None:
    """Re-derive an unreleased document's Đ6.1 deadline from its live tasks.

    The Office entering the tasks of a document that arrived without them is what makes it a
    "several tasks for several units" document (Đ6.1c)."""
    document = store.document_by_id(uow.conn, document_id)
    assert document is not None
    live = [t for t in document["tasks"] if t["status"] != "withdrawn"]
    deadline = domain.intake_deadline(
        calendar,
        document["issued_on"],
        document["urgency"],
        [(t["lead_unit"], *t["coordinating_units"]) for t in live],
    )
    if deadline == document["intake_deadline"]:
        return
    store.set_intake_deadline(uow.conn, document_id, deadline)
    uow.audit(
        principal.to_actor(),
        "document.amended",
        "document",
        document_id,
        {"intake_deadline": [document["intake_deadline"], deadline]},
    )
