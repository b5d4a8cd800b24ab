"""Request and response shapes of the workflow API (marshmallow); see docs/contracts.md."""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from services.workflow.domain import ACTION_LABELS, RETURN_REASONS, STATUS_LABELS
from services.workflow.exchanges import OPENER_LABELS
from shared import dates


class TaskQuery(Schema):
    unit = fields.String(load_default=None, validate=validate.Length(max=40))
    sector = fields.String(load_default=None, validate=validate.Length(max=40))  # Đ8.2a
    status = fields.String(load_default=None, validate=validate.OneOf(sorted(STATUS_LABELS)))
    overdue = fields.Boolean(load_default=None, allow_none=True)
    # Đ6.2a: tasks whose unit was reminded to post progress and has not yet.
    progress_due = fields.Boolean(load_default=None, allow_none=True)
    extension_pending = fields.Boolean(load_default=None, allow_none=True)
    # Who assigned the task, and when it was assigned (its document's release), both inclusive.
    assigned_by = fields.String(
        load_default=None, validate=validate.OneOf(["chu_tich", "pho_chu_tich", "ubnd_tinh"])
    )
    assigned_from = fields.Date(load_default=None)
    assigned_to = fields.Date(load_default=None)
    q = fields.String(load_default=None, validate=validate.Length(max=200))
    # "submitted": oldest submission first, for the Office's queue of results to confirm.
    order = fields.String(load_default=None, validate=validate.OneOf(["submitted"]))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))
    offset = fields.Integer(load_default=0, validate=validate.Range(min=0))


def _note() -> fields.String:
    return fields.String(load_default=None, allow_none=True, validate=validate.Length(max=10000))


def _reason() -> fields.String:
    return fields.String(required=True, validate=validate.Length(min=1, max=2000))


class ActionIn(Schema):
    """An action with an optional note (accept, report_progress, contribute, submit_result,
    confirm, resolve_return, urge)."""

    note = _note()


class AttachingActionIn(ActionIn):
    """An action that may send files (report_progress, submit_result, contribute; Đ6.2a): the
    ids `POST …/tasks/<id>/files` answered."""

    attachments = fields.List(
        fields.String(validate=validate.Length(min=1, max=32)),
        load_default=list,
        validate=validate.Length(max=20),
    )


class ReturnIn(Schema):
    """Đ5.2a: the lead unit returns the task, saying why."""

    reason = fields.String(
        required=True,
        validate=validate.OneOf(sorted(RETURN_REASONS)),
        metadata={"enum_labels": RETURN_REASONS},
    )
    note = _note()


class RequestExtensionIn(Schema):
    """Đ5.2c: a new due date, later than the current one, and why."""

    new_due_on = fields.Date(required=True, validate=dates.supported_date())
    reason = _reason()
    note = _note()


class DecideExtensionIn(Schema):
    """Đ5.2c: the Office approves (the date asked for, or `new_due_on`) or refuses."""

    approve = fields.Boolean(required=True)
    new_due_on = fields.Date(load_default=None, allow_none=True, validate=dates.supported_date())
    note = _note()


class RequestReworkIn(Schema):
    """Đ5.2b: the Office sends the result back with a reason."""

    reason = _reason()
    note = _note()


class WithdrawIn(Schema):
    reason = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=2000))
    note = _note()


class AssignOfficerIn(Schema):
    """Đ21: the officer of the lead unit who answers for the task, by the account they sign in
    with and their name."""

    officer_sub = fields.String(required=True, validate=validate.Length(min=1, max=200))
    officer_name = fields.String(required=True, validate=validate.Length(min=1, max=300))


class HandOnIn(Schema):
    """Đ8.2c: the lead unit hands the task on to a unit under it, keeping the responsibility."""

    unit = fields.String(required=True, validate=validate.Length(min=1, max=40))
    note = _note()


ACTION_SCHEMAS: dict[str, type[Schema]] = {
    **{action: ActionIn for action in ACTION_LABELS},
    **{action: AttachingActionIn for action in ("report_progress", "submit_result", "contribute")},
    "return": ReturnIn,
    "request_extension": RequestExtensionIn,
    "decide_extension": DecideExtensionIn,
    "request_rework": RequestReworkIn,
    "withdraw": WithdrawIn,
    "assign_officer": AssignOfficerIn,
    "hand_on": HandOnIn,
}


