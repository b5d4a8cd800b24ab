"""The HTTP edge every service shares, on the request's side: routes declared with their
schemas, Idempotency-Key, body and query checks, file uploads and downloads.

Routes are declared on an `ApiRouter`; the router wraps each view so that what sits below the
route (handlers, domain) never sees Flask. The error table and the per-request hooks are in
shared/http_edge.py, JSON and problem+json answers in shared/http_responses.py; OpenAPI, health
and metrics in shared/openapi.py and shared/service_app.py.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from flask import Flask, Response, request
from flask.json.provider import DefaultJSONProvider
from marshmallow import Schema, ValidationError
from werkzeug.exceptions import HTTPException

from shared import errors
from shared.files import FileStore, StoredFile, too_large
from shared.http_responses import to_response
from shared.idempotency import IdempotencyStore, StoredResponse, request_fingerprint
from shared.json_input import (
    FORBIDDEN_CHARACTERS,
    MalformedBody,
    check_text,
    parse_json,
)

JSON_TYPES = ("application/json",)

View = Callable[..., Any]

# Bounds at the edge: what no client needs and what would otherwise reach the database or the
# parser unchecked (an offset past 2^63 is a 500 on PostgreSQL, deep JSON a RecursionError).
MAX_OFFSET = 1_000_000
MAX_QUERY_INTEGER = 2**53
# Errors that a view raises on purpose (a refusal): a unit of work that completed before it
# stays committed, as it would without an Idempotency-Key. Anything else is a crash.
_REFUSALS = (errors.DomainError, ValidationError, HTTPException)


@dataclass
class RouteSpec:
    path: str
    method: str
    view: View
    summary: str
    request: Schema | type[Schema] | None = None
    query: Schema | type[Schema] | None = None
    response: Schema | type[Schema] | None = None
    status: int = 200
    public: bool = False
    content_types: tuple[str, ...] = JSON_TYPES
    tags: list[str] = field(default_factory=list)
    # The largest body the route takes, when not MAX_BODY_BYTES (a file upload's: upload_limit).
    max_body: Callable[[], int] | None = None


class ApiRouter:
    """Collects a service's routes, then installs them on an app and describes them in OpenAPI."""

    def __init__(self, service: str, *, subject_of: Callable[[], str] | None = None) -> None:
        self.service = service
        self.routes: list[RouteSpec] = []
        self.subject_of = subject_of
        self.idempotency: IdempotencyStore | None = None

    def route(self, path: str, method: str = "GET", **options: Any) -> Callable[[View], View]:
        def decorate(view: View) -> View:
            summary = options.pop("summary", None) or (view.__doc__ or "").strip().split("\n")[0]
            self.routes.append(
                RouteSpec(
                    path=path,
                    method=method,
                    view=view,
                    summary=summary,
                    tags=[self.service],
                    **options,
                )
            )
            return view

        return decorate

    def install(self, app: Flask) -> None:
        for spec in self.routes:
            app.add_url_rule(
                spec.path,
                endpoint=f"{spec.method.lower()}:{spec.path}",
                view_func=self._wrap(spec),
                methods=[spec.method],
            )

    def _wrap(self, spec: RouteSpec) -> View:
        def view(**kwargs: Any) -> Response:
            if spec.max_body is not None:
                # Before anything reads the body (an Idempotency-Key's fingerprint does).
                request.max_content_length = spec.max_body()
            if (
                spec.method == "POST"
                and self.idempotency
                and request.headers.get("Idempotency-Key")
            ):
                return self._idempotent(spec, kwargs)
            return to_response(spec.view(**kwargs), spec.status)

        view.__name__ = spec.view.__name__
        return view

    def _idempotent(self, spec: RouteSpec, kwargs: Mapping[str, Any]) -> Response:
        """Run the view once per (caller, key): the key is claimed in the transaction that does
        the work and stores the answer (see shared.idempotency)."""
        assert self.idempotency is not None
        key = _idempotency_key()
        subject = self.subject_of() if self.subject_of else "anonymous"
        fingerprint = request_fingerprint(request.method, request.path, request.get_data())
        stored = self.idempotency.lookup(subject, key, fingerprint)
        if stored is not None:
            return _replay(stored)
        refusal: BaseException | None = None
        with self.idempotency.claim(subject, key, fingerprint) as claim:
            if claim.stored is not None:
                return _replay(claim.stored)
            try:
                response = to_response(spec.view(**kwargs), spec.status)
            except _REFUSALS as exc:
                claim.release()
                refusal = exc
            else:
                if response.status_code < 400:
                    claim.answer(response.status_code, response.get_data(as_text=True))
                elif response.status_code < 500:
                    claim.release()
                else:
                    claim.abandon()
        if refusal is not None:
            raise refusal
        return response


def _idempotency_key() -> str:
    key = request.headers["Idempotency-Key"].strip()[:200]
    if FORBIDDEN_CHARACTERS.search(key) or "\x7f" in key:
        raise MalformedBody("Idempotency-Key không được chứa ký tự điều khiển.")
    return key


def _replay(stored: StoredResponse) -> Response:
    response = Response(stored.body, status=stored.status, mimetype="application/json")
    response.headers["Idempotent-Replayed"] = "true"
    return response


def json_body(schema: Schema, content_types: Iterable[str] = JSON_TYPES) -> Any:
    """The request body, checked for type (415), syntax (400) and fields (422)."""
    require_content_type(content_types)
    raw = request_json()
    if not isinstance(raw, dict):
        raise errors.ValidationFailed(
            "Nội dung phải là một đối tượng JSON.", {"_schema": ["Cần một đối tượng JSON."]}
        )
    return schema.load(raw)


