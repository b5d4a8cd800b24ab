"""What the Office's reviewed reports share: the evaluation report of a period (Đ8.1a, Đ16.2,
Đ18.2, office_reports.py) and the annual report on this regulation (Đ20.1, annual_reports.py).

Both follow one review: the Office drafts its sections (`save`), submits them to the Office's
leader (`submit`), who approves them (`approve`) or returns them with a reason (`return`, back to
draft), and the Office publishes the approved report with the number it gave it (`publish`).
Each is one case per period or year, opened by the Office on the reporting service's stored
report of its figures (`report_id`), which `save` and `submit` may replace by a newer one; a
second opening for the same period or year is 409, naming the first. Each kind keeps here only
what differs: its sections, its period or year, its opening's title and due date.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection, select, text

from services.workflow.case_store import cases as cases_table
from services.workflow.cases import CaseKind, Opening
from shared.auth import OFFICE_ROLES, Principal
from shared.db import is_postgres
from shared.errors import Conflict

STATUSES = {
    "draft": "Văn phòng đang viết báo cáo",
    "submitted": "Đã trình, chờ lãnh đạo Văn phòng duyệt",
    "returned": "Lãnh đạo Văn phòng trả lại để chỉnh sửa",
    "approved": "Lãnh đạo Văn phòng đã duyệt, chờ công bố",
    "published": "Đã công bố",
}

ACTIONS = {
    "save": "Lưu dự thảo báo cáo",
    "submit": "Trình lãnh đạo Văn phòng duyệt",
    "approve": "Duyệt báo cáo",
    "return": "Trả lại để chỉnh sửa",
    "publish": "Công bố báo cáo",
}

REPORT_ID = validate.Regexp(r"^[0-9a-f]{32}$", error="Mã báo cáo số liệu không hợp lệ.")
_TEXT = 50000

Opener = Callable[[Connection, Principal, dict[str, Any], datetime], list[Opening]]


def section(required: bool) -> fields.String:
    """One of the Office's written sections: may be empty in a draft, not once submitted."""
    if required:
        return fields.String(required=True, validate=validate.Length(min=1, max=_TEXT))
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=_TEXT))


class _Return(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=10000))


class _Approve(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


class _Publish(Schema):
    """The number and symbol the clerk gave the report (Nghị định 30/2020), if any."""

    number = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=60))


def _named(name: str, base: type[Schema], attrs: dict[str, Any]) -> type[Schema]:
    """A schema class of its own name (the name the OpenAPI document gives its component)."""
    made: type[Schema] = type(name, (base,), {"__module__": base.__module__, **attrs})
    return made


def section_schemas(
    prefix: str,
    sections: tuple[str, ...],
    *,
    draft_doc: str,
    submit_doc: str,
    extra: dict[str, fields.Field[Any]] | None = None,
) -> tuple[type[Schema], type[Schema]]:
    """The bodies of `save` (`<prefix>DraftIn`: every section may still be empty, `report_id`
    left out keeps the case's report) and `submit` (`<prefix>SubmitIn`: every section written,
    and the stored figures it presents); `extra` fields are the draft's and the submission's."""
    draft = _named(
        f"{prefix}DraftIn",
        Schema,
        {
            "__doc__": draft_doc,
            "report_id": fields.String(validate=REPORT_ID),
            **{name: section(False) for name in sections},
            **(extra or {}),
        },
    )
    submit = _named(
        f"{prefix}SubmitIn",
        draft,
        {
            "__doc__": submit_doc,
            "report_id": fields.String(required=True, validate=REPORT_ID),
            **{name: section(True) for name in sections},
        },
    )
    return draft, submit


def may_open(principal: Principal) -> bool:
    return principal.has_role(*OFFICE_ROLES)


def open_once(conn: Connection, kind: str, group: str, lock_key: int, taken: str) -> None:
    """One case of `kind` per `group` (its period or year): openings of the kind are taken one
    at a time (a PostgreSQL advisory lock), and a second one is 409 naming the first."""
    if is_postgres(conn):
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": lock_key})
    query = select(cases_table.c.case_id).where(
        cases_table.c.kind == kind, cases_table.c.group_id == group
    )
    found = conn.execute(query).scalar()
    if found is not None:
        raise Conflict(taken, case_id=found, actions=[])


def case_kind(
    *,
    kind: str,
    path: str,
    label: str,
    prefix: str,
    draft: type[Schema],
    submit: type[Schema],
    open_schema: type[Schema],
    opening: Opener,
    overdue: str,
) -> CaseKind:
    """A reviewed report's kind: its diagram is bpmn/<kind>.bpmn, its events `<kind>.<action>`
    for each action but `save`, its history's note the reason, the leader's note or the number."""
    return CaseKind(
        kind=kind,
        process_id=kind,
        path=path,
        label=label,
        statuses=STATUSES,
        actions=ACTIONS,
        action_schemas={
            "save": draft,
            "submit": submit,
            "approve": _named(f"{prefix}ApproveIn", _Approve, {}),
            "return": _named(f"{prefix}ReturnIn", _Return, {}),
            "publish": _named(f"{prefix}PublishIn", _Publish, {}),
        },
        events={
            action: f"{kind}.{past}"
            for action, past in (
                ("submit", "submitted"),
                ("approve", "approved"),
                ("return", "returned"),
                ("publish", "published"),
            )
        },
        open_schema=open_schema,
        may_open=may_open,
        opening=opening,
        notice_labels={"overdue": overdue},
        query_filters=("group_id",),
        note_fields=("reason", "note", "number"),
    )