class TaskFileOut(Schema):
    """A file sent with a task's action; its bytes at `url` (a download)."""

    id = fields.String()
    name = fields.String()
    size = fields.Integer()
    media_type = fields.String()
    sha256 = fields.String()
    uploaded_at = fields.AwareDateTime()
    unit = fields.String(allow_none=True)
    url = fields.String()


class TaskFileUploadIn(Schema):
    """A file sent as JSON; `multipart/form-data` with the part `file` is the other way."""

    name = fields.String(required=True, validate=validate.Length(min=1, max=500))
    content_base64 = fields.String(required=True)


class HistoryOut(Schema):
    id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()
    action = fields.String()
    action_label = fields.String(allow_none=True)
    status_from = fields.String(allow_none=True)
    status_to = fields.String()
    actor = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)
    attachments = fields.List(fields.Nested(TaskFileOut))


class TaskCaseOut(Schema):
    """An open case about a task (exchange, feedback, …) and since when it waits."""

    id = fields.String()
    kind = fields.String()
    kind_label = fields.String()
    status = fields.String()
    status_label = fields.String()
    waiting_since = fields.Date()
    waiting_days = fields.Integer()


class OfficerOut(Schema):
    sub = fields.String()
    name = fields.String(allow_none=True)


class TaskOut(Schema):
    id = fields.String()
    document_id = fields.String()
    document_number = fields.String()
    assigned_by = fields.String()
    content = fields.String()
    lead_unit = fields.String()
    coordinating_units = fields.List(fields.String())
    sector = fields.String(allow_none=True)  # lĩnh vực (Đ8.2a)
    handed_units = fields.List(fields.String())  # units under the lead unit it was handed on to
    assigned_on = fields.Date()
    due_on = fields.Date(allow_none=True)
    cadence = fields.String(allow_none=True)
    status = fields.String(validate=validate.OneOf(sorted(STATUS_LABELS)))
    status_label = fields.String()
    overdue = fields.Boolean()
    extension_pending = fields.Boolean()
    progress_due = fields.Boolean()
    submitted_on = fields.Date(allow_none=True)  # the unit's latest submission of a result
    submitted_at = fields.AwareDateTime(allow_none=True)
    # While the result waits for the Office: working days since it was submitted.
    awaiting_confirmation_days = fields.Integer(allow_none=True)
    # Đ21: the officer responsible inside the lead unit; None: the unit is.
    officer = fields.Nested(OfficerOut, allow_none=True)
    actions = fields.List(
        fields.String(validate=validate.OneOf(sorted({*ACTION_LABELS, *OPENER_LABELS})))
    )
    history = fields.List(fields.Nested(HistoryOut))
    open_cases = fields.List(fields.Nested(TaskCaseOut))  # cases about the task, still open
    awaiting_direction = fields.Boolean()  # Đ8.1c: a leader's direction is awaited


class TaskSummaryOut(TaskOut):
    class Meta:
        exclude = ("actions", "history", "open_cases", "awaiting_direction")

    # In lists: the unit's reason for returning the task (Đ5.2a), while it is returned.
    return_reason = fields.String(allow_none=True)


class TaskPage(Schema):
    items = fields.List(fields.Nested(TaskSummaryOut))
    total = fields.Integer()
    limit = fields.Integer()
    offset = fields.Integer()


class ProcessModelOut(Schema):
    process_id = fields.String()
    version = fields.Integer()
    sha256 = fields.String()
    deployed_at = fields.AwareDateTime()
    deployed_by = fields.String(allow_none=True)
    # `file` (bpmn/, at start), `api` (a process owner), `cli` (an operator's command)
    source = fields.String(validate=validate.OneOf(["file", "api", "cli"]))
    # The version new instances start on (one per process), who chose it and when
    active = fields.Boolean()
    activated_at = fields.AwareDateTime(allow_none=True)
    activated_by = fields.String(allow_none=True)


class ProcessModelListed(ProcessModelOut):
    running = fields.Integer(metadata={"description": "tasks and cases not closed on it"})


class DiagramErrorOut(Schema):
    """One problem of a refused diagram, on the element a modeler shows (null: the diagram)."""

    element_id = fields.String(allow_none=True)
    element_name = fields.String(allow_none=True)
    element_type = fields.String(allow_none=True, metadata={"example": "boundaryEvent"})
    element = fields.String(
        metadata={"example": "Sự kiện hẹn giờ biên 'Nhắc' (boundaryEvent, id: Event_1ab)"}
    )
    message = fields.String()


