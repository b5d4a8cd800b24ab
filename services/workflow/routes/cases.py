"""Routes of every kind of case, the same shape for each (docs/adding-a-process.md):

POST /api/workflow/<path>                              open (201; one case per unit asked)
GET  /api/workflow/<path>?status&unit&open&q&…          list, paginated
GET  /api/workflow/<path>/<case_id>                    one: status, actions, history
POST /api/workflow/<path>/<case_id>/actions/<action>   act: 409 not offered, 403 not yours
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from flask import request
from marshmallow import Schema, fields, validate

from services.workflow import case_store, cases, task_files
from services.workflow.cases import CaseKind
from services.workflow.exchanges import readable_task
from services.workflow.instances import runner
from services.workflow.instances.runner import Snapshot
from services.workflow.kinds.task import require_opening
from services.workflow.schemas import TaskFileOut, TaskFileUploadIn
from shared.auth import INSPECTOR, LEADER, Principal
from shared.calendar import local_date
from shared.errors import Forbidden, NotFound
from shared.http import (
    UPLOAD_TYPES,
    ApiRouter,
    download,
    json_body,
    page,
    query_args,
    upload_limit,
    uploaded_file,
)
from shared.text import fold

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"


class CaseHistoryOut(Schema):
    at = fields.AwareDateTime()
    action = fields.String()
    action_label = fields.String()
    status_from = fields.String(allow_none=True)
    status_to = fields.String()
    actor = fields.Dict(allow_none=True)
    note = fields.String(allow_none=True)
    payload = fields.Dict(allow_none=True)


def _actions_field(kind: CaseKind) -> fields.List[str]:
    """The actions a case offers now: names of its kind's actions, or none at all for a kind
    that has none (an empty `enum` is not valid OpenAPI)."""
    if not kind.actions:
        return fields.List(fields.String(), validate=validate.Length(max=0))
    return fields.List(fields.String(validate=validate.OneOf(sorted(kind.actions))))


def _schemas(kind: CaseKind) -> dict[str, type[Schema]]:
    """Per-kind schemas, named after the kind so that the OpenAPI document tells them apart."""
    name = "".join(part.title() for part in kind.kind.split("_"))
    statuses = sorted(kind.statuses)
    out = Schema.from_dict(
        {
            "id": fields.String(),
            "kind": fields.String(),
            "title": fields.String(),
            "status": fields.String(validate=validate.OneOf(statuses)),
            "status_label": fields.String(),
            "task_id": fields.String(allow_none=True),
            "group_id": fields.String(allow_none=True),
            "parties": fields.Dict(keys=fields.String(), values=fields.List(fields.String())),
            "due_on": fields.Date(allow_none=True),
            "overdue": fields.Boolean(),
            "open": fields.Boolean(),
            "data": fields.Dict(),
            "created_by": fields.Dict(allow_none=True),
            "created_at": fields.AwareDateTime(),
            "updated_at": fields.AwareDateTime(),
            "closed_at": fields.AwareDateTime(allow_none=True),
            "actions": _actions_field(kind),
            "history": fields.List(fields.Nested(CaseHistoryOut)),
        },
        name=f"{name}Out",
    )
    summary = Schema.from_dict(
        {k: v for k, v in out._declared_fields.items() if k not in ("actions", "history")},
        name=f"{name}SummaryOut",
    )
    filters = {key: fields.String(load_default=None) for key in kind.query_filters}
    query = Schema.from_dict(
        {
            "status": fields.String(load_default=None, validate=validate.OneOf(statuses)),
            "unit": fields.String(load_default=None, validate=validate.Length(max=40)),
            "open": fields.Boolean(load_default=None, allow_none=True),
            "q": fields.String(load_default=None, validate=validate.Length(max=200)),
            "limit": fields.Integer(load_default=50, validate=validate.Range(min=1, max=500)),
            "offset": fields.Integer(load_default=0, validate=validate.Range(min=0)),
            **filters,
        },
        name=f"{name}Query",
    )
    page_schema = Schema.from_dict(
        {
            "items": fields.List(fields.Nested(summary)),
            "total": fields.Integer(),
            "limit": fields.Integer(),
            "offset": fields.Integer(),
        },
        name=f"{name}Page",
    )
    opened = Schema.from_dict(
        {"items": fields.List(fields.Nested(out))},
        name=f"{name}Opened",
    )
    return {"out": out, "query": query, "page": page_schema, "opened": opened}


def case_view(
    kind: CaseKind, case: dict[str, Any], today: Any, snap: Snapshot | None = None
) -> dict[str, Any]:
    view = {
        "id": case["case_id"],
        "kind": case["kind"],
        "title": case["title"],
        "status": case["status"],
        "status_label": kind.statuses.get(case["status"], case["status"]),
        "task_id": case["task_id"],
        "group_id": case["group_id"],
        "parties": case["parties"],
        "due_on": case["due_on"],
        "overdue": cases.is_overdue(case, today),
        "open": case["closed_at"] is None,
        "data": case["data"],
        "created_by": case["created_by"],
        "created_at": case["created_at"],
        "updated_at": case["updated_at"],
        "closed_at": case["closed_at"],
    }
    if snap is not None:
        view["actions"] = snap.actions
        view["history"] = [
            {
                "at": h["at"],
                "action": h["action"],
                "action_label": kind.action_label(h["action"]),
                "status_from": h["status_from"],
                "status_to": h["status_to"],
                "actor": h["actor"],
                "note": h["note"],
                "payload": h["payload"],
            }
            for h in snap.history
        ]
    return view


def scope(principal: Principal) -> frozenset[str] | None:
    """The units whose cases the caller may list (their own and those under it, Đ7.2a, Đ8.2c);
    None: all."""
    if principal.is_office or principal.has_role(LEADER, INSPECTOR):
        return None
    return frozenset({principal.unit}) | principal.subordinates if principal.unit else frozenset()


def register_case_routes(router: ApiRouter, service: WorkflowService) -> None:
    for kind in service.kinds.values():
        _register(router, service, kind)


def _register(router: ApiRouter, service: WorkflowService, kind: CaseKind) -> None:
    platform = service.runtime.platform
    schemas = _schemas(kind)
    base = f"{PREFIX}/{kind.path}"
    query_schema = schemas["query"]()

    def principal() -> Principal:
        return service.caller()

    def today() -> Any:
        return local_date(platform.clock.now())

    def named(view: Any, name: str) -> Any:
        view.__name__ = f"{name}_{kind.kind}"
        return view

    if kind.open_schema is not None and kind.opening is not None:
        open_schema = kind.open_schema()
        opening = kind.opening

        def post_case() -> Any:
            caller = principal()
            if not kind.may_open(caller):
                raise Forbidden(f"Bạn không có quyền lập {kind.label.lower()}.")
            payload = json_body(open_schema)
            with platform.unit_of_work() as uow:
                cases.check_due_on(service, payload, local_date(uow.now))
                cases.check_units(uow.conn, kind, "open", payload)
                if kind.task_action is not None and payload.get("task_id"):
                    # a case about a task: when the task's diagram offers it (Đ7, Đ8.1b)
                    task = readable_task(uow.conn, caller, payload["task_id"], for_update=True)
                    action = kind.task_action(caller)
                    require_opening(service, uow.conn, caller, task, action, today())
                openings = opening(uow.conn, caller, payload, uow.now)
                opened = cases.open_cases(service, uow, kind, openings, caller.to_actor())
                views = [
                    case_view(
                        kind,
                        c,
                        today(),
                        runner.snapshot(service, uow.conn, caller, kind, c, today()),
                    )
                    for c in opened
                ]
            return {"items": views}, 201

        router.route(
            base,
            "POST",
            request=kind.open_schema,
            response=schemas["opened"],
            status=201,
            summary=f"Lập {kind.label.lower()} mới",
        )(named(post_case, "post"))

    def get_cases() -> Any:
        caller = principal()
        args = query_args(query_schema)
        extra = {key: args[key] for key in kind.query_filters}
        with platform.database.read() as conn:
            items, total = case_store.list_cases(
                conn,
                kind=kind.kind,
                units=scope(caller),
                unit=args["unit"],
                status=args["status"],
                open_only=args["open"],
                q=fold(args["q"]) if args["q"] else None,
                limit=args["limit"],
                offset=args["offset"],
                **extra,
            )
        return page([case_view(kind, c, today()) for c in items], total, args)

    router.route(
        base,
        query=schemas["query"],
        response=schemas["page"],
        summary=f"Danh sách {kind.label.lower()}",
    )(named(get_cases, "get_list"))

    def get_case(case_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            case = _readable(conn, kind, caller, case_id)
            snap = runner.snapshot(service, conn, caller, kind, case, today())
        return case_view(kind, case, today(), snap)

    router.route(
        f"{base}/<case_id>",
        response=schemas["out"],
        summary=f"Một {kind.label.lower()}: trạng thái, thao tác được phép, lịch sử",
    )(named(get_case, "get_one"))

    for action, schema_class in kind.action_schemas.items():
        router.route(
            f"{base}/<case_id>/actions/{action}",
            "POST",
            request=schema_class,
            response=schemas["out"],
            summary=f"{kind.actions[action]} ({action}); 409 với các thao tác được phép nếu "
            "hiện không được phép, 403 nếu không thuộc quyền",
        )(named(_action_view(service, kind, action, schema_class()), f"post_{action}"))

    def post_unknown(case_id: str, action: str) -> Any:
        principal()
        raise NotFound(f"Không có thao tác '{action}'.", actions=sorted(kind.actions))

    router.route(f"{base}/<case_id>/actions/<action>", "POST", summary="Thao tác khác: 404")(
        named(post_unknown, "post_unknown")
    )
    if kind.takes_files:
        _register_files(router, service, kind)


def _action_view(service: WorkflowService, kind: CaseKind, action: str, schema: Schema) -> Any:
    platform = service.runtime.platform

    def view(case_id: str) -> Any:
        caller = service.caller()
        payload = json_body(schema) if request.get_data() else schema.load({})
        sent = _uploaded_ids(payload)
        with platform.unit_of_work() as uow:
            if sent:
                kind.require_access(uow.conn, caller, kind.find(uow.conn, case_id))
            files = task_files.pending(
                uow.conn, caller, case_id, sent, task_files.CASE_FILES, "attachments"
            )
            snap = runner.perform(service, uow, caller, kind, case_id, action, payload)
            task_files.attach(uow, case_id, files, task_files.CASE_FILES)
        return case_view(kind, snap.row, local_date(platform.clock.now()), snap)

    return view


def _uploaded_ids(payload: dict[str, Any]) -> list[str]:
    """The ids of uploaded files an action's `attachments` name (`{name, file_id}`)."""
    attached = payload.get("attachments") or []
    return [a["file_id"] for a in attached if isinstance(a, dict) and a.get("file_id")]


