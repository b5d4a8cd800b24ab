"""One task's history replayed on a diagram, for the deploy preview (preview.py): the inputs the
history gives (the start data, then the actions and the Office's corrections in time order), the
replay itself with the engine's clock held at each entry's time and the timers fired as the
scheduler fires them, and the national category the replayed task ends in."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from services.workflow import domain
from services.workflow.engine import (
    DiagramError,
    InvalidPayload,
    ProcessError,
    ProcessModel,
    StateError,
    Step,
)
from shared.calendar import local_date

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# History entries that corrected a running task from outside (services/workflow/corrections.py):
# replayed with Engine.update and the changes they kept.
UPDATES = frozenset({"amend", "transfer"})
# History entries that record neither an action nor a correction: what the replay recomputes
# (notices, a timer's change of status) or a move between versions.
OPENING, TIMER, MIGRATE = "assign", "timer", "migrate"
# Timers fired in one replay at most: a diagram whose timers keep falling due is cut off.
MAX_FIRINGS = 2000

# The national reporting categories (docs/counting.md), computed from a replay as reporting
# computes them from its read model, and withdrawn tasks apart.
CATEGORY_LABELS = {
    "completed_on_time": "Hoàn thành đúng hạn",
    "completed_late": "Hoàn thành quá hạn",
    "in_progress_on_time": "Đang thực hiện trong hạn",
    "in_progress_overdue": "Đang thực hiện quá hạn",
    "undated_completed": "Không thời hạn — đã hoàn thành",
    "undated_in_progress": "Không thời hạn — đang thực hiện",
    "withdrawn": "Đã thu hồi",
}

_NEW_DUE = re.compile(r"Hạn mới: (\d{4}-\d{2}-\d{2})")


@dataclass(frozen=True)
class Input:
    """An entry of a task's history that the replay gives the diagram."""

    at: datetime
    action: str
    payload: dict[str, Any]
    update: bool


@dataclass
class Replay:
    notices: list[tuple[str, datetime]] = field(default_factory=list)  # (event type, when)
    status: str | None = None
    due_on: date | None = None
    submitted_on: date | None = None
    late_rework: bool = False
    # The first action the diagram refused, or the error it failed with: (action, when, why).
    stopped: tuple[str, datetime, str] | None = None


def task_inputs(
    row: Mapping[str, Any], history: list[dict[str, Any]], declared: Iterable[tuple[str, str]]
) -> tuple[dict[str, Any], list[Input], list[str]]:
    """What a replay gives the diagram: the start data, the actions and corrections in time
    order, and why they are not exactly what the task was given (preview.APPROXIMATE's keys)."""
    actions = {action for action, _role in declared}
    opening = history[0] if history and history[0]["action"] == OPENING else None
    reasons: list[str] = []
    legacy = opening is None or opening.get("payload") is None
    if legacy:
        reasons.append("no_payload")
    if any(entry["action"] == MIGRATE for entry in history):
        reasons.append("migrated")
    if opening is not None and not legacy:
        start = dict(opening["payload"])
    else:
        # The due date at release is the row's while nothing moved it since; after an amendment
        # or an extension it is unknown and the row's is used ("no_payload" says so).
        start = domain.workflow_data(dict(row))
    inputs: list[Input] = []
    entries = [e for e in history if e is not opening]
    for position, entry in enumerate(entries):
        action = entry["action"]
        if action in UPDATES:
            changes = entry.get("payload")
            if changes is None:
                changes = _derived_changes(row, action, entries[position + 1 :])
            inputs.append(Input(entry["at"], action, dict(changes), update=True))
        elif action in actions:
            payload = entry.get("payload")
            if payload is None:
                payload = _derived_payload(action, entry.get("note"))
            inputs.append(Input(entry["at"], action, dict(payload), update=False))
    inputs.sort(key=lambda item: item.at)
    return start, inputs, reasons


def _derived_payload(action: str, note: str | None) -> dict[str, Any]:
    """An action's body as its note kept it (domain.history_note): what timers read of it."""
    lines = (note or "").splitlines()
    found = next((m.group(1) for line in lines if (m := _NEW_DUE.fullmatch(line))), None)
    if action == "request_extension":
        return {"new_due_on": found} if found else {}
    if action == "decide_extension":
        return {"approve": "Đồng ý gia hạn" in lines, "new_due_on": found}
    return {}