class DiagramRefusal(Schema):
    """A refused deploy: the problem envelope, `errors.bpmn` with each problem as text, and
    `diagram_errors` with every problem as data."""

    type = fields.String()
    title = fields.String()
    status = fields.Integer()
    detail = fields.String()
    errors = fields.Dict(keys=fields.String(), values=fields.List(fields.String()))
    diagram_errors = fields.List(fields.Nested(DiagramErrorOut))


class ProcessModelList(Schema):
    items = fields.List(fields.Nested(ProcessModelListed))


class MigrationIn(Schema):
    """Move the running instances of `from_version` onto the version in the path; `apply` false
    (the default) previews the move without changing anything."""

    from_version = fields.Integer(required=True, validate=validate.Range(min=1, max=999_999_999))
    apply = fields.Boolean(load_default=False)


class MigrationItemOut(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    moved = fields.Boolean()
    reason = fields.String(allow_none=True)


class MigrationOut(Schema):
    process_id = fields.String()
    from_version = fields.Integer()
    to_version = fields.Integer()
    applied = fields.Boolean()
    moved = fields.Integer()
    refused = fields.Integer()
    items = fields.List(fields.Nested(MigrationItemOut))


class PreviewQuery(Schema):
    """The period whose tasks a deploy preview replays (default: the last full quarter)."""

    from_ = fields.Date(load_default=None, data_key="from", validate=dates.supported_date())
    to = fields.Date(load_default=None, validate=dates.supported_date())


class PreviewTasksOut(Schema):
    replayed = fields.Integer(metadata={"description": "tasks replayed on both versions"})
    unchanged = fields.Integer()
    changed = fields.Integer(metadata={"description": "another notice or category"})
    diverging = fields.Integer(metadata={"description": "an action the candidate refuses"})
    approximate = fields.Integer(metadata={"description": "replayed from derived data"})
    not_replayed = fields.Integer(metadata={"description": "not replayable on their version"})


class PreviewNoticeOut(Schema):
    type = fields.String(metadata={"example": "task.due_soon"})
    label = fields.String(allow_none=True)
    before = fields.Integer(metadata={"description": "notices in the period, as things ran"})
    after = fields.Integer(metadata={"description": "notices in the period, on the candidate"})
    tasks_gaining = fields.Integer(metadata={"description": "tasks with one at a new time"})
    tasks_losing = fields.Integer(metadata={"description": "tasks losing one at its time"})


class PreviewCategoryOut(Schema):
    from_ = fields.String(data_key="from")
    from_label = fields.String()
    to = fields.String()
    to_label = fields.String()
    tasks = fields.Integer()


class PreviewStopOut(Schema):
    task_id = fields.String()
    action = fields.String()
    at = fields.AwareDateTime()
    reason = fields.String()


class PreviewActionOut(Schema):
    action = fields.String()
    label = fields.String(allow_none=True)
    tasks = fields.Integer()


class PreviewDivergingOut(Schema):
    actions = fields.List(fields.Nested(PreviewActionOut))
    items = fields.List(fields.Nested(PreviewStopOut))


class PreviewReasonOut(Schema):
    reason = fields.String()
    label = fields.String()
    tasks = fields.Integer()


class PreviewOut(Schema):
    """What deploying the candidate would have changed for the tasks of the period."""

    process_id = fields.String()
    from_ = fields.Date(data_key="from")
    to = fields.Date()
    until = fields.AwareDateTime(metadata={"description": "the end of the replays"})
    baseline_versions = fields.List(fields.Integer())
    tasks = fields.Nested(PreviewTasksOut)
    notices = fields.List(fields.Nested(PreviewNoticeOut))
    categories = fields.List(fields.Nested(PreviewCategoryOut))
    diverging = fields.Nested(PreviewDivergingOut)
    approximate = fields.List(fields.Nested(PreviewReasonOut))
    not_replayed = fields.List(fields.Nested(PreviewStopOut))
    changed_sample = fields.List(fields.String(), metadata={"description": "at most 50"})


def _labels() -> fields.Dict:
    return fields.Dict(keys=fields.String(), values=fields.String())


class VocabularyOut(Schema):
    """Code → Vietnamese label, for clients that show the codes to people (the web)."""

    task_statuses = _labels()
    task_actions = _labels()
    return_reasons = _labels()
    case_kinds = _labels()