def _register_files(router: ApiRouter, service: WorkflowService, kind: CaseKind) -> None:
    """Upload a file to send with one of the case's actions, and download the files sent."""
    platform = service.runtime.platform
    base = f"{PREFIX}/{kind.path}/<case_id>/files"

    def post_file(case_id: str) -> Any:
        caller = service.caller()
        with platform.database.read() as conn:
            _readable(conn, kind, caller, case_id)
        stored = uploaded_file(service.runtime.files)
        with platform.unit_of_work() as uow:
            row = task_files.add(uow, caller, case_id, stored, task_files.CASE_FILES)
        return task_files.view(row, f"{PREFIX}/{kind.path}/{case_id}/files/{row['id']}"), 201

    router.route(
        base,
        "POST",
        request=TaskFileUploadIn,
        response=TaskFileOut,
        status=201,
        content_types=UPLOAD_TYPES,
        max_body=lambda: upload_limit(service.runtime.files),
        summary=f"Tải lên tệp để gửi kèm thao tác của {kind.label.lower()} (attachments: "
        "[{name, file_id}]): multipart/form-data phần `file`, hoặc JSON {name, content_base64}; "
        "tối đa MAX_FILE_BYTES (413); PDF, DOC, DOCX, XLS, XLSX, ODT, PNG, JPEG (422)",
    )(_named(post_file, f"post_file_{kind.kind}"))

    def get_file(case_id: str, file_id: str) -> Any:
        caller = service.caller()
        with platform.database.read() as conn:
            _readable(conn, kind, caller, case_id)
            row = task_files.file_for_reader(conn, caller, case_id, file_id, task_files.CASE_FILES)
        return download(service.runtime.files, row["sha256"], row["name"], row["media_type"])

    router.route(
        f"{base}/<file_id>",
        summary=f"Tải tệp đã gửi kèm {kind.label.lower()} (Content-Disposition: attachment), "
        "cho người được xem",
    )(_named(get_file, f"get_file_{kind.kind}"))


def _named(view: Any, name: str) -> Any:
    view.__name__ = name
    return view


def _readable(conn: Any, kind: CaseKind, caller: Principal, case_id: str) -> dict[str, Any]:
    case = kind.find(conn, case_id)
    kind.require_access(conn, caller, case)
    return case
