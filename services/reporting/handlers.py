"""Reporting's event handlers: keep one row of facts per task, learn unit names and the Office's
intake timeliness. Everything here is built from events only, so it can be rebuilt by replay:
the consumer's handlers (`EVENT_HANDLERS`) also append each event to `event_log`, in the same
transaction as its inbox entry and its effect; `rebuild` replays that log through
`READ_MODEL_HANDLERS`, the same handlers without the append."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import orjson
from sqlalchemy import insert

from services.reporting import annual_facts, evaluations, lookups, store, writes
from shared.applier import BatchedHandler, batched
from shared.calendar import local_date
from shared.db import UtcDateTime, is_postgres
from shared.event_schemas import UNIT_REPORT_EVENT_TYPES
from shared.events import TASK_EVENT_TYPES, Event, encode
from shared.platform import UnitOfWork
from shared.topology import INFO_REQUEST_EVENT_TYPES


def on_unit_updated(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    writes.upsert(
        uow.conn,
        store.units,
        "code",
        {
            "code": data["code"],
            "name": data["name"],
            "kind": data["kind"],
            "active": data["active"],
            "parent": data.get("parent"),
            "sectors": list(data.get("sectors") or ()),
        },
    )


def on_document_released(uow: UnitOfWork, event: Event) -> None:
    data = event.data
    writes.upsert(
        uow.conn,
        store.document_intake,
        "document_id",
        {
            "document_id": data["document_id"],
            "number": data["number"],
            "issued_on": data["issued_on"],
            "intake_deadline": data["intake_deadline"],
            "released_at": data["released_at"],
            "released_late": data["released_late"],
            # Older events carry no signer: their Vice-Chairman's tasks stay under pho_chu_tich.
            "signer_name": data.get("signer_name"),
            "signer_position": data.get("signer_position"),
        },
    )


def on_task_events(uow: UnitOfWork, events: list[Event]) -> None:
    """Task events in order: the facts they touch read in one statement, changed in memory one
    event after the other as one event at a time would change them, and written in one."""
    current = lookups.facts(uow.conn, sorted({event.data["task_id"] for event in events}))
    changed: dict[str, dict[str, Any]] = {}
    for event in events:
        data = event.data
        _record_submission(uow, event.type, data)
        existing = current.get(data["task_id"])
        if existing is not None and existing["updated_at"] > data["occurred_at"]:
            values = _late_arrival(event.type, data, existing)
            if not values:
                continue
            row = {**existing, **values}
        else:
            row = _fact(event.type, data, existing)
        current[data["task_id"]] = changed[data["task_id"]] = row
    # Every row has every column (`_fact`'s, or one read back): one statement writes them all.
    writes.upsert_many(uow.conn, store.task_facts, "task_id", list(changed.values()))


on_task_event = batched(on_task_events)


def _late_arrival(
    event_type: str, data: dict[str, Any], existing: dict[str, Any]
) -> dict[str, Any]:
    """An older event arriving late must not undo a newer state, but what it reports still
    happened: a rework counts (those counts only ever grow), and a submission older events
    did not carry becomes the completion of a task already confirmed. The columns it changes."""
    values: dict[str, Any] = {}
    if event_type == "task.rework_requested":
        values = {
            "rework_count": existing["rework_count"] + 1,
            "late_rework": existing["late_rework"] or _late(data),
        }
    elif event_type == "task.result_submitted":
        at = data["occurred_at"]
        if existing["submitted_at"] is None or existing["submitted_at"] < at:
            values = {"submitted_at": at, "submitted_on": local_date(at)}
            if existing["status"] == "completed" and (
                existing["confirmed_at"] is None or at <= existing["confirmed_at"]
            ):
                values.update(completed_at=at, completed_on=local_date(at))
    return values


def _record_submission(uow: UnitOfWork, event_type: str, data: dict[str, Any]) -> None:
    """The Office's confirmation lag: each submission, then the decision taken on it."""
    if event_type == "task.result_submitted":
        writes.insert_submission(uow.conn, data["task_id"], data["occurred_at"], data["lead_unit"])
        return
    decision = DECISIONS.get(event_type)
    if decision is not None:
        writes.decide_submission(uow.conn, data["task_id"], data["occurred_at"], decision)


# The Office's decisions on a submitted result; a withdrawal ends the wait without one.
DECISIONS = {
    "task.completed": "confirmed",
    "task.rework_requested": "rework",
    "task.withdrawn": "withdrawn",
}


def _late(data: dict[str, Any]) -> bool:
    """Rework on a task already past its due date (Đ5.2b)."""
    due = data["due_on"]
    return bool(data["overdue"]) or (due is not None and local_date(data["occurred_at"]) > due)


