"""The Office's summary of overdue tasks for the leaders (Đ16.4): "Báo cáo, kiến nghị kịp thời
với Ủy ban nhân dân tỉnh, Chủ tịch Ủy ban nhân dân tỉnh các biện pháp cần thiết nhằm đôn đốc …
thực hiện các nhiệm vụ được giao đã đến hạn quy định nhưng chưa thực hiện".

A summary is a snapshot, taken when it opens, of the tasks that are overdue (the workflow's own task
table, by the rule of the task list's overdue filter, `task_queries.late_condition`): each with its
document number, content, lead unit, due date, days overdue and assigning leader, and the counts by
assigning leader. The Office sends it to the leaders with the measures it proposes (`send`); a
leader may answer with a direction (`give_direction`), which reaches the Office and the lead units
of the listed tasks (the case's `responsible` party). The diagram is bpmn/overdue_summary.bpmn.

Opened:

- once a month by the system (`open_monthly`, from the timer scheduler's rounds): the month's key
  (`overdue-2026-12`) is the case's `group_id`, looked up under a lock before opening, so two
  workers, a restart or a second round never open a month twice. The month's summary lists the
  tasks due before the month's first day and still not done: what was overdue when the month
  began, whichever round first sees the month. A month with no such task gets no summary (there
  is nothing to report); the scheduler then asks again only in the next month;
- on demand by the Office (`POST /api/workflow/overdue-summaries`): the tasks overdue today; 409
  when none is.

The counts by assigning leader are by the task's `assigned_by` (UBND tỉnh, Chủ tịch, Phó Chủ
tịch): the workflow does not keep a document's signer, so the Vice-Chairmen are counted
together (reporting splits them by signer).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, func, select, text

from services.workflow import cases
from services.workflow.case_store import cases as cases_table
from services.workflow.cases import CaseKind, Opening
from services.workflow.store import task_instances
from services.workflow.task_queries import late_condition
from services.workflow.units import unit_names
from shared.auth import Principal
from shared.calendar import local_date
from shared.db import is_postgres
from shared.errors import Conflict

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

log = logging.getLogger(__name__)

STATUSES = {
    "drafting": "Văn phòng đang đề xuất biện pháp",
    "sent": "Đã báo cáo lãnh đạo UBND tỉnh, chờ ý kiến chỉ đạo",
    "directed": "Đã có ý kiến chỉ đạo",
}
ACTIONS = {
    "send": "Báo cáo lãnh đạo, kiến nghị biện pháp",
    "give_direction": "Cho ý kiến chỉ đạo",
}
EVENTS = {
    "send": "overdue_summary.sent",
    "give_direction": "overdue_summary.directed",
}
# Who assigns tasks (the task's `assigned_by`), as documents name them.
ASSIGNERS = {
    "ubnd_tinh": "UBND tỉnh",
    "chu_tich": "Chủ tịch UBND tỉnh",
    "pho_chu_tich": "Phó Chủ tịch UBND tỉnh",
}
# The most tasks a summary lists; `total` counts them all.
MAX_LISTED = 500
CONTENT_CHARS = 200
# Who opens the monthly summaries; kept in their history.
ACTOR: dict[str, str | None] = {
    "sub": "system:overdue-summaries",
    "name": "Báo cáo nhiệm vụ quá hạn hằng tháng (Đ16.4)",
    "role": None,
    "unit": None,
}
_LOCK_KEY = 1640  # PostgreSQL advisory lock: one opener at a time


class OverdueSummaryIn(Schema):
    """The Office opens a summary of the tasks overdue today; nothing to give."""


class OverdueSendIn(Schema):
    """Đ16.4: the measures the Office proposes to the leaders."""

    measures = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class OverdueDirectionIn(Schema):
    direction = fields.String(required=True, validate=validate.Length(min=1, max=10000))


def snapshot(conn: Connection, late_on: date, today: date) -> dict[str, Any]:
    """The tasks late on `late_on` (due before it and not done, `task_queries.late_condition`),
    the most overdue first, with their days overdue on `today`, and the counts by assigning
    leader."""
    t = task_instances.c
    late = late_condition(late_on)
    total = conn.execute(select(func.count()).select_from(task_instances).where(late)).scalar_one()
    by_key = select(t.assigned_by, func.count()).where(late).group_by(t.assigned_by)
    counts: dict[str, int] = {key: count for key, count in conn.execute(by_key).all()}
    rows = conn.execute(
        select(
            t.task_id,
            t.document_number,
            t.content,
            t.lead_unit,
            t.due_on,
            t.assigned_by,
            t.status,
        )
        .where(late)
        .order_by(t.due_on, t.document_number, t.task_id)
        .limit(MAX_LISTED)
    ).all()
    names = unit_names(conn, {row.lead_unit for row in rows})
    tasks = [
        {
            "task_id": row.task_id,
            "document_number": row.document_number,
            "content": row.content[:CONTENT_CHARS],
            "lead_unit": row.lead_unit,
            "lead_unit_name": names.get(row.lead_unit, row.lead_unit),
            "due_on": row.due_on.isoformat(),
            "days_overdue": (today - row.due_on).days,
            "assigned_by": row.assigned_by,
            "assigned_by_label": ASSIGNERS.get(row.assigned_by, row.assigned_by),
        }
        for row in rows
    ]
    by_assigner = [
        {"assigned_by": key, "label": label, "count": counts.get(key, 0)}
        for key, label in ASSIGNERS.items()
    ]
    by_assigner += [
        {"assigned_by": key, "label": key, "count": count}
        for key, count in sorted(counts.items())
        if key not in ASSIGNERS
    ]
    return {
        "as_of": today.isoformat(),
        "overdue_before": late_on.isoformat(),
        "total": total,
        "tasks": tasks,
        "by_assigner": by_assigner,
    }


def _opening(title: str, figures: dict[str, Any], group_id: str | None, note: str) -> Opening:
    units = sorted({task["lead_unit"] for task in figures["tasks"]})
    return Opening(
        title=f"{title}: {figures['total']} nhiệm vụ quá hạn",
        parties={"responsible": units},
        data=figures,
        group_id=group_id,
        note=note,
    )


def _on_demand(
    conn: Connection, _principal: Principal, _body: dict[str, Any], now: datetime
) -> list[Opening]:
    today = local_date(now)
    figures = snapshot(conn, today, today)
    if not figures["total"]:
        raise Conflict("Không có nhiệm vụ quá hạn để báo cáo.")
    title = f"Báo cáo nhiệm vụ quá hạn ngày {today:%d/%m/%Y}"
    return [
        _opening(title, figures, None, "Văn phòng lập báo cáo nhiệm vụ quá hạn (Điều 16 khoản 4)")
    ]


def month_key(today: date) -> str:
    return f"overdue-{today:%Y-%m}"


def open_monthly(service: WorkflowService) -> list[dict[str, Any]] | None:
    """Open this month's summary unless it exists; returns what this call opened, or None when
    nothing was overdue at the month's start (the caller need not ask again this month)."""
    platform = service.runtime.platform
    today = local_date(platform.clock.now())
    key = month_key(today)
    with platform.database.read() as conn:
        if _opened(conn, key):  # the usual answer, without taking a lock
            return []
    with platform.unit_of_work() as uow:
        if is_postgres(uow.conn):
            uow.conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": _LOCK_KEY})
        if _opened(uow.conn, key):  # another worker was first
            return []
        figures = snapshot(uow.conn, today.replace(day=1), today)
        if not figures["total"]:
            return None
        title = f"Báo cáo nhiệm vụ quá hạn tháng {today:%m/%Y}"
        note = "Báo cáo nhiệm vụ quá hạn hằng tháng (Điều 16 khoản 4)"
        opened = cases.open_cases(service, uow, KIND, [_opening(title, figures, key, note)], ACTOR)
    log.info("Đ16.4 overdue summary %s opened (%s)", key, opened[0]["case_id"])
    return opened


