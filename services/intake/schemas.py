"""Request and response shapes of the intake API (marshmallow); see docs/contracts.md."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, pre_load, validate, validates_schema

from services.intake.domain import ASSIGNERS, CADENCES, DOCUMENT_TYPES, UNIT_KINDS, URGENCIES
from services.intake.many_nested import ManyNested
from services.intake.sectors import SECTORS
from shared import dates
from shared.event_fields import LeanSchema
from shared.event_fields import fields as lean

SECRECY_VALUES = ("mat", "toi_mat", "tuyet_mat")


class Signer(LeanSchema):
    name = lean.String(required=True, validate=validate.Length(min=1, max=200))
    position = lean.String(required=True, validate=validate.Length(min=1, max=200))


def _sector(kind: Any = fields) -> fields.String:
    """A sector code of data/sectors.json (Đ8.2a); `kind`: marshmallow's fields or the lean."""
    field: fields.String = kind.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(SECTORS))
    )
    return field


def _sectors() -> fields.List[Any]:
    return fields.List(
        fields.String(validate=validate.OneOf(sorted(SECTORS))), validate=validate.Length(max=50)
    )


def _unit_code() -> fields.String:
    return fields.String(allow_none=True, validate=validate.Length(min=1, max=40))


# The document a POST receives, and its tasks: marshmallow's fields and schema without the work
# that changes no outcome (shared/event_fields.py, as the events'): a document of 20 tasks is
# validated field by field as before, with the same values passing and failing alike.
class TaskIn(LeanSchema):
    content = lean.String(required=True, validate=validate.Length(min=1, max=10000))
    lead_unit = lean.String(required=True, validate=validate.Length(min=1, max=40))
    coordinating_units = lean.List(
        lean.String(validate=validate.Length(min=1, max=40)),
        load_default=list,
        validate=validate.Length(max=200),
    )
    due_on = lean.Date(required=True, allow_none=True, validate=dates.supported_date())
    cadence = lean.String(
        load_default=None, allow_none=True, validate=validate.OneOf(sorted(CADENCES))
    )
    sector = _sector(lean)

    @validates_schema
    def _deadline_or_cadence(self, data: dict[str, Any], **_: object) -> None:
        if data.get("due_on") is not None and data.get("cadence"):
            raise ValidationError("Nhiệm vụ có thời hạn không có kỳ báo cáo.", "cadence")
        if data.get("due_on") is None and not data.get("cadence"):
            raise ValidationError(
                "Nhiệm vụ không có thời hạn phải có kỳ báo cáo (Đ6.2b).", "cadence"
            )
        if data["lead_unit"] in data.get("coordinating_units", []):
            raise ValidationError(
                "Đơn vị chủ trì không đồng thời là đơn vị phối hợp.", "coordinating_units"
            )


class DocumentIn(LeanSchema):
    source_id = lean.String(load_default=None, validate=validate.Length(min=1, max=200))
    number = lean.String(required=True, validate=validate.Length(min=3, max=100))
    type = lean.String(required=True, validate=validate.OneOf(sorted(DOCUMENT_TYPES)))
    assigned_by = lean.String(required=True, validate=validate.OneOf(sorted(ASSIGNERS)))
    signer = lean.Nested(Signer, required=True)
    issued_on = lean.Date(required=True, validate=dates.supported_date())
    urgency = lean.String(load_default="thuong", validate=validate.OneOf(sorted(URGENCIES)))
    secrecy = lean.String(
        load_default=None, allow_none=True, validate=validate.OneOf(SECRECY_VALUES)
    )
    summary = lean.String(required=True, validate=validate.Length(min=1, max=5000))
    # Đ8.2a: the document's sector, which each of its tasks takes unless it names its own.
    sector = _sector(lean)
    release = lean.Boolean(load_default=False)
    attachments = lean.List(
        lean.String(validate=validate.Length(max=500)),
        load_default=list,
        validate=validate.Length(max=50),
    )
    # All the tasks in one load of TaskIn rather than one load each (many_nested.py).
    tasks = ManyNested(TaskIn, load_default=list, validate=validate.Length(max=500))


class TaskOut(Schema):
    id = fields.String()
    content = fields.String()
    lead_unit = fields.String()
    coordinating_units = fields.List(fields.String())
    due_on = fields.Date(allow_none=True)
    cadence = fields.String(allow_none=True)
    cadence_label = fields.String(allow_none=True)
    sector = fields.String(allow_none=True)  # Đ8.2a
    sector_label = fields.String(allow_none=True)
    status = fields.String()


