"""What an inspection's plan, its changes and its report hold (Đ11–Đ15): the request bodies of
bpmn/inspection.bpmn's opening and actions (kinds/inspections.py), with the forms, scopes and
results they name."""

from __future__ import annotations

from typing import Any

from marshmallow import Schema, ValidationError, fields, post_load, validate, validates_schema

from services.workflow.kinds.bodies import UNIT_CODE as _UNIT_CODE
from services.workflow.kinds.bodies import text as _text
from shared import dates

FORMS = {  # Đ12
    "regular": "Kiểm tra thường xuyên, định kỳ theo kế hoạch",
    "ad_hoc": "Kiểm tra đột xuất",
}

SCOPES = {  # Đ11
    "implementation": "Việc tổ chức, triển khai và tình hình, kết quả thực hiện nhiệm vụ",
    "system_updates": "Việc cập nhật tình hình, kết quả thực hiện nhiệm vụ trên Hệ thống",
    "reporting": "Việc thực hiện chế độ thông tin, báo cáo",
}

RESULTS = {  # Đ15.3b
    "done": "Đã thực hiện đúng nhiệm vụ được giao",
    "not_done": "Chưa thực hiện nhiệm vụ được giao",
    "done_wrongly": "Thực hiện không đúng, không đầy đủ nhiệm vụ được giao",
}


def _units(required: bool = True) -> fields.List[Any]:
    one = fields.String(validate=_UNIT_CODE)
    size = validate.Length(min=1, max=200)
    if required:
        return fields.List(one, required=True, validate=size)
    return fields.List(one, load_default=None, allow_none=True, validate=size)


class _UnitsOnce(Schema):
    @post_load
    def _once(self, data: dict[str, Any], **_kwargs: Any) -> dict[str, Any]:
        if data.get("units"):
            data["units"] = list(dict.fromkeys(data["units"]))
        if data.get("inspectors"):
            once = {person["sub"]: person for person in data["inspectors"]}
            data["inspectors"] = list(once.values())
        return data


class InspectorIn(Schema):
    """A Working Group member assigned to the inspection (Đ13), by their account."""

    sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    name = fields.String(required=True, validate=validate.Length(min=1, max=300))


def _inspectors(required: bool = False, default: Any = None) -> fields.List[Any]:
    one = fields.Nested(InspectorIn)
    if required:
        return fields.List(one, required=True, validate=validate.Length(min=1, max=50))
    return fields.List(
        one, load_default=default, allow_none=default is None, validate=validate.Length(max=50)
    )


def _scope(required: bool = True) -> fields.List[Any]:
    one = fields.String(validate=validate.OneOf(sorted(SCOPES)))
    if required:
        return fields.List(one, required=True, validate=validate.Length(min=1))
    return fields.List(one, load_default=None, allow_none=True, validate=validate.Length(min=1))