def _submitted_at(event_type: str, data: dict[str, Any], existing: dict[str, Any] | None) -> Any:
    """The unit's latest submission: carried by newer events; for older ones, the time of the
    latest task.result_submitted."""
    if data.get("submitted_at") is not None:
        return data["submitted_at"]
    if event_type == "task.result_submitted":
        return data["occurred_at"]
    return existing["submitted_at"] if existing else None


def _fact(event_type: str, data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    completed = data["status"] == "completed"
    rework = event_type == "task.rework_requested"
    late_rework = bool(existing and existing["late_rework"]) or (rework and _late(data))
    reworks = (existing["rework_count"] if existing else 0) + (1 if rework else 0)
    submitted_at = _submitted_at(event_type, data, existing)
    # Đ5.2b: a confirmed task was completed when its unit submitted the result the Office
    # confirmed (the last submission before the confirmation), not when the Office confirmed.
    completed_at = (submitted_at or data["occurred_at"]) if completed else None
    return {
        "task_id": data["task_id"],
        "document_id": data["document_id"],
        # A transfer keeps the task id and arrives with the new lead unit: the task counts for
        # the unit that leads it now, in every period, the past ones included.
        "lead_unit": data["lead_unit"],
        "assigned_by": data["assigned_by"],
        "assigned_on": data["assigned_on"],
        "due_on": data["due_on"],
        "status": data["status"],
        "completed_at": completed_at,
        "completed_on": local_date(completed_at) if completed_at else None,
        "confirmed_at": data["occurred_at"] if completed else None,
        "submitted_at": submitted_at,
        "submitted_on": local_date(submitted_at) if submitted_at else None,
        "content": data.get("content") or (existing["content"] if existing else None),
        "late_rework": late_rework,
        "rework_count": reworks,
        "withdrawn_at": data["occurred_at"] if data["status"] == "withdrawn" else None,
        "updated_at": data["occurred_at"],
        **_officer(data, existing),
        "sector": data.get("sector"),  # Đ8.2a
    }


def _officer(data: dict[str, Any], existing: dict[str, Any] | None) -> dict[str, Any]:
    """Đ21: the officer the event names; events without one (older ones, or before the unit's
    head named one) keep what was known."""
    officer = data.get("officer")
    if officer:
        return {"officer_sub": officer["sub"], "officer_name": officer.get("name")}
    if existing:
        return {"officer_sub": existing["officer_sub"], "officer_name": existing["officer_name"]}
    return {"officer_sub": None, "officer_name": None}


def on_info_request_event(uow: UnitOfWork, event: Event) -> None:
    """Đ8.1d, Đ9.2: a request to one unit, its latest round. An answer is late when given after
    the due date it answered; the Office's request for more starts a new round, with its date."""
    data = event.data
    existing = lookups.info_request_fact(uow.conn, data["case_id"])
    if existing is not None and existing["updated_at"] > data["occurred_at"]:
        return  # an older event arriving late must not undo a newer state
    day = local_date(data["occurred_at"])
    answered_on = existing["answered_on"] if existing else None
    if event.type == "info_request.answered":
        answered_on = day
    elif event.type == "info_request.more_requested":
        answered_on = None
    due = data["due_on"]
    row = {
        "case_id": data["case_id"],
        "unit": (data["parties"].get("asked") or data["units"] or [""])[0],
        "opened_on": existing["opened_on"] if existing else day,
        "due_on": due,
        "answered_on": answered_on,
        "answered_late": answered_on is not None and due is not None and answered_on > due,
        "closed_at": data["occurred_at"] if event.type == "info_request.closed" else None,
        "updated_at": data["occurred_at"],
    }
    writes.upsert(uow.conn, store.info_request_facts, "case_id", row)


def on_unit_report_event(uow: UnitOfWork, event: Event) -> None:
    """Đ18.1: a unit's report for a period (the case's group, `d18-<period>`). Its first
    submission decides whether it came late (the workflow's diagram says so in the status);
    the Office's returns and acceptance follow."""
    data = event.data
    existing = lookups.unit_report_fact(uow.conn, data["case_id"])
    if existing is not None and existing["updated_at"] > data["occurred_at"]:
        return  # an older event arriving late must not undo a newer state
    submitted = event.type == "unit_report.submitted"
    if existing is None and not submitted:
        return  # a return or acceptance always follows a submission the log holds
    returned = event.type == "unit_report.returned"
    row = {
        "case_id": data["case_id"],
        "period": (data["group_id"] or "").removeprefix("d18-"),
        "unit": (data["parties"].get("reporter") or data["units"] or [""])[0],
        "status": data["status"],
        "first_submitted_at": existing["first_submitted_at"] if existing else data["occurred_at"],
        "late": existing["late"] if existing else data["status"] == "submitted_late",
        "returns": (existing["returns"] if existing else 0) + (1 if returned else 0),
        "accepted_at": data["occurred_at"] if event.type == "unit_report.accepted" else None,
        "updated_at": data["occurred_at"],
    }
    writes.upsert(uow.conn, store.unit_report_facts, "case_id", row)


# The Office's assessment sections (services/workflow/kinds/office_reports.py), in order.
EVALUATION_SECTIONS = ("progress", "quality", "effectiveness", "difficulties", "proposals")


def on_office_report_submitted(uow: UnitOfWork, event: Event) -> None:
    """Đ16.2, Đ18.2: the Office submitted its evaluation to its leader; keep this submission's
    text (a later one, after a return, replaces it). Approval and publication change nothing in
    it, so the last submission is the version the leader approved."""
    row = evaluations.submission(event, EVALUATION_SECTIONS)
    row["period"] = (event.data["group_id"] or "").removeprefix("d18-")
    writes.upsert(uow.conn, store.office_evaluations, "case_id", row)


def on_office_report_published(uow: UnitOfWork, event: Event) -> None:
    """Đ16.2: the approved evaluation is published: it goes with its stored report on the public
    page, and the report is published if it was not yet."""
    evaluations.publish(uow, event, store.office_evaluations)


Handler = Callable[[UnitOfWork, Event], None]

READ_MODEL_HANDLERS: dict[str, Handler] = {
    "unit.updated": on_unit_updated,
    "document.released": on_document_released,
    **{event_type: on_task_event for event_type in TASK_EVENT_TYPES},
    **{event_type: on_info_request_event for event_type in INFO_REQUEST_EVENT_TYPES},
    **{event_type: on_unit_report_event for event_type in UNIT_REPORT_EVENT_TYPES},
    "office_report.submitted": on_office_report_submitted,
    "office_report.published": on_office_report_published,
    **annual_facts.HANDLERS,  # inspections, plans, feedback, the annual report (Đ20.1)
}


_APPEND = insert(store.event_log)  # built once: one per batch
# On PostgreSQL one INSERT of the batch's rows given as one JSON text, in their order (`seq`):
# psycopg's executemany sends a statement per row, and a text array of the bodies would be
# escaped by the driver character by character in Python.
_APPEND_PG = (
    f"INSERT INTO {store.event_log.name} (event_id, event_type, event_time, body, received_at) "
    "SELECT f.event_id, f.event_type, f.event_time, f.body, %(now)s "
    "FROM ROWS FROM (json_to_recordset(CAST(%(rows)s AS json)) "
    "AS (event_id text, event_type text, event_time timestamptz, body text)) WITH ORDINALITY "
    "AS f(event_id, event_type, event_time, body, n) ORDER BY f.n"
)
_UTC = UtcDateTime()


def append_to_log(uow: UnitOfWork, events: list[Event]) -> None:
    """Keep the events as received; a rebuild replays the log in this (arrival) order."""
    conn = uow.conn
    if is_postgres(conn):
        rows = [
            {
                "event_id": event.id,
                "event_type": event.type,
                # Validated aware (the envelope's AwareDateTime), as UtcDateTime would insist.
                "event_time": _UTC.process_bind_param(event.time, conn.dialect),
                "body": encode(event.raw),
            }
            for event in events
        ]
        now = _UTC.process_bind_param(uow.now, conn.dialect)
        conn.exec_driver_sql(_APPEND_PG, {"now": now, "rows": orjson.dumps(rows).decode()})
        return
    uow.conn.execute(
        _APPEND,
        [
            {
                "event_id": event.id,
                "event_type": event.type,
                "event_time": event.time,
                "body": encode(event.raw),
                "received_at": uow.now,
            }
            for event in events
        ],
    )


def logged(handlers: Mapping[str, Handler]) -> dict[str, Handler]:
    """The same handlers, each first appending its events to the log (one transaction). A run
    of events of one handler is logged in one statement, then applied (`batched`)."""
    wrapped: dict[int, BatchedHandler] = {}

    def wrap(handler: Handler) -> BatchedHandler:
        many = handler.apply_many if isinstance(handler, BatchedHandler) else None

        def apply_and_log(uow: UnitOfWork, events: list[Event]) -> None:
            # The log first: on PostgreSQL its lock is the gate a rebuild closes (see rebuild).
            append_to_log(uow, events)
            if many is not None:
                many(uow, events)
            else:
                for event in events:
                    handler(uow, event)

        return batched(apply_and_log)

    for handler in handlers.values():
        if id(handler) not in wrapped:
            wrapped[id(handler)] = wrap(handler)
    return {event_type: wrapped[id(handler)] for event_type, handler in handlers.items()}


EVENT_HANDLERS = logged(READ_MODEL_HANDLERS)
