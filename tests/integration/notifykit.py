"""Helpers for the notify channel tests: a service with a delivery worker, a local webhook
receiver that can be down, and a real SMTP server (aiosmtpd) that keeps what it received."""

from __future__ import annotations

import http.server
import ipaddress
import socket
import ssl
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from services.notify import store
from services.notify.app import create_app, create_service
from services.notify.consumer import create_consumer, create_delivery_worker
from shared.auth_settings import AuthSettings
from shared.auth_tokens import mint_token
from shared.calendar import TZ
from shared.clock import FixedClock
from shared.events import encode, make_event

SECRET = "notify-secret-0123456789-0123456789-00"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=TZ)  # a Tuesday


def build(tmp_path: Path, namespace: str, **extra: str) -> Any:
    """One harness: the service (FixedClock at NOW) with `client` (its test client), `consumer`
    and `deliver(body)` (hand it one event's bytes; the outcome), `worker` (the delivery
    worker, driven a round at a time with `run_round()`), `clock` and `data_dir`. The caller
    stops `worker` and `runtime.platform`."""
    env = {"DATA_DIR": str(tmp_path), "JWT_SECRET": SECRET, "BUS_NAMESPACE": namespace, **extra}
    clock = FixedClock(NOW)
    service = create_service(env, clock=clock)
    service.migrate()
    service.clock = clock
    service.data_dir = tmp_path
    service.client = create_app(service).test_client()
    service.consumer = create_consumer(service)
    service.deliver = lambda body: str(service.consumer.process(body, {}))
    service.worker = create_delivery_worker(service)
    return service


@pytest.fixture()
def make_notify(
    tmp_path_factory: pytest.TempPathFactory, bus_namespace: str
) -> Iterator[Callable[..., Any]]:
    """Build notify harnesses: `make_notify(*units, smtp_port=..., data_dir=..., **env)` knows
    `units` (named as themselves), sends mail to a local SMTP server on `smtp_port` (plain, no
    STARTTLS) and shares `data_dir` (its database) with another if given. Each is stopped at the
    end of the test."""
    built: list[Any] = []

    def make(*units: str, **options: Any) -> Any:
        data_dir = options.pop("data_dir", None) or tmp_path_factory.mktemp("notify")
        namespace = options.pop("namespace", bus_namespace)
        smtp_port = options.pop("smtp_port", None)
        if smtp_port is not None:
            smtp = {"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(smtp_port), "SMTP_STARTTLS": "0"}
            options = {**smtp, **options}
        service = build(data_dir, namespace, **options)
        built.append(service)
        if units:
            know_units(service, *units)
        return service

    yield make
    for service in built:
        service.worker.stop()
        service.runtime.platform.stop()


@pytest.fixture()
def notify(request: pytest.FixtureRequest, make_notify: Callable[..., Any]) -> Any:
    """The notify harness; indirect parametrization may give the units it knows
    (`knowing(...)`)."""
    return make_notify(*getattr(request, "param", ()))


def knowing(*units: str) -> pytest.MarkDecorator:
    """Give the tests of a module (`pytestmark`) or one test a `notify` that knows `units`."""
    param = pytest.param(units, id="units")
    return pytest.mark.parametrize("notify", [param], indirect=True)


def know_units(service: Any, *codes: str, **names: str) -> None:
    """Put units in notify's directory, as intake's `unit.updated` would: each code named as
    itself (texts stay as the tests wrote them), or by the name given (`SO_TC="Sở Tài chính"`).
    Contacts and settings are refused for a unit the directory does not know."""
    rows = [{"code": c, "name": c} for c in codes] + [
        {"code": c, "name": n} for c, n in names.items()
    ]
    with service.runtime.platform.database.transaction() as conn:
        for row in rows:
            store.upsert_unit(conn, {**row, "kind": "so", "active": True})


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


@dataclass(frozen=True)
class ServerCertificate:
    """A private CA and a server certificate it signed for 127.0.0.1 and localhost (PEM files)."""

    ca: Path
    cert: Path
    key: Path


def make_certificate(directory: Path) -> ServerCertificate:
    """Generate a CA and a server certificate with `cryptography`, as a private CA would."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Nhiem vu test CA")])
    ca_ski = x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key())
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ca_ski, critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski),
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    found = ServerCertificate(directory / "ca.pem", directory / "smtp.pem", directory / "smtp.key")
    found.ca.write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    found.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    found.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return found


@dataclass
class SmtpLog:
    """What an SMTP server saw: the raw messages and every AUTH attempt (login, mechanism, ok)."""

    received: list[bytes] = field(default_factory=list)
    logins: list[tuple[str, str, bool]] = field(default_factory=list)


@contextmanager
def smtp_server(
    *,
    certificate: ServerCertificate | None = None,
    users: dict[str, str] | None = None,
    mechanisms: tuple[str, ...] = ("LOGIN", "PLAIN"),
    log: SmtpLog | None = None,
) -> Iterator[tuple[int, list[bytes]]]:
    """A real SMTP server (aiosmtpd) on 127.0.0.1; yields its port and the raw messages.

    With `certificate` it offers STARTTLS and refuses mail before it; with `users` it requires
    AUTH (only over TLS, only the given `mechanisms`) and checks the passwords.
    """
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import AuthResult, LoginPassword

    seen = log if log is not None else SmtpLog()

    class Keep:
        async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:
            seen.received.append(envelope.original_content or envelope.content)
            return "250 OK"

    def authenticator(
        _server: Any, _session: Any, _envelope: Any, mechanism: str, data: Any
    ) -> AuthResult:
        if not isinstance(data, LoginPassword):
            return AuthResult(success=False, handled=False)
        login, password = data.login.decode(), data.password.decode()
        ok = users is not None and users.get(login) == password
        seen.logins.append((login, mechanism, ok))
        return AuthResult(success=ok, handled=False)

    options: dict[str, Any] = {}
    if certificate is not None:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate.cert, certificate.key)
        options.update(tls_context=context, require_starttls=True)
    if users is not None:
        excluded = [m for m in ("LOGIN", "PLAIN") if m not in mechanisms]
        options.update(
            authenticator=authenticator,
            auth_required=True,
            auth_require_tls=True,
            auth_exclude_mechanism=excluded,
        )
    port = free_port()
    controller = Controller(Keep(), hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield port, seen.received
    finally:
        controller.stop()
