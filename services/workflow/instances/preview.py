"""The deploy preview: what a candidate diagram would have changed for the tasks of a period
(docs/adding-a-process.md, "Changing a process while it runs").

Each task of the period is replayed twice from its history, with the engine's clock held at each
entry's time: on the version it runs on (the baseline) and on the candidate. A replay starts the
instance with the data it was released with (the release's history entry), then, entry by entry
in time order, fires the timers due by that entry's time (one due time at a time, as the
scheduler does) and performs the action, or applies the Office's correction, with the payload
the history kept; then it fires the timers due by the end of the period. What the two replays
announced in the period (due-soon and overdue notices, urgings, update requests, progress
reminders…, each with its time) and the task's category at the end of the period are compared.

An action the candidate does not offer at that point of a task's history makes the task diverge
there: it is counted with that action, and its replay stops. Tasks whose history was kept before
the payloads were (migration 0010) are replayed with what their notes say (a request's or a
decision's new due date, the decision); those, tasks moved between versions and tasks whose
baseline replay does not announce what their history recorded are counted apart, with the
reason. Nothing is written: the caller reads on a read-only connection.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, or_, select

from services.workflow import domain, model_store, store
from services.workflow.engine import (
    DiagramError,
    InvalidPayload,
    ProcessError,
    ProcessModel,
    StateError,
    Step,
)
from services.workflow.kinds.task import TASK
from services.workflow.models import TASK_PROCESS, refusal
from shared.calendar import TZ, local_date
from shared.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# History entries that corrected a running task from outside (services/workflow/corrections.py):
# replayed with Engine.update and the changes they kept.
UPDATES = frozenset({"amend", "transfer"})
# History entries that record neither an action nor a correction: what the replay recomputes
# (notices, a timer's change of status) or a move between versions.
OPENING, TIMER, MIGRATE = "assign", "timer", "migrate"
# The version number a candidate is parsed under: none deployed has it.
CANDIDATE = 0
# How many changed tasks the answer names.
SAMPLE = 50
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

# Why a task's replay is not exact (counted apart, still compared).
APPROXIMATE = {
    "no_payload": "Lịch sử ghi trước khi lưu nội dung thao tác: dữ liệu suy ra từ ghi chú",
    "migrated": "Đã chuyển phiên bản giữa chừng: phát lại trên phiên bản hiện tại",
    "differs": "Phát lại trên phiên bản đang chạy không khớp các thông báo đã ghi",
}
# Why a task could not be replayed on the version it runs on (not compared).
NOT_REPLAYED = "Không phát lại được trên phiên bản đang chạy"

_NEW_DUE = re.compile(r"Hạn mới: (\d{4}-\d{2}-\d{2})")


class PeriodError(ValueError):
    """The period asked for is not one (`from` after `to`)."""


@dataclass(frozen=True)
class Period:
    start: date
    end: date

    @property
    def starts_at(self) -> datetime:
        return datetime.combine(self.start, time(0), tzinfo=TZ)

    def ends_at(self, now: datetime) -> datetime:
        """The end of the period's last day (local time), or now if earlier."""
        end_of_day = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=TZ)
        return min(end_of_day - timedelta(microseconds=1), now)


