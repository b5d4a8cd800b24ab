"""Ad-hoc information requests (Đ8.1d, Đ9.2, Đ16.5): the Office asks one or many units for
information or an ad-hoc report on a task, a document or a topic, by a due date; each unit answers
with text and references to attachments. Unanswered requests are reminded, announced overdue and
urged like tasks, and reporting counts them in the unit's figures for the period.

One case per unit asked, the cases of one request sharing a `group_id` (list filter `group_id`).
The diagram is bpmn/info_request.bpmn: it holds the reminder and urging day counts.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from marshmallow import Schema, ValidationError, fields, validate, validates_schema
from sqlalchemy import Connection

from services.workflow import store
from services.workflow.cases import CaseKind, Opening
from services.workflow.kinds.bodies import text as _text
from shared import dates
from shared.auth import Principal
from shared.calendar import local_date
from shared.errors import NotFound, ValidationFailed

SUBJECTS = {
    "task": "Nhiệm vụ",
    "document": "Văn bản",
    "topic": "Chuyên đề",
}

STATUSES = {
    "asked": "Đã đề nghị, chờ đơn vị trả lời",
    "answered": "Đơn vị đã trả lời",
    "more_requested": "Văn phòng đề nghị bổ sung thông tin",
    "closed": "Đã kết thúc",
}

ACTIONS = {
    "answer": "Trả lời, cung cấp thông tin",
    "urge": "Đôn đốc trả lời",
    "request_more": "Đề nghị bổ sung thông tin",
    "close": "Kết thúc đề nghị",
}

EVENTS = {
    "open": "info_request.opened",
    "answer": "info_request.answered",
    "urge": "info_request.urged",
    "request_more": "info_request.more_requested",
    "close": "info_request.closed",
}

NOTICE_LABELS = {
    "due_soon": "Nhắc đơn vị: sắp đến hạn trả lời",
    "overdue": "Báo đơn vị: quá hạn trả lời",
    "urged": "Đôn đốc định kỳ: chưa trả lời",
}

_UNIT = validate.Length(min=1, max=40)


class InfoRequestIn(Schema):
    """Đ8.1d: what the Office asks, about what, of which units, by when."""

    subject = fields.String(
        required=True,
        validate=validate.OneOf(sorted(SUBJECTS)),
        metadata={"enum_labels": SUBJECTS},
    )
    task_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    document_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))
    topic = _text(required=False, maximum=500)
    question = _text()
    units = fields.List(
        fields.String(validate=_UNIT), required=True, validate=validate.Length(1, 200)
    )
    due_on = fields.Date(required=True, validate=dates.supported_date())

    @validates_schema
    def _about(self, data: dict[str, Any], **_: Any) -> None:
        needed = {"task": "task_id", "document": "document_id", "topic": "topic"}[data["subject"]]
        if not data.get(needed):
            raise ValidationError("Cần cho biết nội dung được hỏi.", needed)


class AttachmentRef(Schema):
    """A file: one uploaded to the case (`file_id`, from `POST …/info-requests/<id>/files`), a
    link, or the reference of a file kept elsewhere."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    url = fields.Url(load_default=None, allow_none=True, schemes={"http", "https"})
    ref = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=300))
    # Absent unless given, so that an answer with links reads as before.
    file_id = fields.String(validate=validate.Length(min=1, max=32))

    @validates_schema
    def _where(self, data: dict[str, Any], **_: Any) -> None:
        if not data.get("url") and not data.get("ref") and not data.get("file_id"):
            raise ValidationError(
                "Cần tệp đã tải lên (file_id), đường dẫn (url) hoặc số hiệu tệp (ref).", "url"
            )


class InfoAnswerIn(Schema):
    """Đ9.2: the unit's answer or ad-hoc report."""

    text = _text()
    attachments = fields.List(
        fields.Nested(AttachmentRef), load_default=list, validate=validate.Length(max=50)
    )


class InfoUrgeIn(Schema):
    note = _text(required=False)


class InfoRequestMoreIn(Schema):
    """The answer is not enough: what more is needed, and by when (a new due date)."""

    question = _text()
    due_on = fields.Date(required=True, validate=dates.supported_date())


class InfoCloseIn(Schema):
    note = _text(required=False)


def _may_open(principal: Principal) -> bool:
    return principal.is_office


def _title(conn: Connection, body: dict[str, Any]) -> tuple[str, str | None]:
    """The title of the request's cases and the task it concerns, if any."""
    question = body["question"][:200]
    if body["subject"] == "task":
        task = store.TASKS.get(conn, body["task_id"])
        if task is None:
            raise NotFound("Không tìm thấy nhiệm vụ.", task_id=body["task_id"])
        about = f"{task['document_number']}: {task['content'][:150]}"
        return f"Đề nghị cung cấp thông tin — {about} — {question}", task["task_id"]
    if body["subject"] == "document":
        return f"Đề nghị cung cấp thông tin về văn bản — {question}", None
    return f"Đề nghị báo cáo đột xuất: {body['topic'][:150]} — {question}", None


def _opening(
    conn: Connection, principal: Principal, body: dict[str, Any], now: datetime
) -> list[Opening]:
    today = local_date(now)
    if body["due_on"] < today:
        raise ValidationFailed(
            "Hạn trả lời không được trước hôm nay.", {"due_on": ["Hạn trả lời đã qua."]}
        )
    title, task_id = _title(conn, body)
    group_id = uuid.uuid4().hex
    about = {key: body[key] for key in ("task_id", "document_id", "topic") if body.get(key)}
    return [
        Opening(
            title=title,
            parties={"asked": [unit]},
            data={
                "opened_on": today.isoformat(),
                "subject": body["subject"],
                **about,
                "question": body["question"],
                "due_on": body["due_on"].isoformat(),
            },
            task_id=task_id,
            group_id=group_id,
            note=body["question"],
        )
        for unit in dict.fromkeys(body["units"])
    ]


KIND = CaseKind(
    kind="info_request",
    process_id="info_request",
    path="info-requests",
    label="Đề nghị cung cấp thông tin",
    statuses=STATUSES,
    actions=ACTIONS,
    action_schemas={
        "answer": InfoAnswerIn,
        "urge": InfoUrgeIn,
        "request_more": InfoRequestMoreIn,
        "close": InfoCloseIn,
    },
    events=EVENTS,
    open_schema=InfoRequestIn,
    may_open=_may_open,
    opening=_opening,
    notice_labels=NOTICE_LABELS,
    query_filters=("task_id", "group_id"),
    note_fields=("text", "question", "note"),
    unit_fields={"open": ("units",)},
    takes_files=True,  # Đ9.2: the answer's documents
)
