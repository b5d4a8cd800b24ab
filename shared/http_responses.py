"""JSON answers of the HTTP edge: a view's result as a response, JSON bodies and
problem+json refusals."""

from __future__ import annotations

from typing import Any

from flask import Response

from shared import json_codec

PROBLEM_JSON = "application/problem+json"


def to_response(result: Any, default_status: int) -> Response:
    if isinstance(result, Response):
        return result
    status = default_status
    if isinstance(result, tuple):
        result, status = result
    return json_response(result, status)


def json_response(payload: Any, status: int = 200, mimetype: str = "application/json") -> Response:
    # Compact UTF-8 JSON, the same value as json.dumps(..., ensure_ascii=False) writes (which
    # writes it where orjson would not: shared/json_codec.py).
    body = json_codec.dumps(payload, _json_default)
    return Response(body, status=status, mimetype=mimetype)


def problem(status: int, title: str, detail: str | None = None, **extra: Any) -> Response:
    payload: dict[str, Any] = {"type": "about:blank", "title": title, "status": status}
    if detail:
        payload["detail"] = detail
    payload.update({k: v for k, v in extra.items() if v is not None})
    return json_response(payload, status, mimetype=PROBLEM_JSON)


def _json_default(value: Any) -> Any:
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value)
    raise TypeError(f"{type(value).__name__} is not JSON-serializable")
