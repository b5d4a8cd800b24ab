"""Exchanges about a running task (issue "Exchange"): what the kinds of case linked to a task share.

A correction request (Đ7.1, Đ7.2b; services/workflow/kinds/correction_requests.py) and a difficulty
report asking for direction (Đ8.1b, Đ8.1c, Đ17.1; services/workflow/kinds/direction_requests.py) are
cases with `task_id` set. Each may also be opened from the task itself: a `TaskOpener` makes the
opening one of the task's actions (offered in the task detail's `actions`, posted to
/api/workflow/tasks/<id>/actions/<action>; services/workflow/routes/task_cases.py). When the
task offers it is the task diagram's word (`opens.<role>` on the steps it waits at, with its
`when.<action>` conditions; docs/adding-a-process.md); the opener adds only who may and what the
opening is about.

What a case changes in the task's own history is appended here, beside the task's lifecycle
entries and with the task's status unchanged, so that the task's history tells the whole story.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from marshmallow import Schema
from sqlalchemy import Connection

from services.workflow import domain, store
from services.workflow.domain import CLOSED
from services.workflow.instances import runner
from shared.auth import Principal
from shared.errors import NotFound
from shared.platform import UnitOfWork

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

# Labels of the task actions that open a case, and of what cases append to a task's history.
OPENER_LABELS = {
    "request_correction": "Đề nghị điều chỉnh thông tin báo cáo",
    "correct_report": "Điều chỉnh thông tin báo cáo",
    "report_difficulty": "Báo cáo khó khăn, vướng mắc",
    "ask_direction": "Văn phòng xin ý kiến chỉ đạo về nhiệm vụ",
}
HISTORY_LABELS = {
    **OPENER_LABELS,
    "explain_report": "Giải trình thông tin báo cáo",
    "request_direction": "Văn phòng xin ý kiến chỉ đạo",
    "direction": "Ý kiến chỉ đạo",
    "difficulty_resolved": "Văn phòng xử lý khó khăn, vướng mắc",
}


@dataclass(frozen=True)
class TaskOpener:
    """A case that a task offers to open as one of its actions."""

    action: str  # the task action, e.g. "report_difficulty"
    kind: str  # the case kind it opens
    schema: type[Schema]  # its body: the kind's opening body without `task_id`
    # Whether what the opening is about exists, e.g. a report to correct (else 409): (task,
    # task history).
    needs: Callable[[dict[str, Any], list[dict[str, Any]]], bool]
    # Whether this caller may (else 403): (principal, task, task history).
    may: Callable[[Principal, dict[str, Any], list[dict[str, Any]]], bool]


def readable_task(
    conn: Connection, principal: Principal, task_id: str, *, for_update: bool = False
) -> dict[str, Any]:
    """The task a case is opened about: 404 unknown, 403 when it does not concern the caller;
    `for_update`: locked, so that two openings about it are decided one after the other."""
    task = store.TASKS.get(conn, task_id, for_update=for_update)
    if task is None:
        raise NotFound("Không tìm thấy nhiệm vụ.", task_id=task_id)
    domain.require_task_read(principal, task)
    return task


def record_on_task(
    service: WorkflowService,
    uow: UnitOfWork,
    case: dict[str, Any],
    action: str,
    note: str | None,
    actor: Any,
    facts: dict[str, Any] | None = None,
) -> None:
    """Append what a case did to its task's history (the task's status stays as it is);
    `facts`: what the task's diagram should now know of it (e.g. `difficulty_open`), noted in
    its data for its conditions."""
    task = store.TASKS.get(uow.conn, case["task_id"], for_update=facts is not None)
    if task is None:
        return
    if facts is not None and task["status"] not in CLOSED:
        task = runner.annotate(service, uow, service.kind_of(task), task, facts)
    store.TASKS.add_history(
        uow.conn,
        {
            "task_id": task["task_id"],
            "at": uow.now,
            "action": action,
            "status_from": task["status"],
            "status_to": task["status"],
            "actor": actor,
            "note": note,
        },
    )
