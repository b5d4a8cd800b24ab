"""Domain errors shared by every service; the HTTP edge maps each to a status (shared.http)."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a service raises below its routes."""

    title = "Yêu cầu không hợp lệ"

    def __init__(self, detail: str, **extra: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extra = extra


class Unauthorized(DomainError):
    """401. `bearer_error` is the RFC 6750 §3.1 code the WWW-Authenticate challenge carries:
    "invalid_token" for a token that was presented and refused, "invalid_request" for a malformed
    Authorization header, None when no credentials were sent."""

    title = "Chưa xác thực"

    def __init__(self, detail: str, *, bearer_error: str | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.bearer_error = bearer_error


class Forbidden(DomainError):
    title = "Không có quyền"


class NotFound(DomainError):
    title = "Không tìm thấy"


class Conflict(DomainError):
    title = "Xung đột trạng thái"


class Unavailable(DomainError):
    """503: a part of the system the request needs is not installed or not running."""

    title = "Dịch vụ tạm thời không sẵn sàng"


class ValidationFailed(DomainError):
    """Invalid fields; `errors` maps field names to lists of messages."""

    title = "Dữ liệu không hợp lệ"

    def __init__(self, detail: str, errors: dict[str, Any] | None = None, **extra: Any) -> None:
        super().__init__(detail, **extra)
        self.errors = errors or {}