def request_json() -> Any:
    """The request body as JSON (None when empty): 400 when it cannot be read (`parse_json`),
    422 naming each field whose text holds a forbidden character (`check_text`)."""
    data = request.get_data(cache=True)
    if not data:
        return None
    value = parse_json(data)
    check_text(value)
    return value


class RequestJSONProvider(DefaultJSONProvider):
    """Flask's JSON with the edge's checks, so that `request.get_json()` (even silent=True,
    which swallows only ValueError) answers as `request_json` does: 400 for what cannot be read,
    422 for a forbidden character, never a RecursionError's 500."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        value = parse_json(s)
        check_text(value)
        return value


def query_args(schema: Schema) -> Any:
    """The query string through `schema`: 422 naming a parameter that holds a forbidden
    character, an `offset` above MAX_OFFSET or an integer beyond ±2^53."""
    raw = request.args.to_dict()
    check_text(raw)
    args = schema.load(raw)
    if isinstance(args, Mapping):
        problems: dict[str, list[str]] = {}
        for name, value in args.items():
            if isinstance(value, bool) or not isinstance(value, int):
                continue
            if name == "offset" and value > MAX_OFFSET:
                problems[name] = [f"Tối đa {MAX_OFFSET}."]
            elif abs(value) > MAX_QUERY_INTEGER:
                problems[name] = ["Số quá lớn."]
        if problems:
            raise errors.ValidationFailed("Một số tham số không hợp lệ.", problems)
    return args


def require_content_type(content_types: Iterable[str]) -> str:
    mimetype = (request.mimetype or "").lower()
    allowed = tuple(content_types)
    if mimetype not in allowed and not (
        mimetype.endswith("+json") and "application/json" in allowed
    ):
        raise UnsupportedMediaType(
            f"Kiểu nội dung {mimetype or '(trống)'} không được hỗ trợ; dùng {', '.join(allowed)}."
        )
    return mimetype


class UnsupportedMediaType(errors.DomainError):
    title = "Kiểu nội dung không được hỗ trợ"


UPLOAD_TYPES = ("multipart/form-data", "application/json")
# Room for a multipart body's boundaries and headers, or base64's third, above the file itself.
_UPLOAD_OVERHEAD = 64 * 1024


def uploaded_file(store: FileStore) -> StoredFile:
    """Keep the file of an upload: `multipart/form-data` with the part `file`, or JSON
    `{"name", "content_base64"}`; 413 above the store's limit, 422 for a type it refuses."""
    return store.put(*uploaded_content(store))


def uploaded_content(store: FileStore) -> tuple[bytes, str, str]:
    """The bytes, name and form field of an upload (as `uploaded_file` takes it), not yet kept:
    for a route that checks more than the store does before keeping it."""
    mimetype = require_content_type(UPLOAD_TYPES)
    limit = store.max_bytes + _UPLOAD_OVERHEAD
    if mimetype == "application/json":
        limit = upload_limit(store)
    if request.content_length is not None and request.content_length > limit:
        raise too_large(store.max_bytes)
    request.max_content_length = limit
    if mimetype == "multipart/form-data":
        part = request.files.get("file")
        if part is None:
            raise errors.ValidationFailed(
                "Thiếu tệp.", {"file": ["Gửi tệp trong phần 'file' của biểu mẫu."]}
            )
        data = part.stream.read(store.max_bytes + 1)
        return data, part.filename or "", "file"
    body = request_json()
    if not isinstance(body, dict):
        raise errors.ValidationFailed(
            "Nội dung phải là một đối tượng JSON.", {"_schema": ["Cần một đối tượng JSON."]}
        )
    return _base64_content(body), _upload_name(body), "content_base64"


def upload_limit(store: FileStore) -> int:
    """The largest body an upload route takes: one file of the store's limit, base64 or not."""
    return store.max_bytes * 4 // 3 + _UPLOAD_OVERHEAD


def _upload_name(body: Mapping[str, Any]) -> str:
    name = body.get("name")
    if not isinstance(name, str) or not name.strip() or len(name) > 500:
        raise errors.ValidationFailed("Thiếu tên tệp.", {"name": ["Cần tên tệp (1–500 ký tự)."]})
    return name


def _base64_content(body: Mapping[str, Any]) -> bytes:
    raw = body.get("content_base64")
    if not isinstance(raw, str):
        raise errors.ValidationFailed(
            "Thiếu nội dung tệp.", {"content_base64": ["Cần nội dung tệp mã hóa base64."]}
        )
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise errors.ValidationFailed(
            "Nội dung tệp không hợp lệ.", {"content_base64": ["Không phải base64."]}
        ) from exc


def download(store: FileStore, sha256: str, name: str, media_type: str) -> Response:
    """A kept file as a download: never shown inline, never sniffed into another type."""
    return attachment(store.read(sha256), name, media_type)


def attachment(body: bytes, name: str, media_type: str) -> Response:
    """`body` as a download named `name` (`download`'s headers, for bytes made on request)."""
    response = Response(body, mimetype=media_type)
    fallback = name.encode("ascii", "replace").decode("ascii").replace('"', "_").replace("?", "_")
    response.headers["Content-Disposition"] = (
        f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    return response


def page(items: list[Any], total: int, args: Mapping[str, Any]) -> dict[str, Any]:
    """A list endpoint's answer: one page of items and where it sits in the whole."""
    return {"items": items, "total": total, "limit": args["limit"], "offset": args["offset"]}
