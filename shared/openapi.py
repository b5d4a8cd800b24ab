"""OpenAPI 3 documents generated from the routes' marshmallow schemas (never written by hand)."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, TypeVar

from apispec import APISpec
from apispec.ext.marshmallow import MarshmallowPlugin

from shared.http import JSON_TYPES, MAX_OFFSET, ApiRouter, RouteSpec

V = TypeVar("V", bound=Callable[..., Any])
_PATH_PARAM = re.compile(r"<(?:[a-z]+:)?([a-zA-Z_]+)>")


def _schema_name_resolver(schema: Any) -> str:
    cls = schema if isinstance(schema, type) else type(schema)
    name = cls.__name__
    return name[:-6] if name.endswith("Schema") and len(name) > 6 else name


def openapi_document(router: ApiRouter, title: str, version: str = "1.0.0") -> dict[str, Any]:
    spec = APISpec(
        title=title,
        version=version,
        openapi_version="3.0.3",
        plugins=[MarshmallowPlugin(schema_name_resolver=_schema_name_resolver)],
    )
    spec.components.security_scheme(
        "bearer", {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    )
    spec.components.schema(
        "Problem",
        {
            "type": "object",
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
                "errors": {"type": "object", "additionalProperties": True},
            },
        },
    )
    paths: dict[str, dict[str, Any]] = {}
    for route in router.routes:
        path = _PATH_PARAM.sub(r"{\1}", route.path)
        paths.setdefault(path, {})[route.method.lower()] = _operation(route)
    for path, operations in paths.items():
        spec.path(path=path, operations=operations)
    return _with_edge_bounds(spec.to_dict())


def _with_edge_bounds(document: dict[str, Any]) -> dict[str, Any]:
    """The bounds the edge enforces on every list (shared.http.query_args), in its parameters."""
    for operations in document.get("paths", {}).values():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "query" and parameter.get("name") == "offset":
                    parameter.setdefault("schema", {})["maximum"] = MAX_OFFSET
    return document


OTHER_SUCCESS = "openapi_other_success"
REFUSALS = "openapi_refusals"


def refuses_with(status: int, description: str, schema: type[Any]) -> Callable[[V], V]:
    """Document a refusal whose problem body carries more than the common one (e.g. a 422 that
    lists a diagram's problems). Put it below `@router.route`."""

    def mark(view: V) -> V:
        refusals = dict(getattr(view, REFUSALS, {}))
        refusals[status] = (description, schema)
        setattr(view, REFUSALS, refusals)
        return view

    return mark


def also_answers(status: int, description: str) -> Callable[[V], V]:
    """Document another success status of a view, with the same body as its usual one (e.g. 200
    beside 201: what was asked for existed already). Put it below `@router.route`."""

    def mark(view: V) -> V:
        others = dict(getattr(view, OTHER_SUCCESS, {}))
        others[status] = description
        setattr(view, OTHER_SUCCESS, others)
        return view

    return mark


def _operation(route: RouteSpec) -> dict[str, Any]:
    problem = {"content": {"application/problem+json": {"schema": "Problem"}}}
    responses: dict[str, Any] = {
        str(route.status): {"description": "OK"},
        "400": {"description": "Malformed request", **problem},
        "422": {"description": "Invalid fields", **problem},
    }
    if route.response is not None:
        responses[str(route.status)]["content"] = {"application/json": {"schema": route.response}}
    for status, description in getattr(route.view, OTHER_SUCCESS, {}).items():
        responses[str(status)] = {**responses[str(route.status)], "description": description}
    for status, (description, schema) in getattr(route.view, REFUSALS, {}).items():
        responses[str(status)] = {
            "description": description,
            "content": {"application/problem+json": {"schema": schema}},
        }
    operation: dict[str, Any] = {
        "summary": route.summary,
        "tags": route.tags,
        "responses": responses,
    }
    params = [
        {"in": "path", "name": name, "required": True, "schema": {"type": "string"}}
        for name in _PATH_PARAM.findall(route.path)
    ]
    if route.query is not None:
        params.append({"in": "query", "schema": route.query})
    if params:
        operation["parameters"] = params
    if route.request is not None or set(route.content_types) - set(JSON_TYPES):
        # JSON bodies follow the route's schema; an XML one (EDXML, BPMN) is a document as text.
        xml = {"type": "string", "description": "The XML document."}
        multipart = {
            "type": "object",
            "properties": {"file": {"type": "string", "format": "binary"}},
            "required": ["file"],
        }
        operation["requestBody"] = {
            "required": True,
            "content": {
                ct: {
                    "schema": route.request
                    if ct in JSON_TYPES
                    else multipart
                    if ct == "multipart/form-data"
                    else xml
                }
                for ct in route.content_types
            },
        }
    if route.method == "POST":
        operation.setdefault("parameters", []).append(
            {
                "in": "header",
                "name": "Idempotency-Key",
                "required": False,
                "schema": {"type": "string", "maxLength": 200},
            }
        )
    if route.method in ("POST", "PUT", "PATCH"):
        responses["409"] = {"description": "Conflict", **problem}
        responses["415"] = {"description": "Unsupported media type", **problem}
    if not route.public:
        operation["security"] = [{"bearer": []}]
        responses["401"] = {"description": "Not authenticated", **problem}
        responses["403"] = {"description": "Forbidden", **problem}
    return operation
