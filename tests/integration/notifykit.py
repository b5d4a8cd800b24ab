"""Helpers for the notify channel tests: a service with a delivery worker, a local webhook
receiver that can be down, and a real SMTP server (aiosmtpd) that keeps what it received."""

from __future__ import annotations

import http.server
import socket
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from services.notify.app import create_app, create_service
from services.notify.consumer import create_consumer, create_delivery_worker
from shared.auth import AuthSettings, mint_token
from shared.calendar import TZ
from shared.clock import FixedClock
from shared.events import encode, make_event

SECRET = "notify-secret-0123456789-0123456789-00"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


def build(tmp_path: Path, namespace: str, **extra: str) -> Any:
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": namespace, **extra}
    service = create_service(env, clock=FixedClock(NOW))
    service.migrate()
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    service.worker = create_delivery_worker(service)
    return service


def auth(role: str, unit: str | None, sub: str = "someone") -> dict[str, str]:
    settings = AuthSettings(
        mode="hs256", secret=SECRET, public_key=None, jwks_url=None, issuer=None, audience=None
    )
    token = mint_token(settings, sub=sub, name=sub, unit=unit, roles=[role])
    return {"Authorization": f"Bearer {token}"}


def task_event(event_type: str, status: str, **overrides: Any) -> bytes:
    data = {
        "task_id": uuid.uuid4().hex,
        "document_id": "d" * 32,
        "status": status,
        "lead_unit": "SO_TC",
        "coordinating_units": ["SO_XD"],
        "due_on": "2026-12-20",
        "overdue": False,
        "assigned_on": "2026-12-01",
        "assigned_by": "chu_tich",
        "content": "Rà soát vốn đầu tư công",
        "occurred_at": NOW.isoformat(),
        **overrides,
    }
    return encode(make_event(event_type, data, source="/test", time=NOW)).encode()


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Receiver:
    """An HTTP receiver on 127.0.0.1 that records every request; `up()` starts it."""

    def __init__(self, port: int | None = None, status: int = 200) -> None:
        self.port = port or free_port()
        self.status = status
        self.received: list[tuple[dict[str, str], bytes]] = []
        self._server: http.server.HTTPServer | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def up(self) -> Receiver:
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                receiver.received.append((dict(self.headers), self.rfile.read(length)))
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *_args: Any) -> None:
                pass

        http.server.HTTPServer.allow_reuse_address = True
        self._server = http.server.HTTPServer(("127.0.0.1", self.port), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


@contextmanager
def smtp_server() -> Iterator[tuple[int, list[bytes]]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields its port and the raw messages."""
    from aiosmtpd.controller import Controller

    received: list[bytes] = []

    class Keep:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            received.append(envelope.original_content or envelope.content)
            return "250 OK"

    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        yield port, received
    finally:
        controller.stop()
