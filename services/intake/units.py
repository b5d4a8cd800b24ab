"""Unit management by the Office (docs/architecture.md, Units): add, rename, deactivate, merge
into a successor, place under a parent unit (Đ7.2a, Đ8.2c) and record the sectors it manages
(Đ8.2a).

Units are never deleted: tasks, reports and the audit trail keep naming the old codes. A merge
(547 communes became 166 in 2025) deactivates the unit, records its successor and moves its open
work there; every other service learns of it through `unit.updated` and the task events.
"""

from __future__ import annotations

from typing import Any

from services.intake import store, task_changes, unit_store
from services.intake.corrections import require_office
from shared.auth import Principal
from shared.errors import Conflict, NotFound, ValidationFailed
from shared.platform import UnitOfWork
from shared.scoping import ancestors, sector_codes
from shared.text import fold, nfc

UNIT_FIELDS = ("code", "name", "kind", "active", "successor", "parent", "sectors")


def unit_view(unit: dict[str, Any]) -> dict[str, Any]:
    return {
        **{field: unit[field] for field in UNIT_FIELDS if field != "sectors"},
        "sectors": sorted(sector_codes(unit["sectors"])),
    }


def add_unit(uow: UnitOfWork, principal: Principal, body: dict[str, Any]) -> dict[str, Any]:
    require_office(principal)
    code = body["code"]
    if unit_store.unit_by_code(uow.conn, code) is not None:
        raise Conflict(f"Đã có đơn vị mã {code}.", code=code)
    name = nfc(body["name"].strip())
    parent = body.get("parent")
    _check_parent(uow, code, parent)
    unit = {
        "code": code,
        "name": name,
        "kind": body["kind"],
        "active": True,
        "successor": None,
        "parent": parent,
        "sectors": sorted(set(body.get("sectors") or ())),
    }
    unit_store.insert_unit(uow.conn, {**unit, "search_text": fold(f"{code} {name}")})
    uow.audit(principal.to_actor(), "unit.created", "unit", code, unit)
    _publish(uow, unit)
    return unit


def change_unit(
    uow: UnitOfWork, principal: Principal, code: str, body: dict[str, Any]
) -> dict[str, Any]:
    """Rename, (de)activate, place under a parent unit or record the sectors it manages.
    Deactivating moves no task: a merge is what hands work over."""
    require_office(principal)
    unit = unit_view(_unit(uow, code))
    if body.get("active") and unit["successor"]:
        raise Conflict(
            f"Đơn vị đã sáp nhập vào {unit['successor']}, không thể hoạt động trở lại.", code=code
        )
    after = dict(unit)
    if "name" in body:
        after["name"] = nfc(body["name"].strip())
    if "active" in body:
        after["active"] = body["active"]
    if "parent" in body:
        _check_parent(uow, code, body["parent"])
        after["parent"] = body["parent"]
    if "sectors" in body:
        after["sectors"] = sorted(set(body["sectors"] or ()))
    fields = ("name", "active", "parent", "sectors")
    changes = {f: [unit[f], after[f]] for f in fields if unit[f] != after[f]}
    if not changes:
        return unit
    unit_store.update_unit(
        uow.conn,
        code,
        {
            **{f: after[f] for f in fields},
            "search_text": fold(f"{code} {after['name']}"),
        },
    )
    uow.audit(principal.to_actor(), "unit.updated", "unit", code, {"changes": changes})
    _publish(uow, after)
    return unit_view(after)


def merge_unit(
    uow: UnitOfWork, principal: Principal, code: str, body: dict[str, Any]
) -> dict[str, Any]:
    """The unit stops, its successor takes over every open task it leads or coordinates.

    Tasks of unreleased documents change in intake's rows only; released ones are published
    task by task (`task.amended` before `task.transferred`, so that a lead unit is never also a
    coordinating one on the workflow side)."""
    require_office(principal)
    unit = _unit(uow, code)
    successor_code = body["successor"]
    if successor_code == code:
        raise ValidationFailed(
            "Không thể sáp nhập đơn vị vào chính nó.",
            {"successor": ["Đơn vị kế thừa phải khác đơn vị bị sáp nhập."]},
        )
    if not unit["active"]:
        raise Conflict("Đơn vị đã ngừng hoạt động hoặc đã được sáp nhập.", code=code)
    successor = unit_store.unit_by_code(uow.conn, successor_code)
    if successor is None or not successor["active"]:
        raise ValidationFailed(
            "Đơn vị kế thừa không hợp lệ.",
            {"successor": [f"Không có đơn vị đang hoạt động mã {successor_code}."]},
        )
    unit_store.update_unit(uow.conn, code, {"active": False, "successor": successor_code})
    actor = principal.to_actor()
    reason = f"Sáp nhập đơn vị {unit['name']} ({code}) vào {successor['name']} ({successor_code})."
    transferred: list[str] = []
    amended: list[str] = []
    for task in store.active_tasks_involving(uow.conn, code):
        lead_after = successor_code if task["lead_unit"] == code else task["lead_unit"]
        coordinating = _rewritten(task["coordinating_units"], code, successor_code, lead_after)
        if coordinating != task["coordinating_units"]:
            changes = {"coordinating_units": [task["coordinating_units"], coordinating]}
            task = task_changes.apply_amendment(uow, actor, task, changes)
            amended.append(task["id"])
        if task["lead_unit"] == code:
            task = task_changes.apply_transfer(uow, actor, task, successor_code, reason)
            transferred.append(task["id"])
    merged = {**unit, "active": False, "successor": successor_code}
    uow.audit(
        actor,
        "unit.merged",
        "unit",
        code,
        {
            "active": [True, False],
            "successor": [unit["successor"], successor_code],
            "transferred_tasks": transferred,
            "amended_tasks": amended,
        },
    )
    _publish(uow, merged)
    return {"unit": unit_view(merged), "transferred_tasks": transferred, "amended_tasks": amended}


def _rewritten(units: list[str], old: str, new: str, lead: str) -> list[str]:
    """`units` with `old` replaced by `new`, once, and never the lead unit itself."""
    replaced = [new if unit == old else unit for unit in units]
    return [unit for unit in dict.fromkeys(replaced) if unit != lead]


def _check_parent(uow: UnitOfWork, code: str, parent: str | None) -> None:
    """422 unless `parent` is None or an active unit that is neither the unit nor under it
    (Đ7.2a, Đ8.2c: a department's sub-units, a commune's offices)."""
    if parent is None:
        return
    found = unit_store.unit_by_code(uow.conn, parent)
    if found is None or not found["active"]:
        problem = f"Không có đơn vị đang hoạt động mã {parent}."
    elif parent == code or code in ancestors(parent, unit_store.unit_parents(uow.conn)):
        problem = "Đơn vị cấp trên không thể là chính đơn vị hoặc một đơn vị cấp dưới của nó."
    else:
        return
    raise ValidationFailed("Đơn vị cấp trên không hợp lệ.", {"parent": [problem]})


def _unit(uow: UnitOfWork, code: str) -> dict[str, Any]:
    unit = unit_store.unit_by_code(uow.conn, code, lock=True)
    if unit is None:
        raise NotFound("Không tìm thấy đơn vị.", code=code)
    return unit


def _publish(uow: UnitOfWork, unit: dict[str, Any]) -> None:
    uow.emit("unit.updated", unit_view(unit), subject=unit["code"])
