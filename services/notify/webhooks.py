"""One webhook attempt: the CloudEvent as body (or, to the document system, an EDXML status
message), signed, with bounded time and response size."""

from __future__ import annotations

import hashlib
import hmac

import requests

SIGNATURE_HEADER = "X-Nhiemvu-Signature"
CONTENT_TYPE = "application/cloudevents+json; charset=utf-8"
EDXML_CONTENT_TYPE = "application/xml; charset=utf-8"
MESSAGE_ID_HEADER = "X-Nhiemvu-Message-Id"
MAX_RESPONSE_BYTES = 64 * 1024


class DeliveryError(RuntimeError):
    """The attempt failed; the message is kept as the delivery's last error."""


def signature(secret: str, body: bytes, timestamp: int) -> str:
    signed = f"{timestamp}.".encode() + body
    digest = hmac.new(secret.encode("utf-8"), signed, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={digest}"


def post(
    url: str,
    body: bytes,
    secret: str,
    timestamp: int,
    timeout: float,
    *,
    content_type: str = CONTENT_TYPE,
    message_id: str | None = None,
) -> int:
    headers = {
        "Content-Type": content_type,
        SIGNATURE_HEADER: signature(secret, body, timestamp),
        "User-Agent": "nhiemvu-notify/1",
    }
    if message_id is not None:
        # An XML body has no CloudEvent id: this lets the receiver tell a repeat from a new one.
        headers[MESSAGE_ID_HEADER] = message_id
    try:
        # Redirects are not followed: the target of a redirect has not been checked.
        with requests.post(
            url,
            data=body,
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
            stream=True,
        ) as response:
            # A receiver cannot make us read an endless answer.
            answer = response.raw.read(MAX_RESPONSE_BYTES, decode_content=False) or b""
            status = response.status_code
    except requests.RequestException as exc:
        raise DeliveryError(f"{type(exc).__name__}: {str(exc)[:300]}") from exc
    if not 200 <= status < 300:
        snippet = answer[:200].decode("utf-8", "replace")
        raise DeliveryError(f"HTTP {status}: {snippet}")
    return status
