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

The replay of one task is in replay.py.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, or_, select

from services.workflow import domain, model_store, store
from services.workflow.engine import DiagramError, ProcessModel
from services.workflow.instances.replay import CATEGORY_LABELS, category, replay, task_inputs
from services.workflow.kinds.task import TASK
from services.workflow.models import TASK_PROCESS, refusal
from shared.calendar import TZ, local_date
from shared.errors import NotFound, ValidationFailed

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# The version number a candidate is parsed under: none deployed has it.
CANDIDATE = 0
# How many changed tasks the answer names.
SAMPLE = 50

# Why a task's replay is not exact (counted apart, still compared).
APPROXIMATE = {
    "no_payload": "Lịch sử ghi trước khi lưu nội dung thao tác: dữ liệu suy ra từ ghi chú",
    "migrated": "Đã chuyển phiên bản giữa chừng: phát lại trên phiên bản hiện tại",
    "differs": "Phát lại trên phiên bản đang chạy không khớp các thông báo đã ghi",
}
# Why a task could not be replayed on the version it runs on (not compared).
NOT_REPLAYED = "Không phát lại được trên phiên bản đang chạy"


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