def last_quarter(today: date) -> Period:
    """The last full quarter before today's (Đ18.1)."""
    first_month = 3 * ((today.month - 1) // 3) + 1
    this_quarter = date(today.year, first_month, 1)
    end = this_quarter - timedelta(days=1)
    return Period(date(end.year, end.month - 2, 1), end)


def period_of(start: date | None, end: date | None, today: date) -> Period:
    """The period asked for; the last full quarter by default, either bound from it."""
    default = last_quarter(today)
    period = Period(start or default.start, end or default.end)
    if period.start > period.end:
        raise PeriodError("`from` phải không sau `to`.")
    return period


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


def run(
    service: WorkflowService,
    process_id: str,
    bpmn_xml: bytes,
    start: date | None,
    end: date | None,
    now: datetime,
) -> dict[str, Any]:
    """The preview of deploying `bpmn_xml` as the next version of `process_id`, on a read-only
    connection: 422 for a refused diagram (as a deploy), for a process whose instances are not
    tasks and for a period that is not one."""
    if process_id != TASK_PROCESS:
        raise ValidationFailed(
            "Chỉ xem trước được quy trình vòng đời nhiệm vụ.",
            {"process_id": [f"Xem trước áp dụng cho {TASK_PROCESS}."]},
        )
    try:
        period = period_of(start, end, local_date(now))
    except PeriodError as exc:
        raise ValidationFailed("Khoảng thời gian không hợp lệ.", {"from": [str(exc)]}) from exc
    try:
        candidate = service.engine.parse(bpmn_xml, process_id, CANDIDATE)
    except DiagramError as exc:
        raise refusal(exc) from exc
    finally:
        # A candidate is no version: the engine keeps no parse of it (the model carries its own).
        service.engine._parsed.pop((process_id, CANDIDATE, bpmn_xml), None)
    with service.runtime.platform.database.read() as conn:
        if model_store.newest_model(conn, process_id) is None:
            raise NotFound(f"Chưa triển khai quy trình {process_id}.", process_id=process_id)
        return preview(service, conn, process_id, candidate, period, now)


def preview(
    service: WorkflowService,
    conn: Connection,
    process_id: str,
    candidate: ProcessModel,
    period: Period,
    now: datetime,
) -> dict[str, Any]:
    """The comparison of the tasks of `period` replayed on the versions they run on and on
    `candidate` (see the module's docstring)."""
    until = period.ends_at(now)
    since = period.starts_at
    rows = _tasks(conn, process_id, since, until)
    histories = _histories(conn, [row["task_id"] for row in rows])
    summary = _Summary(service, candidate)
    for row in rows:
        model = service.models.get(conn, row["process_id"], row["process_version"])
        summary.add(row, histories.get(row["task_id"], []), model, since, until)
    return {
        "process_id": process_id,
        "from": period.start,
        "to": period.end,
        "until": until,
        **summary.answer(),
    }


class _Summary:
    def __init__(self, service: WorkflowService, candidate: ProcessModel) -> None:
        self.service = service
        self.candidate = candidate
        self.replayed = self.unchanged = self.changed = 0
        self.before: Counter[str] = Counter()
        self.after: Counter[str] = Counter()
        self.gaining: Counter[str] = Counter()
        self.losing: Counter[str] = Counter()
        self.categories: Counter[tuple[str, str]] = Counter()
        self.approximate: Counter[str] = Counter()
        self.approximate_tasks = 0
        self.not_replayed: list[dict[str, Any]] = []
        self.diverging: list[dict[str, Any]] = []
        self.sample: list[str] = []
        self.versions: Counter[int] = Counter()

    def add(
        self,
        row: dict[str, Any],
        history: list[dict[str, Any]],
        model: ProcessModel,
        since: datetime,
        until: datetime,
    ) -> None:
        engine = self.service.engine
        kind = self.service.kind_of(row)
        start, inputs, reasons = task_inputs(row, history, engine.declared(model)[0])
        opened_at = history[0]["at"] if history else row["created_at"]
        baseline = replay(self.service, model, start, opened_at, inputs, until)
        if baseline.stopped is not None:
            action, when, why = baseline.stopped
            self.not_replayed.append(
                {"task_id": row["task_id"], "action": action, "at": when, "reason": why}
            )
            return
        self.replayed += 1
        self.versions[model.version] += 1
        recorded = _recorded_notices(history, kind, engine.declared(model)[1], since, until)
        if recorded != Counter(_within(baseline.notices, since, until)):
            reasons.append("differs")
        if reasons:
            self.approximate_tasks += 1
            self.approximate.update(set(reasons))
        same = self.candidate.bpmn_xml == model.bpmn_xml  # the same diagram replays the same
        after = (
            baseline
            if same
            else replay(self.service, self.candidate, start, opened_at, inputs, until)
        )
        if after.stopped is not None:
            action, when, why = after.stopped
            self.diverging.append(
                {"task_id": row["task_id"], "action": action, "at": when, "reason": why}
            )
            return
        was = Counter(_within(baseline.notices, since, until))
        will = Counter(_within(after.notices, since, until))
        as_of = local_date(until)
        category_before = category(baseline, as_of)
        category_after = category(after, as_of)
        for notice, _when in was.elements():
            self.before[notice] += 1
        for notice, _when in will.elements():
            self.after[notice] += 1
        self.gaining.update({notice for notice, _when in will - was})
        self.losing.update({notice for notice, _when in was - will})
        if category_before != category_after:
            self.categories[(category_before, category_after)] += 1
        if was == will and category_before == category_after:
            self.unchanged += 1
            return
        self.changed += 1
        if len(self.sample) < SAMPLE:
            self.sample.append(row["task_id"])

    def answer(self) -> dict[str, Any]:
        kind_labels = domain.NOTICE_LABELS
        notice_types = sorted(set(self.before) | set(self.after))
        diverging_actions = Counter(item["action"] for item in self.diverging)
        return {
            "baseline_versions": sorted(self.versions),
            "tasks": {
                "replayed": self.replayed,
                "unchanged": self.unchanged,
                "changed": self.changed,
                "diverging": len(self.diverging),
                "approximate": self.approximate_tasks,
                "not_replayed": len(self.not_replayed),
            },
            "notices": [
                {
                    "type": notice,
                    "label": kind_labels.get(_history_action(notice)),
                    "before": self.before[notice],
                    "after": self.after[notice],
                    "tasks_gaining": self.gaining[notice],
                    "tasks_losing": self.losing[notice],
                }
                for notice in notice_types
            ],
            "categories": [
                {
                    "from": before,
                    "from_label": CATEGORY_LABELS[before],
                    "to": after,
                    "to_label": CATEGORY_LABELS[after],
                    "tasks": count,
                }
                for (before, after), count in sorted(self.categories.items())
            ],
            "diverging": {
                "actions": [
                    {"action": action, "label": domain.ACTION_LABELS.get(action), "tasks": n}
                    for action, n in sorted(diverging_actions.items())
                ],
                "items": self.diverging[:SAMPLE],
            },
            "approximate": [
                {"reason": reason, "label": APPROXIMATE[reason], "tasks": n}
                for reason, n in sorted(self.approximate.items())
            ],
            "not_replayed": self.not_replayed[:SAMPLE],
            "changed_sample": self.sample,
        }


def _history_action(notice: str) -> str:
    """The history's name of a task notice (e.g. task.urged → auto_urge)."""
    return TASK.notice_action(notice)


def task_inputs(
    row: Mapping[str, Any], history: list[dict[str, Any]], declared: Iterable[tuple[str, str]]
) -> tuple[dict[str, Any], list[Input], list[str]]:
    """What a replay gives the diagram: the start data, the actions and corrections in time
    order, and why they are not exactly what the task was given (APPROXIMATE's keys)."""
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
    entry's time (see the module's docstring)."""
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


def _within(
    notices: list[tuple[str, datetime]], since: datetime, until: datetime
) -> list[tuple[str, datetime]]:
    return [(notice, when) for notice, when in notices if since <= when <= until]


def _recorded_notices(
    history: list[dict[str, Any]], kind: Any, notices: Iterable[str], since: datetime, until: Any
) -> Counter[tuple[str, datetime]]:
    """The notices the task's history recorded in the period, as (event type, when)."""
    by_action = {kind.notice_action(notice): notice for notice in notices}
    return Counter(
        (by_action[entry["action"]], entry["at"])
        for entry in history
        if entry["action"] in by_action and since <= entry["at"] <= until
    )


def _as_date(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    return date.fromisoformat(value[:10]) if isinstance(value, str) and value else None


def _tasks(
    conn: Connection, process_id: str, since: datetime, until: datetime
) -> list[dict[str, Any]]:
    """The tasks of the process that lived in the period: released by its end, and not closed
    before it began (still open, or with history in it)."""
    t, h = store.task_instances, store.task_history
    active_in = select(h.c.task_id).where(h.c.at >= since)
    query = (
        select(t)
        .where(
            t.c.process_id == process_id,
            t.c.created_at <= until,
            or_(t.c.status.not_in(sorted(domain.CLOSED)), t.c.task_id.in_(active_in)),
        )
        .order_by(t.c.created_at, t.c.task_id)
    )
    return [dict(row) for row in conn.execute(query).mappings()]


def _histories(conn: Connection, task_ids: list[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    h = store.task_history
    for chunk in range(0, len(task_ids), 500):
        ids = task_ids[chunk : chunk + 500]
        query = select(h).where(h.c.task_id.in_(ids)).order_by(h.c.task_id, h.c.id)
        for row in conn.execute(query).mappings():
            found.setdefault(row["task_id"], []).append(dict(row))
    return found
