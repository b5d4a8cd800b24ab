"""The task list's queries: which tasks a caller sees (scope), its filters as SQL conditions,
one page of tasks, their total and the totals of several queues at once."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, and_, case, false, func, not_, or_, select, true

from services.workflow.store import task_instances, task_units


def list_instances(
    conn: Connection,
    *,
    units: frozenset[str] | None,
    unit: str | None,
    status: str | None,
    overdue: bool | None,
    today: Any,
    q: str | None,
    limit: int,
    offset: int,
    progress_due: bool | None = None,
    extension_pending: bool | None = None,
    order: str | None = None,
    led_by: Any = None,
    assigned: tuple[str | None, Any, Any] = (None, None, None),
    sectors: frozenset[str] = frozenset(),
    sector: str | None = None,
) -> tuple[list[dict[str, Any]], int]:
    """Tasks, scoped to those `units` take part in (None: all) and, with `led_by` (a query of
    unit codes), also to those these units lead (an inspector's inspected units, Đ11), and to
    those in `sectors` (a department's, Đ8.2a); `sector` filters by one sector."""
    filters: dict[str, Any] = {
        "unit": unit,
        "status": status,
        "overdue": overdue,
        "q": q,
        "progress_due": progress_due,
        "extension_pending": extension_pending,
        "assigned": assigned,
        "sector": sector,
    }
    query = select(task_instances.c.task_id).where(
        *scope_conditions(units, led_by, sectors, unit=unit),
        *instance_conditions(today=today, **filters),
    )
    total = conn.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    items = page_instances(
        conn,
        units=units,
        led_by=led_by,
        sectors=sectors,
        today=today,
        limit=limit,
        offset=offset,
        order=order,
        **filters,
    )
    return items, total


def page_instances(
    conn: Connection,
    *,
    units: frozenset[str] | None,
    today: Any,
    limit: int,
    offset: int = 0,
    order: str | None = None,
    led_by: Any = None,
    sectors: frozenset[str] = frozenset(),
    **filters: Any,
) -> list[dict[str, Any]]:
    """One page of list_instances's tasks, without their total."""
    columns = [c for c in task_instances.c if c.name != "state"]
    query = select(*columns).where(
        *scope_conditions(units, led_by, sectors, unit=filters.get("unit")),
        *instance_conditions(today=today, **filters),
    )
    ordering = (
        (task_instances.c.submitted_at.asc(), task_instances.c.task_id)
        if order == "submitted"
        else (task_instances.c.created_at.desc(), task_instances.c.task_id)
    )
    rows = conn.execute(query.order_by(*ordering).limit(limit).offset(offset)).mappings()
    return [dict(row) for row in rows]


def count_instances(
    conn: Connection,
    filters: dict[str, dict[str, Any]],
    *,
    units: frozenset[str] | None,
    today: Any,
    led_by: Any = None,
    sectors: frozenset[str] = frozenset(),
) -> dict[str, int]:
    """How many tasks list_instances would total under each of `filters` (name -> its filter
    arguments), in one statement. The filters every queue shares (a unit's queues: the unit) are
    conditions of the statement, once, rather than of each queue's sum."""
    if not filters:
        return {}
    shared = _shared_filters(list(filters.values()))
    each = {
        name: and_(
            true(),
            *instance_conditions(today=today, **{k: v for k, v in f.items() if k not in shared}),
        )
        for name, f in filters.items()
    }
    counts = [
        func.coalesce(func.sum(case((condition, 1), else_=0)), 0).label(name)
        for name, condition in each.items()
    ]
    # Only the rows of some queue are read (through their indexes where the database can).
    row = conn.execute(
        select(*counts)
        .select_from(task_instances)
        .where(
            *scope_conditions(units, led_by, sectors, unit=shared.get("unit")),
            *instance_conditions(today=today, **shared),
            or_(*each.values()),
        )
    ).one()
    return {name: int(row._mapping[name]) for name in filters}


def _shared_filters(filters: list[dict[str, Any]]) -> dict[str, Any]:
    """The filter arguments (but the order, which is no condition) that all `filters` give alike."""
    first, *others = filters
    return {
        key: value
        for key, value in first.items()
        if key != "order" and all(key in f and f[key] == value for f in others)
    }


def scope_conditions(
    units: frozenset[str] | None,
    led_by: Any = None,
    sectors: frozenset[str] = frozenset(),
    *,
    unit: str | None = None,
) -> list[Any]:
    """The tasks `units` take part in (None: all), with `led_by` also those these units lead
    (Đ11), and with `sectors` also those of these sectors (a department's, Đ8.2a). None when the
    `unit` filter is one of `units`: the tasks it takes part in are within the scope already,
    and the statement reads the unit's tasks once rather than twice."""
    if units is None or (unit and unit in units):
        return []
    scope = involving(units)
    if led_by is not None:
        scope = or_(scope, task_instances.c.lead_unit.in_(led_by))
    if sectors:
        scope = or_(scope, task_instances.c.sector.in_(sorted(sectors)))
    return [scope]


def instance_conditions(
    *,
    today: Any,
    unit: str | None = None,
    status: str | None = None,
    overdue: bool | None = None,
    q: str | None = None,
    progress_due: bool | None = None,
    extension_pending: bool | None = None,
    assigned: tuple[str | None, Any, Any] = (None, None, None),
    sector: str | None = None,
    order: str | None = None,  # not a condition: how list_instances sorts
) -> list[Any]:
    """The conditions of list_instances's filters."""
    t = task_instances.c
    conditions: list[Any] = []
    if sector:
        conditions.append(t.sector == sector)
    if unit:
        conditions.append(involving(frozenset({unit})))
    if status:
        conditions.append(t.status == status)
    if overdue is not None:
        late = late_condition(today)
        conditions.append(late if overdue else or_(t.due_on.is_(None), not_(late)))
    if progress_due is not None:
        conditions.append(t.progress_due.is_(progress_due))
    if extension_pending is not None:
        conditions.append(t.extension_pending.is_(extension_pending))
    assigned_by, assigned_from, assigned_to = assigned
    if assigned_by:
        conditions.append(t.assigned_by == assigned_by)
    if assigned_from:
        conditions.append(t.assigned_on >= assigned_from)
    if assigned_to:
        conditions.append(t.assigned_on <= assigned_to)
    if q:
        # `%` and `_` in what people type are letters, not wildcards.
        conditions.append(t.search_text.contains(q, autoescape=True))
    return conditions


def late_condition(today: Any) -> Any:
    """The rule of domain.is_overdue in SQL, so that totals and pages agree: past the due date
    and not finished, unless the unit submitted its result by the due date and it waits for the
    Office (Đ5.2b, Đ6.2a)."""
    t = task_instances.c
    submitted_in_time = and_(t.status == "submitted", t.submitted_on <= t.due_on)
    return and_(
        t.due_on < today, t.status.not_in(("completed", "withdrawn")), not_(submitted_in_time)
    )


def involving(units: frozenset[str]) -> Any:
    """Tasks that any of `units` leads or coordinates, through `task_units`: exact by
    construction (a code is compared whole, never as a pattern)."""
    if not units:
        return false()
    taking_part = select(task_units.c.task_id).where(task_units.c.unit.in_(sorted(units)))
    return task_instances.c.task_id.in_(taking_part)
