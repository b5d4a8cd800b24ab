"""Diagrams people can see: each task's and case's diagram in the bpmn-js viewer (the version the
instance runs on, the step it waits at, the steps taken), and the process owners' pages: the
deployed versions with their running instances, a version in the bpmn-js modeler, a check
before deploying, the deploy, and two versions compared element by element."""

from __future__ import annotations

import functools
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar, cast

from flask import Blueprint, Response, abort, redirect, render_template, request, url_for

from services.web import context
from services.web.api_client import ApiClient, ApiError, gather
from services.web.app import CSP
from services.web.diagram_diff import compare, elements
from services.web.routes.document_templates import has_document

bp = Blueprint("diagrams", __name__)
F = TypeVar("F", bound=Callable[..., Any])
BPMN_MIMETYPE = "application/xml"
# The kinds of case and the API path of each (services/workflow/kinds/).
CASE_PATHS = {
    "annual_report": "annual-reports",
    "feedback": "feedback",
    "direction_request": "direction-requests",
    "info_request": "info-requests",
    "correction_request": "correction-requests",
    "inspection_request": "inspection-requests",
    "inspection": "inspections",
    "inspection_plan": "inspection-plans",
    "monthly_account": "monthly-accounts",
    "overdue_summary": "overdue-summaries",
    "commendation": "commendations",
    "periodic_report": "periodic-reports",
    "unit_report": "unit-reports",
    "unit_inspection": "unit-inspections",
}
# The largest diagram a process owner may send to be checked or deployed (the web's own limit
# on a request body is 10 MB; a diagram of this system is about 100 kB).
MAX_DIAGRAM_BYTES = 2 * 1024 * 1024


# The properties panel's bundle builds its two containers from HTML with a style attribute
# (`height: 100%`; `flex: none; height: auto`), which `style-src 'self'` refuses. The modeler's
# page alone allows exactly those two attribute values, by their hashes; no inline <style>, no
# other style attribute (a test checks the hashes against the vendored file).
PANEL_STYLE_HASHES = (
    "'sha256-nR5hyLltSjfvi2rqC26RbcredWrJvTaPA1yqPX96jpY='",  # height: 100%
    "'sha256-LIWyuNLBDBQuKJLr4mOx2cFEzHX9lM0BrbfcAAzCvSU='",  # flex: none; height: auto
)
MODELER_CSP = CSP.replace(
    "style-src 'self'", f"style-src 'self' 'unsafe-hashes' {' '.join(PANEL_STYLE_HASHES)}"
)


def process_owner_only(view: F) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        who = context.person()
        if who is None:
            return redirect(context.login_url())
        if not who.is_process_owner:
            abort(403, description="Trang này chỉ dành cho người quản lý quy trình.")
        return view(*args, **kwargs)

    return cast(F, wrapper)


def instance_diagram(api: ApiClient, api_path: str) -> dict[str, Any] | None:
    """An instance's diagram as the workflow API gives it (None if it cannot be read: the page
    shows everything else and says so)."""
    try:
        found: dict[str, Any] = api.get("workflow", f"{api_path}/diagram", bpmn="false")
    except ApiError:
        return None
    return found


# What a process owner reads of a diagram in words: its steps, not its flows or lanes.
STEP_KINDS = {
    "userTask": "Nhiệm vụ người dùng",
    "scriptTask": "Tác vụ kịch bản",
    "serviceTask": "Tác vụ dịch vụ",
    "startEvent": "Sự kiện bắt đầu",
    "endEvent": "Sự kiện kết thúc",
    "boundaryEvent": "Sự kiện biên",
    "intermediateCatchEvent": "Sự kiện chờ",
    "exclusiveGateway": "Cổng rẽ nhánh",
    "parallelGateway": "Cổng song song",
    "eventBasedGateway": "Cổng theo sự kiện",
    "subProcess": "Quy trình con",
    "callActivity": "Gọi quy trình",
}


def named_steps(bpmn_xml: str) -> list[tuple[str, str, str]]:
    """(kind label, name, id) of each named step of a diagram, in the order of the file."""
    return [
        (STEP_KINDS[e.kind], e.name, e.element_id)
        for e in elements(bpmn_xml).values()
        if e.kind in STEP_KINDS and e.name
    ]


def _xml(text: str) -> Response:
    return Response(text, mimetype=BPMN_MIMETYPE, headers={"Cache-Control": "no-store"})


@bp.get("/tasks/<task_id>/diagram.bpmn")
@context.signed_in
def task_bpmn(task_id: str) -> Any:
    """The BPMN of the version a task runs on, for the viewer on its page."""
    diagram = context.api().get("workflow", f"/tasks/{task_id}/diagram")
    return _xml(diagram["bpmn_xml"])