class PlanIn(_UnitsOnce):
    """Đ12, Đ11: the form of inspection, the units inspected, what and which period."""

    form = fields.String(
        required=True, validate=validate.OneOf(sorted(FORMS)), metadata={"enum_labels": FORMS}
    )
    title = _text(maximum=500)
    units = _units()
    # The Working Group members who carry it out (Đ13); an inspector who drafts it is one.
    inspectors = _inspectors(default=list)
    scope = _scope()
    period_from = fields.Date(required=True, validate=dates.supported_date())
    period_to = fields.Date(required=True, validate=dates.supported_date())
    # Đ12.2: an ad-hoc inspection follows a direction, or a unit found not doing its task.
    basis = _text(required=False)
    task_ids = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=500),
    )
    note = _text(required=False)
    # Đ12.1: a regular inspection opened from an item of the approved annual plan
    # (kinds/inspection_plans.py): the plan's case id and the item's number.
    plan_id = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=32))
    plan_item = fields.Integer(load_default=None, allow_none=True, validate=validate.Range(min=1))

    @validates_schema
    def _plan(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if (data.get("plan_id") is None) != (data.get("plan_item") is None):
            raise ValidationError("Nêu cả kế hoạch và số thứ tự mục trong kế hoạch.", "plan_item")
        if data.get("plan_id") and data["form"] != "regular":
            raise ValidationError(
                "Cuộc kiểm tra theo kế hoạch là kiểm tra thường xuyên, định kỳ (Điều 12).", "form"
            )
        if data["period_to"] < data["period_from"]:
            raise ValidationError("Thời gian kết thúc phải sau thời gian bắt đầu.", "period_to")
        if data["form"] == "ad_hoc" and not data.get("basis"):
            raise ValidationError(
                "Kiểm tra đột xuất phải nêu căn cứ: yêu cầu chỉ đạo, điều hành hoặc việc "
                "phát hiện đơn vị không thực hiện, thực hiện không đúng nhiệm vụ (Điều 12).",
                "basis",
            )


class PlanApproveIn(_UnitsOnce):
    """Đ13.2: the Working Group's leader approves the plan, and may name its inspectors."""

    inspectors = _inspectors()
    note = _text(required=False)


class AssignInspectorsIn(_UnitsOnce):
    """Đ13, Đ14.1: the Working Group members who carry out the inspection, replacing those
    named before."""

    inspectors = _inspectors(required=True)
    note = _text(required=False)


class PlanReasonIn(Schema):
    """Sending a plan back, or cancelling it: why."""

    reason = _text()


class PlanReviseIn(_UnitsOnce):
    """The revised plan: what is left out stays as it was."""

    units = _units(required=False)
    inspectors = _inspectors()
    scope = _scope(required=False)
    period_from = fields.Date(load_default=None, allow_none=True, validate=dates.supported_date())
    period_to = fields.Date(load_default=None, allow_none=True, validate=dates.supported_date())
    note = _text()


class InspectionInviteIn(Schema):
    """Đ14.2: a unit concerned by what is inspected, invited to work with the Working Group."""

    unit = fields.String(required=True, validate=_UNIT_CODE)
    reason = _text()


class InspectionFinishIn(Schema):
    """The inspection's end, from which the report's 10 working days count (Đ15.1, Đ15.2)."""

    ended_on = fields.Date(load_default=None, allow_none=True, validate=dates.supported_date())
    note = _text(required=False)


class InspectionConclusionIn(Schema):
    """Đ15.3: one inspected unit's assessment, conclusion and recommendations."""

    unit = fields.String(required=True, validate=_UNIT_CODE)
    assessment = _text()  # Đ15.3a
    result = fields.String(
        required=True, validate=validate.OneOf(sorted(RESULTS)), metadata={"enum_labels": RESULTS}
    )
    conclusion = _text()  # Đ15.3b
    nature = _text(required=False)
    level = _text(required=False)
    cause = _text(required=False)
    responsibility = _text(required=False)
    recommendations = _text(required=False)  # Đ15.3c

    @validates_schema
    def _shortcomings(self, data: dict[str, Any], **_kwargs: Any) -> None:
        if data["result"] == "done":
            return
        missing = [
            key for key in ("nature", "level", "cause", "responsibility") if not data.get(key)
        ]
        if missing:
            raise ValidationError(
                {
                    key: ["Phải xác định rõ tính chất, mức độ, nguyên nhân, trách nhiệm (Điều 15)."]
                    for key in missing
                }
            )


class InspectionReportIn(Schema):
    """Đ15.3: the report of the inspection's results, with a conclusion for each inspected unit."""

    summary = _text()
    conclusions = fields.List(
        fields.Nested(InspectionConclusionIn),
        required=True,
        validate=validate.Length(min=1, max=200),
    )
    recommendations = _text(required=False)


class InspectionPresentIn(Schema):
    """Đ10.1đ: the People's Committee's monthly meeting at which the leader presented it."""

    meeting_on = fields.Date(required=True, validate=dates.supported_date())
    note = _text(required=False)
