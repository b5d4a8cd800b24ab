"""Documents asked for during an inspection (Đ14.3): the Working Group asks units inspected or
concerned (invited, Đ14.2) to report or provide records, documents and information by a date;
each unit asked answers with what it sends. One case per unit asked, grouped under the
inspection (`group_id` is the inspection's id).

The diagram is bpmn/inspection_request.bpmn.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from marshmallow import Schema, fields, validate
from sqlalchemy import Connection

from services.workflow import case_store
from services.workflow.cases import CaseKind, Opening, is_inspector_of
from services.workflow.kinds.inspections import KIND as INSPECTION
from services.workflow.units import unit_names
from shared import dates
from shared.auth import INSPECTOR, Principal
from shared.calendar import local_date
from shared.errors import Conflict, Forbidden, NotFound, ValidationFailed

STATUSES = {
    "requested": "Đã yêu cầu, chờ đơn vị cung cấp hồ sơ, tài liệu",
    "provided": "Đơn vị đã cung cấp hồ sơ, tài liệu",
}

ACTIONS = {"provide_documents": "Cung cấp hồ sơ, tài liệu"}

EVENTS = {
    "open": "inspection.documents_requested",
    "provide_documents": "inspection.documents_provided",
}

NOTICE_LABELS = {
    "documents_due_soon": "Nhắc đơn vị: sắp đến hạn cung cấp hồ sơ, tài liệu",
    "documents_overdue": "Báo đơn vị: quá hạn cung cấp hồ sơ, tài liệu",
}


class DocumentRequestIn(Schema):
    """Đ14.3: what the Working Group asks for, from which units of the inspection, by when."""

    inspection_id = fields.String(required=True, validate=validate.Length(min=1, max=32))
    units = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)),
        required=True,
        validate=validate.Length(min=1, max=200),
    )
    request = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    due_on = fields.Date(required=True, validate=dates.supported_date())


class DocumentAttachmentIn(Schema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    ref = fields.String(required=True, validate=validate.Length(min=1, max=2000))


class DocumentsProvidedIn(Schema):
    """What the unit sends: its report or an account of the documents, and references to them."""

    content = fields.String(required=True, validate=validate.Length(min=1, max=10000))
    attachments = fields.List(
        fields.Nested(DocumentAttachmentIn), load_default=list, validate=validate.Length(max=50)
    )


def _may_open(principal: Principal) -> bool:
    return principal.is_office or principal.has_role(INSPECTOR)


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    inspection = case_store.CASES.get(conn, body["inspection_id"])
    if inspection is None or inspection["kind"] != INSPECTION.kind:
        raise NotFound("Không tìm thấy cuộc kiểm tra.", inspection_id=body["inspection_id"])
    if not principal.is_office and not is_inspector_of(principal, inspection):
        # Đ13: the Working Group members assigned to this inspection, not any member.
        raise Forbidden("Bạn không được phân công thực hiện cuộc kiểm tra này.")
    if inspection["status"] != "in_progress":
        raise Conflict(
            "Chỉ yêu cầu cung cấp hồ sơ, tài liệu trong khi đang kiểm tra.",
            case_status=inspection["status"],
        )
    concerned = set(inspection["units"])
    strangers = sorted(set(body["units"]) - concerned)
    names = unit_names(conn, body["units"])
    if strangers:
        message = "Chỉ yêu cầu đơn vị được kiểm tra hoặc được mời tham gia cuộc kiểm tra."
        named = ", ".join(names[code] for code in strangers)
        raise ValidationFailed(message, {"units": [f"{message} ({named})"]})
    today = local_date(now)
    if body["due_on"] < today:
        raise ValidationFailed("Hạn cung cấp đã qua.", {"due_on": ["Hạn cung cấp đã qua."]})
    return [
        Opening(
            title=f"{names[unit]}: cung cấp hồ sơ, tài liệu — {inspection['title']}",
            parties={"asked": [unit]},
            data={
                "opened_on": today.isoformat(),
                "inspection_id": inspection["case_id"],
                "request": body["request"],
                "due_on": body["due_on"].isoformat(),
            },
            group_id=inspection["case_id"],
            note=body["request"],
        )
        for unit in dict.fromkeys(body["units"])
    ]


KIND = CaseKind(
    kind="inspection_request",
    process_id="inspection_request",
    path="inspection-requests",
    label="Yêu cầu cung cấp hồ sơ, tài liệu",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={"provide_documents": DocumentsProvidedIn},
    events=EVENTS,
    open_schema=DocumentRequestIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("group_id",),
    note_fields=("content",),
    unit_fields={"open": ("units",)},
)
