"""The diagrams people see: an instance's diagram with where it stands, and the versions a
process owner opens in the modeler and validates before deploying.

GET  /api/workflow/tasks/<task_id>/diagram                   the task's diagram and its steps
GET  /api/workflow/<case path>/<case_id>/diagram             the same for each kind of case
GET  /api/workflow/process-models/<process_id>/versions/<v>  one version with its BPMN (owners)
POST /api/workflow/process-models/<process_id>/validate      check a diagram, deploy nothing
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from flask import request
from marshmallow import Schema, fields

from services.workflow import model_store
from services.workflow.engine import DiagramError, Positions, ProcessModel
from services.workflow.instances import runner
from services.workflow.kinds.task import TASK, require_read
from services.workflow.models import model_listing, refusal
from services.workflow.schemas import DiagramRefusal, ProcessModelListed
from shared.auth import PROCESS_OWNER, Principal, require_roles
from shared.errors import NotFound, ValidationFailed
from shared.http import ApiRouter, query_args, require_content_type
from shared.openapi import refuses_with

if TYPE_CHECKING:
    from services.workflow.app import WorkflowService

PREFIX = "/api/workflow"
BPMN_TYPES = ("application/xml", "text/xml", "application/bpmn+xml")
XML_ENCODING = re.compile(rb"""^(?:\xef\xbb\xbf)?<\?xml[^>]*encoding=["']([A-Za-z0-9._-]+)["']""")
# A version number as the path gives it: digits, as the activate and migrate routes take them.
MAX_VERSION_DIGITS = 9


class DiagramElementOut(Schema):
    element_id = fields.String(metadata={"example": "execute"})
    name = fields.String(allow_none=True, metadata={"example": "Thực hiện và báo cáo kết quả"})


class InstanceDiagramQuery(Schema):
    bpmn = fields.Boolean(
        load_default=True,
        metadata={
            "description": "false: leave the BPMN out (a page that shows the steps in words)"
        },
    )


class InstanceDiagramOut(Schema):
    """The diagram of the exact version an instance runs on, and where it stands in it."""

    process_id = fields.String()
    version = fields.Integer()
    bpmn_xml = fields.String(
        allow_none=True,
        metadata={"description": "the BPMN 2.0 XML of that version (null: `bpmn=false`)"},
    )
    current = fields.List(
        fields.Nested(DiagramElementOut), metadata={"description": "the steps it waits at now"}
    )
    armed = fields.List(
        fields.Nested(DiagramElementOut),
        metadata={"description": "events armed while it waits (reminder timers and the like)"},
    )
    passed = fields.List(
        fields.Nested(DiagramElementOut),
        metadata={"description": "the steps already taken, in the order they ran"},
    )
    completed = fields.Boolean()


class ProcessModelVersionOut(ProcessModelListed):
    bpmn_xml = fields.String(metadata={"description": "the BPMN 2.0 XML of the version"})


class DeclaredActionOut(Schema):
    action = fields.String()
    role = fields.String()


class DiagramCheckOut(Schema):
    """A diagram that would deploy: what it offers to whom and what it announces."""

    process_id = fields.String()
    valid = fields.Boolean()
    actions = fields.List(fields.Nested(DeclaredActionOut))
    notices = fields.List(fields.String())


def register_routes(router: ApiRouter, service: WorkflowService) -> None:
    platform = service.runtime.platform

    def principal() -> Principal:
        return service.caller()

    diagram_query = InstanceDiagramQuery()

    def instance_diagram(row: dict[str, Any], conn: Any) -> dict[str, Any]:
        with_bpmn = query_args(diagram_query)["bpmn"]
        step = runner.load(service, conn, row)
        view = diagram_view(step.model, service.engine.positions(step), step.completed)
        return view if with_bpmn else {**view, "bpmn_xml": None}

    @router.route(
        f"{PREFIX}/tasks/<task_id>/diagram",
        query=InstanceDiagramQuery,
        response=InstanceDiagramOut,
        summary="The diagram of the version a task runs on: its BPMN, the steps it waits at, "
        "the events armed and the steps already taken; for whoever may read the task",
    )
    def get_task_diagram(task_id: str) -> Any:
        caller = principal()
        with platform.database.read() as conn:
            task = TASK.find(conn, task_id)
            require_read(caller, task, conn)
            return instance_diagram(task, conn)

    for kind in service.kinds.values():

        def get_case_diagram(case_id: str, kind: Any = kind) -> Any:
            caller = principal()
            with platform.database.read() as conn:
                case = kind.find(conn, case_id)
                kind.require_access(conn, caller, case)
                return instance_diagram(case, conn)

        get_case_diagram.__name__ = f"get_diagram_{kind.kind}"
        router.route(
            f"{PREFIX}/{kind.path}/<case_id>/diagram",
            query=InstanceDiagramQuery,
            response=InstanceDiagramOut,
            summary=f"Sơ đồ của {kind.label.lower()}: phiên bản đang chạy, bước đang chờ, các "
            "bước đã qua",
        )(get_case_diagram)

    @router.route(
        f"{PREFIX}/process-models/<process_id>/versions/<version>",
        response=ProcessModelVersionOut,
        summary="One deployed version with its BPMN and how many tasks and cases run on it "
        "(process owners); 404 if the process has no such version",
    )
    def get_model_version(process_id: str, version: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        number = _version(process_id, version)
        with platform.database.read() as conn:
            row = model_store.model(conn, process_id, number)
            if row is None:
                raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
            listed = {
                (r["process_id"], r["version"]): r["running"]
                for r in model_listing(conn, process_id)
            }
        return {
            **row,
            "running": listed.get((process_id, number), 0),
            "bpmn_xml": xml_text(row["bpmn_xml"]),
        }

    @router.route(
        f"{PREFIX}/process-models/<process_id>/validate",
        "POST",
        response=DiagramCheckOut,
        content_types=BPMN_TYPES,
        summary="Check a BPMN diagram as a deploy would, deploying nothing (process owners): "
        "200 with the actions and notices it declares, or 422 listing every problem, each "
        "naming its element",
    )
    @refuses_with(
        422,
        "The diagram would be refused: every problem at once, each naming its element",
        DiagramRefusal,
    )
    def post_validate_model(process_id: str) -> Any:
        caller = principal()
        require_roles(caller, PROCESS_OWNER)
        require_content_type(BPMN_TYPES)
        xml = request.get_data()
        if not xml:
            raise ValidationFailed("Thiếu sơ đồ BPMN.", {"bpmn": ["Nội dung trống."]})
        try:
            actions, notices = service.engine.check(xml, process_id)
        except DiagramError as exc:
            raise refusal(exc) from exc
        return {
            "process_id": process_id,
            "valid": True,
            "actions": [{"action": a, "role": r} for a, r in sorted(actions)],
            "notices": sorted(notices),
        }


def diagram_view(model: ProcessModel, positions: Positions, completed: bool) -> dict[str, Any]:
    def elements(found: Any) -> list[dict[str, Any]]:
        return [{"element_id": p.element_id, "name": p.name} for p in found]

    return {
        "process_id": model.process_id,
        "version": model.version,
        "bpmn_xml": xml_text(model.bpmn_xml),
        "current": elements(positions.current),
        "armed": elements(positions.armed),
        "passed": elements(positions.passed),
        "completed": completed,
    }


def xml_text(bpmn_xml: bytes) -> str:
    """A deployed diagram as text, in the encoding its XML declaration names (UTF-8 unless it
    names another; a modeler may save in another)."""
    raw = bytes(bpmn_xml)
    declared = XML_ENCODING.match(raw)
    encoding = declared.group(1).decode("ascii").lower() if declared else "utf-8"
    if encoding in ("utf-8", "utf8"):
        encoding = "utf-8-sig"  # without a byte-order mark
    try:
        return raw.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return raw.decode("utf-8", errors="replace")


def _version(process_id: str, version: str) -> int:
    if not version.isdigit() or len(version) > MAX_VERSION_DIGITS:
        raise NotFound(f"Không có phiên bản {version} của quy trình {process_id}.")
    return int(version)
