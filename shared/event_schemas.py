"""The data schema of every event type (marshmallow): the contract of each event's `data`."""

from __future__ import annotations

from marshmallow import EXCLUDE, Schema, validate

from shared.event_fields import LeanSchema
from shared.event_fields import _Lean as _Lean
from shared.event_fields import _String as _String
from shared.event_fields import fields as fields

CADENCES = ("quarterly", "half_yearly", "yearly")
TASK_STATUSES = (
    "assigned",
    "in_progress",
    "returned",
    "submitted",
    "rework",
    "completed",
    "withdrawn",
)


class _Data(LeanSchema):
    class Meta:
        # A newer producer may add fields; consumers read what they know.
        unknown = EXCLUDE


class Actor(_Data):
    sub = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True)
    role = fields.String(load_default=None, allow_none=True)
    unit = fields.String(load_default=None, allow_none=True)


class UnitUpdated(_Data):
    code = fields.String(required=True)
    name = fields.String(required=True)
    kind = fields.String(
        required=True, validate=validate.OneOf(("office", "department", "commune", "ward", "other"))
    )
    active = fields.Boolean(required=True)
    successor = fields.String(load_default=None, allow_none=True)
    # The unit it belongs to (Đ7.2a, Đ8.2c) and the sectors it manages (Đ8.2a); absent from
    # events before the directory had them: no parent, no sector.
    parent = fields.String(load_default=None, allow_none=True)
    sectors = fields.List(fields.String(), load_default=list)


class DocumentReceived(_Data):
    document_id = fields.String(required=True)
    source_id = fields.String(required=True)
    number = fields.String(required=True)
    type = fields.String(required=True)
    assigned_by = fields.String(required=True)
    issued_on = fields.Date(required=True)
    urgency = fields.String(required=True)
    summary = fields.String(required=True)
    task_count = fields.Integer(required=True)
    received_at = fields.AwareDateTime(required=True)


class DocumentReleased(_Data):
    document_id = fields.String(required=True)
    number = fields.String(required=True)
    issued_on = fields.Date(required=True)
    released_at = fields.AwareDateTime(required=True)
    intake_deadline = fields.Date(required=True)
    released_late = fields.Boolean(required=True)
    task_ids = fields.List(fields.String(), required=True)
    # The document's signer: reporting splits the Vice-Chairmen by it. Absent from older events.
    signer_name = fields.String(load_default=None, allow_none=True)
    signer_position = fields.String(load_default=None, allow_none=True)


class ResponseFor(_Data):
    """The identifiers of the document system's own message about a document (QCVN 102)."""

    organ_id = fields.String(load_default=None, allow_none=True)
    code = fields.String(load_default=None, allow_none=True)
    promulgation_date = fields.String(load_default=None, allow_none=True)
    document_id = fields.String(load_default=None, allow_none=True)


class DocumentStatusChanged(_Data):
    """Status back to the document system (Đ3.2): one QCVN 102 status message, rendered as
    EDXML by intake (`edxml`), which notify delivers to the document system as it is."""

    message_id = fields.String(required=True)
    document_id = fields.String(required=True)
    source_id = fields.String(required=True)
    kind = fields.String(
        required=True,
        validate=validate.OneOf(("received", "released", "task_completed", "completed")),
    )
    status_code = fields.String(required=True, validate=validate.Regexp(r"^\d{2}$"))
    task_id = fields.String(load_default=None, allow_none=True)
    description = fields.String(required=True)
    response_for = fields.Nested(ResponseFor, required=True)
    edxml = fields.String(required=True)
    occurred_at = fields.AwareDateTime(required=True)


class TaskReleased(_Data):
    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    document_number = fields.String(required=True)
    document_type = fields.String(required=True)
    assigned_by = fields.String(required=True)
    issued_on = fields.Date(required=True)
    content = fields.String(required=True)
    lead_unit = fields.String(required=True)
    coordinating_units = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(required=True, allow_none=True)
    cadence = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CADENCES))
    released_at = fields.AwareDateTime(required=True)
    sector = fields.String(load_default=None, allow_none=True)  # lĩnh vực (Đ8.2a)


class Officer(_Data):
    sub = fields.String(required=True)
    name = fields.String(load_default=None, allow_none=True)