def _derived_changes(
    row: Mapping[str, Any], action: str, later: list[dict[str, Any]]
) -> dict[str, Any]:
    """A correction kept without its changes: the amendment's due date is the row's when no
    later entry moved it again (else unknown, left as it was)."""
    if action != "amend":
        return {}
    changes: dict[str, Any] = {"cadence": row["cadence"]}
    if not _changes_due(later):
        changes["due_on"] = row["due_on"].isoformat() if row["due_on"] else None
    return changes


def _changes_due(entries: Iterable[Mapping[str, Any]]) -> bool:
    return any(
        entry["action"] == "amend"
        or (entry["action"] == "decide_extension" and "Đồng ý gia hạn" in (entry["note"] or ""))
        for entry in entries
    )


def replay(
    service: WorkflowService,
    model: ProcessModel,
    start: Mapping[str, Any],
    opened_at: datetime,
    inputs: list[Input],
    until: datetime,
) -> Replay:
    """One task's history run again on `model` up to `until` with the clock held at each
    entry's time (see preview.py's docstring)."""
    engine = service.engine
    result = Replay()
    doing, last = OPENING, opened_at
    try:
        with engine.at(opened_at):
            step = engine.start(model, start)
        result.notices.extend((notice, opened_at) for notice in step.notices)
        for item in inputs:
            if item.at > until:
                break
            step, last = _fire_until(service, step, item.at, last, result)
            doing = item.action
            if item.update:
                if step.completed:
                    continue  # a correction of a closed task changes nothing in it
                with engine.at(item.at):
                    step = engine.update(step, item.payload)
            elif not step.offered(item.action):
                offered = sorted({o.action for o in step.offers if not o.opens})
                why = f"Không có thao tác này lúc đó; có: {', '.join(offered) or 'không có'}"
                result.stopped = (item.action, item.at, why)
                return result
            else:
                step = _perform(service, step, item, result)
            result.notices.extend((notice, item.at) for notice in step.notices)
            last = max(last, item.at)
        doing = TIMER
        step, _last = _fire_until(service, step, until, last, result)
    except (DiagramError, ProcessError, StateError, InvalidPayload) as exc:
        result.stopped = (doing, last, f"Quy trình lỗi khi chạy: {exc}")
        return result
    result.status = step.status
    result.due_on = _as_date(step.data.get("due_on"))
    return result


def _perform(service: WorkflowService, step: Step, item: Input, result: Replay) -> Step:
    """Perform an action at its time; note the unit's submission and a late rework (Đ5.2b)."""
    due_on = _as_date(step.data.get("due_on"))
    with service.engine.at(item.at):
        after = service.engine.perform(step, item.action, item.payload)
    day = local_date(item.at)
    if after.status == "submitted" and step.status != "submitted":
        result.submitted_on = day
    if item.action == "request_rework" and due_on is not None and day > due_on:
        result.late_rework = True  # sent back when already late
    return after


def _fire_until(
    service: WorkflowService, step: Step, until: datetime, last: datetime, result: Replay
) -> tuple[Step, datetime]:
    """Fire the timers due by `until`, one due time at a time, with the clock held there (never
    before `last`, the instance's latest change, as the scheduler's _fire_time)."""
    engine = service.engine
    for _round in range(MAX_FIRINGS):
        due = step.next_due
        if due is None or due > until:
            break
        when = max(due, last)
        with engine.at(when):
            step = engine.fire_due(step)
        result.notices.extend((notice, when) for notice in step.notices)
        last = when
        if step.next_due is not None and step.next_due <= when:
            break  # a timer that does not move on waits for the next entry, as for the scheduler
    return step, last


def category(replayed: Replay, as_of: date) -> str:
    """The task's national category at the end of the period (docs/counting.md): completed on
    time when its result was submitted by the due date and not sent back once late (Đ5.2b); in
    progress overdue from the day after the due date, unless a result submitted in time waits for
    the Office."""
    status, due_on, submitted_on = replayed.status, replayed.due_on, replayed.submitted_on
    if status == "withdrawn":
        return "withdrawn"
    completed = status == "completed"
    if due_on is None:
        return "undated_completed" if completed else "undated_in_progress"
    in_time = submitted_on is not None and submitted_on <= due_on and not replayed.late_rework
    if completed:
        return "completed_on_time" if in_time else "completed_late"
    if due_on >= as_of or (status == "submitted" and in_time):
        return "in_progress_on_time"
    return "in_progress_overdue"


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None
