"""The four services' public HTTP APIs, called with the signed-in person's bearer token.

The web owns no business data: every page is built from these answers. Errors arrive as
problem+json (status, title, detail, errors per field) and are raised as ApiError so that a form
can show each message beside its field; a 401 means the person's session has ended."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import requests

from services.web.config import WebSettings


@dataclass
class ApiError(Exception):
    status: int
    title: str
    detail: str | None = None
    errors: Mapping[str, Any] = field(default_factory=dict)
    body: Mapping[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.detail or self.title

    @property
    def message(self) -> str:
        return f"{self.title}: {self.detail}" if self.detail else self.title

    def field_errors(self) -> dict[str, list[str]]:
        """Nested marshmallow errors as form keys: tasks.0.lead_unit → tasks-0-lead_unit."""
        flat: dict[str, list[str]] = {}
        _flatten(self.errors, "", flat)
        return flat


class ApiUnauthorized(ApiError):
    """The API refused the person's token: the session has expired or was revoked."""


class ApiUnavailable(Exception):
    """A service did not answer."""


def _flatten(value: Any, prefix: str, out: dict[str, list[str]]) -> None:
    if isinstance(value, Mapping):
        for key, inner in value.items():
            _flatten(inner, f"{prefix}-{key}" if prefix else str(key), out)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        out.setdefault(prefix or "_schema", []).extend(value)
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            _flatten(inner, f"{prefix}-{index}", out)
    elif value is not None:
        out.setdefault(prefix or "_schema", []).append(str(value))


class ApiClient:
    """One person's view of the APIs; `token` is None only for public reads."""

    def __init__(self, settings: WebSettings, http: requests.Session, token: str | None) -> None:
        self._settings = settings
        self._http = http
        self._token = token
        self._lock = threading.Lock()
        self.calls = 0  # how many API calls this page made, and how long they took
        self.elapsed_ms = 0.0

    def get(self, service: str, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v not in (None, "")}
        return self._call("GET", service, path, params=query)

    def post(self, service: str, path: str, body: Any = None, **kwargs: Any) -> Any:
        return self._call("POST", service, path, json=body if body is not None else {}, **kwargs)

    def post_raw(self, service: str, path: str, data: bytes, content_type: str) -> Any:
        headers = {"Content-Type": content_type}
        return self._call("POST", service, path, data=data, headers=headers)

    def post_file(
        self, service: str, path: str, name: str, data: bytes, content_type: str | None
    ) -> Any:
        """Upload one file as `multipart/form-data` (part `file`); the service checks its type."""
        part = (name, data, content_type or "application/octet-stream")
        return self._call("POST", service, path, files={"file": part})

    def download(self, service: str, path: str) -> requests.Response:
        """A file the service serves, as its raw answer (ApiError on a refusal)."""
        return self._request("GET", service, path, accept="*/*")

    def post_for_file(self, service: str, path: str, body: Any) -> tuple[bytes, str | None]:
        """A file the API makes from a JSON body (an official document): its bytes and its
        Content-Disposition."""
        answer = self._request("POST", service, path, accept="*/*", json=body)
        return answer.content, answer.headers.get("Content-Disposition")

    def patch(self, service: str, path: str, body: Any) -> Any:
        return self._call("PATCH", service, path, json=body)

    def put(self, service: str, path: str, body: Any) -> Any:
        return self._call("PUT", service, path, json=body)

    def get_file(self, service: str, path: str) -> tuple[bytes, str | None]:
        """A file the API answers (a report's XLSX): its bytes and its Content-Disposition."""
        answer = self.download(service, path)
        return answer.content, answer.headers.get("Content-Disposition")

    def _call(self, method: str, service: str, path: str, **kwargs: Any) -> Any:
        answer = self._request(method, service, path, **kwargs)
        if answer.status_code == 204 or not answer.content:
            return None
        return answer.json()

    def _request(
        self, method: str, service: str, path: str, accept: str = "application/json", **kwargs: Any
    ) -> requests.Response:
        headers = dict(kwargs.pop("headers", {}) or {})
        headers["Accept"] = accept
        if self._token:
            headers["Authorization"] = f"Bearer {self._token}"
        url = self._settings.service_url(service) + path
        started = time.perf_counter()
        try:
            answer = self._http.request(
                method,
                url,
                headers=headers,
                timeout=self._settings.api_timeout_seconds,
                **kwargs,
            )
        except requests.RequestException as exc:
            raise ApiUnavailable(f"Không kết nối được dịch vụ {service}.") from exc
        finally:
            with self._lock:
                self.calls += 1
                self.elapsed_ms += (time.perf_counter() - started) * 1000
        if answer.status_code >= 400:
            raise _error(answer)
        return answer


# API calls of one page that do not depend on each other run side by side: the services answer
# on other threads or processes, so the page waits for the slowest call, not for their sum.
_POOL = ThreadPoolExecutor(max_workers=8, thread_name_prefix="web-api")


def submit(call: Callable[..., Any], *args: Any, **kwargs: Any) -> Future[Any]:
    return _POOL.submit(call, *args, **kwargs)


def gather(calls: Mapping[str, Callable[[], Any]]) -> dict[str, Any]:
    """Run each call on the pool; their answers by name. The first error is raised."""
    futures = {name: _POOL.submit(call) for name, call in calls.items()}
    return {name: future.result() for name, future in futures.items()}


def _error(answer: requests.Response) -> ApiError:
    try:
        body = answer.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    kind = ApiUnauthorized if answer.status_code == 401 else ApiError
    return kind(
        status=answer.status_code,
        title=str(body.get("title") or answer.reason or "Lỗi"),
        detail=body.get("detail"),
        errors=body.get("errors") or {},
        body=body,
    )