class TaskChanged(_Data):
    """Every task.* event from the workflow carries the task's state after the change."""

    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    status = fields.String(required=True, validate=validate.OneOf(TASK_STATUSES))
    lead_unit = fields.String(required=True)
    coordinating_units = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(required=True, allow_none=True)
    overdue = fields.Boolean(required=True)
    assigned_on = fields.Date(required=True)
    assigned_by = fields.String(load_default=None, allow_none=True)
    content = fields.String(load_default=None, allow_none=True)
    action = fields.String(load_default=None, allow_none=True)
    note = fields.String(load_default=None, allow_none=True)
    actor = fields.Nested(Actor, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)
    # When the unit submitted its latest result; a confirmed task counts as completed then
    # (Đ5.2b). Absent from older events: reporting then takes task.result_submitted's time.
    submitted_at = fields.AwareDateTime(load_default=None, allow_none=True)
    # The officer responsible inside the lead unit (Đ21), named by its head; None while the
    # unit is. Absent from older events: reporting keeps what it knew.
    officer = fields.Nested(Officer, load_default=None, allow_none=True)
    # The task's sector (Đ8.2a) and the units under the lead unit it was handed on to, in the
    # order they were (Đ8.2c); absent from older events.
    sector = fields.String(load_default=None, allow_none=True)
    handed_units = fields.List(fields.String(), load_default=list)


class _OfficeCorrection(_Data):
    task_id = fields.String(required=True)
    document_id = fields.String(required=True)
    actor = fields.Nested(Actor, required=True)


class TaskAmended(_OfficeCorrection):
    """The Office corrected a released task (Đ5.2a); `changes` maps each field to [old, new]."""

    changes = fields.Dict(
        keys=fields.String(), values=fields.List(fields.Raw(allow_none=True)), required=True
    )
    content = fields.String(required=True)
    lead_unit = fields.String(load_default=None, allow_none=True)
    due_on = fields.Date(required=True, allow_none=True)
    cadence = fields.String(load_default=None, allow_none=True, validate=validate.OneOf(CADENCES))
    coordinating_units = fields.List(fields.String(), load_default=list)
    amended_at = fields.AwareDateTime(required=True)
    sector = fields.String(load_default=None, allow_none=True)  # Đ8.2a


class TaskTransferred(_OfficeCorrection):
    from_unit = fields.String(required=True)
    to_unit = fields.String(required=True)
    reason = fields.String(required=True)
    transferred_at = fields.AwareDateTime(required=True)


class TaskWithdrawnByOffice(_OfficeCorrection):
    """The Office's order; the workflow answers with its own task.withdrawn."""

    reason = fields.String(required=True)
    withdrawn_at = fields.AwareDateTime(required=True)


class DocumentTaskReported(_Data):
    """A unit told the Office that a document it received gave it a task wrongly or not at all
    (Đ5.2a: "giao thiếu / chưa chính xác"); the Office's queue lists it until closed."""

    report_id = fields.String(required=True)
    document_id = fields.String(required=True)
    document_number = fields.String(required=True)
    unit = fields.String(required=True)
    problem = fields.String(required=True)  # missing | incorrect
    reason = fields.String(required=True)
    reported_at = fields.AwareDateTime(required=True)
    task_id = fields.String(load_default=None, allow_none=True)
    actor = fields.Nested(Actor, load_default=None, allow_none=True)


class ReportPublished(_Data):
    """The Office published a period's results (Đ16.2): the public figures, nothing internal."""

    id = fields.String(required=True)
    period = fields.String(required=True)
    from_ = fields.Date(required=True, data_key="from")
    to = fields.Date(required=True)
    as_of = fields.AwareDateTime(required=True)
    published_at = fields.AwareDateTime(required=True)
    totals = fields.Dict(required=True)
    units = fields.List(fields.Dict(), required=True)


class CaseChanged(_Data):
    """Every event of a case (inspection, feedback, periodic report, exchange about a task) carries
    the case's state after the change; `parties` names units by the role they fill in it."""

    case_id = fields.String(required=True)
    kind = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.String(required=True)
    task_id = fields.String(load_default=None, allow_none=True)
    group_id = fields.String(load_default=None, allow_none=True)
    parties = fields.Dict(
        keys=fields.String(), values=fields.List(fields.String()), load_default=dict
    )
    units = fields.List(fields.String(), load_default=list)
    due_on = fields.Date(load_default=None, allow_none=True)
    overdue = fields.Boolean(load_default=False)
    action = fields.String(required=True)
    note = fields.String(load_default=None, allow_none=True)
    details = fields.Dict(load_default=dict)  # the action's body as the diagram received it
    actor = fields.Nested(Actor, load_default=None, allow_none=True)
    occurred_at = fields.AwareDateTime(required=True)