class FileOut(Schema):
    """A document's file: what people call it; its bytes at `url` (a download)."""

    id = fields.String()
    name = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    sha256 = fields.String()
    origin = fields.String()
    added_at = fields.AwareDateTime()
    url = fields.String()


class FileUploadIn(Schema):
    """A file sent as JSON; `multipart/form-data` with the part `file` is the other way."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    content_base64 = fields.String(required=True)


class DocumentOut(Schema):
    id = fields.String()
    source_id = fields.String()
    number = fields.String()
    type = fields.String()
    type_label = fields.String()
    assigned_by = fields.String()
    assigned_by_label = fields.String()
    signer = fields.Nested(Signer)
    issued_on = fields.Date()
    urgency = fields.String()
    urgency_label = fields.String()
    summary = fields.String()
    status = fields.String()
    status_label = fields.String()
    intake_deadline = fields.Date()
    received_at = fields.AwareDateTime()
    released_at = fields.AwareDateTime(allow_none=True)
    released_late = fields.Boolean(allow_none=True)
    tasks = fields.List(fields.Nested(TaskOut))  # absent from a list asked with tasks=count
    task_count = fields.Integer()
    files = fields.List(fields.Nested(FileOut))  # one document's answer only


class Page(Schema):
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


class DocumentQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(["received", "released"]))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    type = fields.String(load_default=None, validate=validate.OneOf(sorted(DOCUMENT_TYPES)))
    assigned_by = fields.String(load_default=None, validate=validate.OneOf(sorted(ASSIGNERS)))
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    issued_from = fields.Date(load_default=None, validate=dates.supported_date())
    issued_to = fields.Date(load_default=None, validate=dates.supported_date())
    # "count": each document's task_count without its tasks (a list page needs no more).
    tasks = fields.String(load_default="full", validate=validate.OneOf(["full", "count"]))

    @validates_schema
    def _period(self, data: dict[str, Any], **_: object) -> None:
        start, end = data.get("issued_from"), data.get("issued_to")
        if start and end and start > end:
            raise ValidationError("Ngày kết thúc kỳ không được trước ngày bắt đầu.", "issued_to")


class DocumentPage(Schema):
    items = fields.List(fields.Nested(DocumentOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class UnitQuery(Page):
    kind = fields.String(load_default=None, validate=validate.OneOf(UNIT_KINDS))
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    active = fields.Boolean(load_default=None, allow_none=True)


class UnitOut(Schema):
    code = fields.String()
    name = fields.String()
    kind = fields.String()
    active = fields.Boolean()
    parent = fields.String(allow_none=True)  # the unit it belongs to (Đ7.2a, Đ8.2c)
    sectors = fields.List(fields.String())  # the sectors it manages (Đ8.2a)


class UnitPage(Schema):
    items = fields.List(fields.Nested(UnitOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


# -- corrections by the Office (Đ5.2a) -----------------------------------------------------------
_REASON = validate.Length(min=1, max=2000)


class TaskAddIn(TaskIn):
    """A task the document assigns but that was not entered (Đ5.2a): validated as on creation."""


class TaskAmendIn(Schema):
    content = fields.String(validate=validate.Length(min=1, max=10000))
    due_on = fields.Date(allow_none=True, validate=dates.supported_date())
    cadence = fields.String(allow_none=True, validate=validate.OneOf(sorted(CADENCES)))
    coordinating_units = fields.List(
        fields.String(validate=validate.Length(min=1, max=40)), validate=validate.Length(max=200)
    )
    sector = fields.String(allow_none=True, validate=validate.OneOf(sorted(SECTORS)))  # Đ8.2a

    @pre_load
    def _lead_unit_is_a_transfer(self, data: object, **_: object) -> object:
        if isinstance(data, dict) and "lead_unit" in data:
            raise ValidationError(
                "Đổi đơn vị chủ trì bằng chức năng chuyển nhiệm vụ (…/transfer).", "lead_unit"
            )
        return data

    @validates_schema
    def _something_to_amend(self, data: dict[str, Any], **_: object) -> None:
        if not data:
            raise ValidationError("Cần ít nhất một nội dung cần điều chỉnh.")
        coordinating = data.get("coordinating_units") or []
        if len(set(coordinating)) != len(coordinating):
            raise ValidationError("Đơn vị phối hợp bị lặp.", "coordinating_units")


class TaskTransferIn(Schema):
    lead_unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    reason = fields.String(required=True, validate=_REASON)


class TaskWithdrawIn(Schema):
    reason = fields.String(required=True, validate=_REASON)


class TaskDetailOut(TaskOut):
    document_id = fields.String()
    document_number = fields.String()
    document_status = fields.String()
    status = fields.String()
    status_label = fields.String()
    updated_at = fields.AwareDateTime(allow_none=True)
    document = fields.Dict()  # number, type, assigned_by, signer, issued_on, summary


# -- unit management (docs/architecture.md, Units) -------------------------------------------------
class UnitIn(Schema):
    code = fields.String(
        required=True,
        validate=validate.Regexp(
            r"^[A-Z0-9_]{1,40}$", error="Mã đơn vị gồm chữ in hoa không dấu, chữ số và dấu _."
        ),
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS))
    parent = _unit_code()
    sectors = _sectors()


class UnitPatchIn(Schema):
    name = fields.String(validate=validate.Length(min=1, max=300))
    active = fields.Boolean()
    parent = _unit_code()  # null: a unit of its own (Đ7.2a, Đ8.2c)
    sectors = _sectors()  # Đ8.2a

    @validates_schema
    def _something_to_change(self, data: dict[str, Any], **_: object) -> None:
        if not data:
            raise ValidationError(
                "Cần đổi tên, trạng thái hoạt động, đơn vị cấp trên hoặc lĩnh vực của đơn vị."
            )


class UnitMergeIn(Schema):
    successor = fields.String(required=True, validate=validate.Length(min=1, max=40))


class UnitDetailOut(UnitOut):
    successor = fields.String(allow_none=True)


class UnitMergeOut(Schema):
    unit = fields.Nested(UnitDetailOut)
    transferred_tasks = fields.List(fields.String())
    amended_tasks = fields.List(fields.String())


def _labels() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String())


class VocabularyOut(Schema):
    """Code → Vietnamese label, for clients that show the codes to people (the web)."""

    document_types = _labels()
    assigners = _labels()
    urgencies = _labels()
    cadences = _labels()
    document_statuses = _labels()
    sectors = _labels()  # Đ8.2a


# -- a unit's report of a missing or wrong task (Đ5.2a) -------------------------------------------
class TaskReportIn(Schema):
    """`missing`: the document gave the unit no task it should have (giao thiếu); `incorrect`:
    a task it received is not right (chưa chính xác), named by `task_id`."""

    problem = fields.String(required=True, validate=validate.OneOf(["missing", "incorrect"]))
    task_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    reason = fields.String(required=True, validate=_REASON)


class TaskReportByNumberIn(Schema):
    """A unit given no task in a document it received (Đ5.2a, "giao thiếu") names the document by
    its number and symbol (số, ký hiệu), as it reads it in its own document system."""

    document_number = fields.String(required=True, validate=validate.Length(min=3, max=100))
    problem = fields.String(load_default="missing", validate=validate.OneOf(["missing"]))
    reason = fields.String(required=True, validate=_REASON)


class TaskReportCloseIn(Schema):
    note = fields.String(load_default=None, allow_none=True, validate=_REASON)


class TaskReportOut(Schema):
    id = fields.String()
    document_id = fields.String()
    document_number = fields.String(allow_none=True)
    task_id = fields.String(allow_none=True)
    unit = fields.String()
    problem = fields.String()
    problem_label = fields.String()
    reason = fields.String()
    status = fields.String()
    status_label = fields.String()
    reported_at = fields.AwareDateTime()
    reported_by = fields.Dict()
    closed_at = fields.AwareDateTime(allow_none=True)
    closing_note = fields.String(allow_none=True)


class TaskReportQuery(Page):
    status = fields.String(load_default=None, validate=validate.OneOf(["open", "closed"]))
    unit = fields.String(load_default=None, validate=validate.Length(min=1, max=40))
    document_id = fields.String(load_default=None, validate=validate.Length(min=1, max=32))


class TaskReportPage(Schema):
    items = fields.List(fields.Nested(TaskReportOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


# -- status back to the document system (Đ3.2) ----------------------------------------------------
class ResponseForOut(Schema):
    organ_id = fields.String(allow_none=True)
    code = fields.String(allow_none=True)
    promulgation_date = fields.String(allow_none=True)
    document_id = fields.String(allow_none=True)


class StatusMessageOut(Schema):
    id = fields.String()
    document_id = fields.String()
    seq = fields.Integer()
    kind = fields.String()
    kind_label = fields.String()
    status_code = fields.String()
    task_id = fields.String(allow_none=True)
    description = fields.String()
    edxml = fields.String()
    created_at = fields.AwareDateTime()


class StatusMessageList(Schema):
    document_id = fields.String()
    source_id = fields.String()
    response_for = fields.Nested(ResponseForOut, allow_none=True)
    items = fields.List(fields.Nested(StatusMessageOut))


class StatusMessageQuery(Schema):
    source_id = fields.String(required=True, validate=validate.Length(min=1, max=200))