@bp.get("/cases/<kind>/<case_id>")
@context.signed_in
def case_detail(kind: str, case_id: str) -> Any:
    path = CASE_PATHS.get(kind) or abort(404)
    api = context.api()
    found = gather(
        {
            "case": partial(api.get, "workflow", f"/{path}/{case_id}"),
            "units": partial(context.directory().names, api),
            "diagram": partial(instance_diagram, api, f"/{path}/{case_id}"),
        }
    )
    case = found["case"]
    return render_template(
        "case_detail.html",
        case=case,
        kind=kind,
        kind_label=context.labels().CASE_KIND_LABELS.get(kind, kind),
        units=found["units"],
        history=list(reversed(case.get("history", []))),
        diagram=found["diagram"],
        diagram_src=url_for("diagrams.case_bpmn", kind=kind, case_id=case_id),
        has_document=has_document(kind, case),
    )


@bp.get("/cases/<kind>/<case_id>/diagram.bpmn")
@context.signed_in
def case_bpmn(kind: str, case_id: str) -> Any:
    path = CASE_PATHS.get(kind) or abort(404)
    diagram = context.api().get("workflow", f"/{path}/{case_id}/diagram")
    return _xml(diagram["bpmn_xml"])


# -- process owners ----------------------------------------------------------------------------
@bp.get("/process-models")
@process_owner_only
def model_list() -> Any:
    items = context.api().get("workflow", "/process-models")["items"]
    processes: dict[str, list[dict[str, Any]]] = {}
    for item in items:
        processes.setdefault(item["process_id"], []).append(item)
    for versions in processes.values():
        versions.sort(key=lambda v: v["version"], reverse=True)
    return render_template("process_models.html", processes=processes)


@bp.get("/process-models/<process_id>/versions/<int:version>")
@process_owner_only
def version_view(process_id: str, version: int) -> Any:
    """A version in the viewer, with its elements in words."""
    model = context.api().get("workflow", f"/process-models/{process_id}/versions/{version}")
    return render_template("process_view.html", model=model, steps=named_steps(model["bpmn_xml"]))


@bp.get("/process-models/<process_id>/versions/<int:version>/modeler")
@process_owner_only
def modeler(process_id: str, version: int) -> Any:
    model = context.api().get("workflow", f"/process-models/{process_id}/versions/{version}")
    page = Response(render_template("process_modeler.html", model=model), mimetype="text/html")
    page.headers["Content-Security-Policy"] = MODELER_CSP
    return page


@bp.get("/process-models/<process_id>/versions/<int:version>/diagram.bpmn")
@process_owner_only
def version_bpmn(process_id: str, version: int) -> Any:
    model = context.api().get("workflow", f"/process-models/{process_id}/versions/{version}")
    return _xml(model["bpmn_xml"])


@bp.post("/process-models/<process_id>/validate")
@process_owner_only
def validate(process_id: str) -> Any:
    """The modeler's check before deploying: the workflow API's answer, as JSON."""
    return _forward(process_id, "validate")


@bp.post("/process-models/<process_id>/deploy")
@process_owner_only
def deploy(process_id: str) -> Any:
    return _forward(process_id, "")


def _forward(process_id: str, what: str) -> Any:
    xml = request.get_data()
    if not xml or len(xml) > MAX_DIAGRAM_BYTES:
        return {"title": "Sơ đồ trống hoặc quá lớn.", "diagram_errors": []}, 422
    path = f"/process-models/{process_id}" + (f"/{what}" if what else "")
    try:
        answer = context.api().post_raw("workflow", path, xml, "application/bpmn+xml")
    except ApiError as exc:
        if exc.status not in (403, 404, 409, 422):
            raise
        return {
            "title": exc.title,
            "detail": exc.detail,
            "diagram_errors": exc.body.get("diagram_errors", []),
            "errors": exc.field_errors(),
        }, exc.status
    return answer, 200


@bp.get("/process-models/<process_id>/compare")
@process_owner_only
def compare_versions(process_id: str) -> Any:
    api = context.api()
    listed = [
        m for m in api.get("workflow", "/process-models")["items"] if m["process_id"] == process_id
    ]
    numbers = sorted(m["version"] for m in listed)
    if not numbers:
        abort(404, description=f"Chưa triển khai quy trình {process_id}.")
    older = request.args.get("from", type=int) or (numbers[-2] if len(numbers) > 1 else numbers[0])
    newer = request.args.get("to", type=int) or numbers[-1]
    if older not in numbers or newer not in numbers:
        abort(404, description="Không có phiên bản đã chọn.")
    found = gather(
        {
            "old": partial(api.get, "workflow", f"/process-models/{process_id}/versions/{older}"),
            "new": partial(api.get, "workflow", f"/process-models/{process_id}/versions/{newer}"),
        }
    )
    diff = compare(found["old"]["bpmn_xml"], found["new"]["bpmn_xml"])
    return render_template(
        "process_compare.html",
        process_id=process_id,
        numbers=numbers,
        old=found["old"],
        new=found["new"],
        diff=diff,
    )