TASK_EVENT_TYPES = (
    "task.assigned",
    "task.accepted",
    "task.returned",
    "task.return_resolved",
    "task.progress_reported",
    "task.result_submitted",
    "task.rework_requested",
    "task.completed",
    "task.withdrawn",
    "task.due_soon",  # announced by a diagram's deadline timer (Đ16.4)
    "task.overdue",
    "task.extension_requested",  # Đ5.2c
    "task.extension_decided",
    "task.urged",  # đôn đốc (Đ8.1): the Office's, or the diagram's while overdue (Đ16.4)
    "task.corrected",  # intake's transfer or amendment applied (Đ5.2a); action says which
    "task.contribution_added",  # a coordinating unit's opinion to the lead unit (Đ8.2b)
    "task.update_requested",  # an undated task's periodic update request (Đ6.2b)
    "task.progress_due",  # no progress posted for a while on a dated task (Đ6.2a)
    "task.officer_assigned",  # the lead unit's head names the officer responsible (Đ21)
    "task.handed_on",  # the lead unit hands the task on to a unit under it (Đ8.2c)
)

# Case events by kind (services/workflow/cases.py); each kind's diagram and API own its list.
INSPECTION_EVENT_TYPES: tuple[str, ...] = (  # Đ10–Đ15
    "inspection.plan_submitted",
    "inspection.plan_returned",
    "inspection.plan_approved",
    "inspection.cancelled",
    "inspection.unit_invited",  # Đ14.2
    "inspection.finished",
    "inspection.report_due",  # the report's 10 working days (Đ15.1, Đ15.2) end soon
    "inspection.report_overdue",
    "inspection.report_urged",
    "inspection.reported",  # Đ15.2, Đ15.3
    "inspection.presented",  # Đ10.1đ
    "inspection.documents_requested",  # Đ14.3
    "inspection.documents_provided",
    "inspection.documents_due_soon",
    "inspection.documents_overdue",
)
INSPECTION_PLAN_EVENT_TYPES: tuple[str, ...] = (  # Đ10.1a, Đ12.1, Đ13: the annual plan
    "inspection_plan.drafted",  # the Office drafted the year's plan
    "inspection_plan.submitted",  # submitted to the leader for approval
    "inspection_plan.returned",
    "inspection_plan.approved",  # inspections are opened from its items
)
UNIT_INSPECTION_EVENT_TYPES: tuple[str, ...] = (  # Đ10.2b, Đ15.1: a unit inspects itself
    "unit_inspection.opened",  # the unit's head opened it; the Office follows it (Đ15.1)
    "unit_inspection.cancelled",
    "unit_inspection.finished",  # the report is due within 10 working days (Đ15.1)
    "unit_inspection.report_due",
    "unit_inspection.report_overdue",
    "unit_inspection.report_urged",
    "unit_inspection.reported",  # to the People's Committee, the Chairman and the Office (Đ15.1)
)
FEEDBACK_EVENT_TYPES: tuple[str, ...] = (  # Đ16.6, Đ17.2, Đ17.3
    "feedback.received",
    "feedback.unit_urged",
    "feedback.escalated",
    "feedback.directed",
    "feedback.dismissed",
    "feedback.due_soon",  # the Office's 10 working days end soon
    "feedback.overdue",
)
PERIODIC_REPORT_EVENT_TYPES: tuple[str, ...] = (  # Đ18
    "periodic_report.units_reminded",  # every unit: the period's report is due soon (Đ18.1)
    "periodic_report.office_reminded",  # the Office: its compilation is due soon (Đ18.2)
)
UNIT_REPORT_EVENT_TYPES: tuple[str, ...] = (  # Đ18.1, Đ17.4: a unit's report for a period
    "unit_report.submitted",  # the unit sent it to the Office, on time or late (Đ18.1)
    "unit_report.returned",  # the Office returned it for correction, with its reason
    "unit_report.accepted",  # the Office accepted it
    "unit_report.overdue",  # the period's last day has passed and the unit has not sent it
)
OFFICE_REPORT_EVENT_TYPES: tuple[str, ...] = (  # Đ8.1a, Đ16.2, Đ18.2: the Office's evaluation
    "office_report.submitted",  # the Office's staff submit it to the Office's leader
    "office_report.returned",  # the leader returns it for correction, with a reason
    "office_report.approved",  # the leader approves it
    "office_report.published",  # the Office publishes the approved report (Đ16.2)
    "office_report.overdue",  # Đ18.2's day has passed and the report was not submitted
)
ANNUAL_REPORT_EVENT_TYPES: tuple[str, ...] = (  # Đ20.1: the Office's annual report
    "annual_report.submitted",  # the Office's staff submit it to the Office's leader
    "annual_report.returned",  # the leader returns it for correction, with a reason
    "annual_report.approved",  # the leader approves it
    "annual_report.published",  # the Office publishes the approved report (Đ16.2)
    "annual_report.overdue",  # the day the Office set has passed and it was not submitted
)
EXCHANGE_EVENT_TYPES: tuple[str, ...] = (  # Đ7.1, Đ8.1c, Đ8.1d, Đ9.2, Đ17.1
    "info_request.opened",  # the Office asks a unit for information (Đ8.1d, Đ9.2)
    "info_request.answered",
    "info_request.urged",  # by the Office, or every few working days while overdue
    "info_request.more_requested",
    "info_request.closed",
    "info_request.due_soon",
    "info_request.overdue",
    "correction_request.requested",  # the Office asks a unit to correct a report (Đ7.1)
    "correction_request.self_corrected",  # a unit corrects its own report (Đ7.2b)
    "correction_request.corrected",
    "correction_request.explained",
    "correction_request.overdue",
    "direction_request.reported",  # a unit reports a difficulty (Đ17.1)
    "direction_request.opinions_requested",  # Đ8.1b
    "direction_request.opinion_given",
    "direction_request.proposed",  # the Office asks a leader for direction (Đ8.1c)
    "direction_request.directed",
    "direction_request.resolved",
)
WORKING_GROUP_EVENT_TYPES: tuple[str, ...] = (  # Đ10.1đ, Đ14: the monthly account
    "monthly_account.drafted",
    "monthly_account.approved",
)
OVERDUE_SUMMARY_EVENT_TYPES: tuple[str, ...] = (  # Đ16.4: overdue tasks reported to the leaders
    "overdue_summary.sent",  # the Office sends the summary with its proposed measures
    "overdue_summary.directed",  # a leader's direction, to the Office and the lead units
)
COMMENDATION_EVENT_TYPES: tuple[str, ...] = (  # Đ21: commendation and discipline proposals
    "commendation.sent",  # the Office sends its lists to Sở Nội vụ for opinion (Đ21.4)
    "commendation.answered",  # Sở Nội vụ gives its opinion
    "commendation.decided",  # the Office records the result for each candidate (Đ21.1, Đ21.3)
    "commendation.due_soon",  # Sở Nội vụ's opinion is due soon
    "commendation.overdue",  # Sở Nội vụ's opinion is overdue
)
CASE_EVENT_TYPES = (
    *INSPECTION_EVENT_TYPES,
    *INSPECTION_PLAN_EVENT_TYPES,
    *UNIT_INSPECTION_EVENT_TYPES,
    *FEEDBACK_EVENT_TYPES,
    *PERIODIC_REPORT_EVENT_TYPES,
    *UNIT_REPORT_EVENT_TYPES,
    *OFFICE_REPORT_EVENT_TYPES,
    *ANNUAL_REPORT_EVENT_TYPES,
    *EXCHANGE_EVENT_TYPES,
    *WORKING_GROUP_EVENT_TYPES,
    *OVERDUE_SUMMARY_EVENT_TYPES,
    *COMMENDATION_EVENT_TYPES,
)

SCHEMAS: dict[str, Schema] = {
    "unit.updated": UnitUpdated(),
    "document.received": DocumentReceived(),
    "document.released": DocumentReleased(),
    "document.status_changed": DocumentStatusChanged(),
    "task.released": TaskReleased(),
    "task.amended": TaskAmended(),
    "task.transferred": TaskTransferred(),
    "task.withdrawn_by_office": TaskWithdrawnByOffice(),
    "document.task_reported": DocumentTaskReported(),
    "report.published": ReportPublished(),
    **{event_type: TaskChanged() for event_type in TASK_EVENT_TYPES},
    **{event_type: CaseChanged() for event_type in CASE_EVENT_TYPES},
}