def _opened(conn: Connection, key: str) -> bool:
    query = select(cases_table.c.case_id).where(
        cases_table.c.kind == "overdue_summary", cases_table.c.group_id == key
    )
    return conn.execute(query).first() is not None


class _OverdueSummaryKind(CaseKind):
    """Its events carry the summary itself (the tasks, without their ids, the counts and the
    Office's measures), so that notify lists them in the leaders' inbox and e-mail."""

    def event(
        self,
        row: Mapping[str, Any],
        action: str,
        actor: Any,
        note: str | None,
        details: dict[str, Any] | None,
        now: datetime,
    ) -> dict[str, Any]:
        data = row.get("data") or {}
        summary = {
            "total": data.get("total", 0),
            "as_of": data.get("as_of"),
            "measures": data.get("measures"),
            "by_assigner": data.get("by_assigner") or [],
            "tasks": [
                {k: v for k, v in task.items() if k != "task_id"}
                for task in data.get("tasks") or []
            ],
        }
        return super().event(row, action, actor, note, {**summary, **(details or {})}, now)


KIND = _OverdueSummaryKind(
    kind="overdue_summary",
    process_id="overdue_summary",
    path="overdue-summaries",
    label="Báo cáo nhiệm vụ quá hạn",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={"send": OverdueSendIn, "give_direction": OverdueDirectionIn},
    events=EVENTS,
    open_schema=OverdueSummaryIn,
    may_open=lambda p: p.is_office,
    opening=_on_demand,
    note_fields=("measures", "direction"),
)
