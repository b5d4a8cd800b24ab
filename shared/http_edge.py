"""The edge installed on each service's app: correlation ids, access metrics, and the table that
turns errors into problem+json statuses (domain errors, marshmallow's, Werkzeug's, crashes)."""

from __future__ import annotations

import logging
import time

from flask import Flask, Response, request
from marshmallow import ValidationError
from werkzeug.exceptions import HTTPException

from shared import errors
from shared.files import FileTooLarge
from shared.http import RequestJSONProvider, UnsupportedMediaType
from shared.http_responses import problem
from shared.json_input import FORBIDDEN_CHARACTERS, MalformedBody
from shared.logs import correlation, current_correlation_id, new_correlation_id
from shared.metrics import REQUEST_LATENCY, REQUESTS

log = logging.getLogger(__name__)

STATUS_OF: dict[type[errors.DomainError], int] = {
    errors.ValidationFailed: 422,
    errors.Unauthorized: 401,
    errors.Forbidden: 403,
    errors.NotFound: 404,
    errors.Conflict: 409,
    errors.Unavailable: 503,
    MalformedBody: 400,
    UnsupportedMediaType: 415,
    FileTooLarge: 413,
}


def install_edge(app: Flask, service: str) -> None:
    """Correlation ids, access metrics and the error table, on one service's app."""

    app.json = RequestJSONProvider(app)

    @app.before_request
    def _begin() -> Response | None:
        incoming = request.headers.get("X-Correlation-Id", "").strip()[:64]
        cm = correlation(incoming or new_correlation_id())
        cm.__enter__()
        request.environ["nhiemvu.correlation"] = cm
        request.environ["nhiemvu.started"] = time.perf_counter()
        if any(
            isinstance(value, str) and FORBIDDEN_CHARACTERS.search(value)
            for value in (request.view_args or {}).values()
        ):
            # No identifier holds such a character: answered before any query is built with it.
            return problem(404, "Không tìm thấy", "Đường dẫn chứa ký tự không hợp lệ.")
        return None

    @app.after_request
    def _end(response: Response) -> Response:
        response.headers["X-Correlation-Id"] = current_correlation_id() or ""
        started = request.environ.get("nhiemvu.started")
        endpoint = request.url_rule.rule if request.url_rule else "unmatched"
        REQUESTS.labels(service, request.method, endpoint, str(response.status_code)).inc()
        if started is not None:
            REQUEST_LATENCY.labels(service, endpoint).observe(time.perf_counter() - started)
        return response

    @app.teardown_request
    def _teardown(_exc: BaseException | None) -> None:
        cm = request.environ.pop("nhiemvu.correlation", None)
        if cm is not None:
            cm.__exit__(None, None, None)

    app.register_error_handler(errors.DomainError, _domain_error)
    app.register_error_handler(ValidationError, _validation_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected_error)


def _domain_error(exc: errors.DomainError) -> Response:
    status = next((s for cls, s in STATUS_OF.items() if isinstance(exc, cls)), 400)
    extra = dict(exc.extra)
    if isinstance(exc, errors.ValidationFailed):
        extra["errors"] = exc.errors
    response = problem(status, exc.title, exc.detail, **extra)
    retry_after = getattr(exc, "retry_after", None)
    if retry_after is not None:
        response.headers["Retry-After"] = str(retry_after)
    return response


def _validation_error(exc: ValidationError) -> Response:
    messages = exc.messages if isinstance(exc.messages, dict) else {"_schema": exc.messages}
    return problem(422, "Dữ liệu không hợp lệ", "Một số trường không hợp lệ.", errors=messages)


def _http_error(exc: HTTPException) -> Response:
    titles = {
        400: "Yêu cầu không hợp lệ",
        404: "Không tìm thấy",
        405: "Phương thức không hỗ trợ",
        413: "Nội dung quá lớn",
        415: "Kiểu nội dung không được hỗ trợ",
    }
    status = exc.code or 500
    return problem(status, titles.get(status, exc.name), exc.description)


def _unexpected_error(exc: Exception) -> Response:
    log.exception("unexpected error")
    return problem(500, "Lỗi hệ thống", "Đã có lỗi không mong muốn; vui lòng thử lại sau.")
